"""RFC 9421 HTTP Message Signatures, RFC 9530 Content-Digest and the RFC 8941 fields they use.

Pure: no I/O. `httpsig` builds on this module (scheme detection, verdicts, cavage); this module knows
only how to read a `Signature-Input`/`Signature` pair, build a signature base and sign one.
Supported derived components: `@method`, `@target-uri`, `@authority`, `@scheme`,
`@request-target`, `@path`, `@query`; plus plain header fields. Component parameters (`;sf`,
`;key`, `;bs`, `;req`, `;name`) are refused, since no fediverse server sends them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ALGORITHM = "rsa-v1_5-sha256"
DEFAULT_LABEL = "sig1"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Token(str):
    """An RFC 8941 token: serialized without quotes."""

    __slots__ = ()


BareItem = int | float | str | bytes | bool
Params = dict[str, BareItem]
Item = tuple[BareItem, Params]
InnerList = tuple[list[Item], Params]
Member = Item | InnerList


class FieldError(ValueError):
    """A structured field or signature component could not be read; the message is a reason."""


# --- RFC 8941 structured fields -------------------------------------------------------------

_MALFORMED = "malformed structured field"
_KEY = re.compile(r"[a-z*][a-z0-9_.*-]*")
_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]*")
_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,3})?")
_STRING = re.compile(r'"((?:[ !#-\[\]-~]|\\["\\])*)"')
_ESCAPE = re.compile(r'\\(["\\])')
_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")
_SPACES = re.compile(r" *")
_OWS = re.compile(r"[ \t]*")
# The shape every fediverse signer sends: plain component names, string/integer parameters.
_SIMPLE_INPUT = re.compile(
    r'([a-z*][a-z0-9_.*-]*)=\(("[ !#-\[\]-~]*"(?: "[ !#-\[\]-~]*")*)?\)'
    r'((?:;[a-z*][a-z0-9_.*-]*=(?:"[ !#-\[\]-~]*"|[0-9]{1,15}))*)'
)
_SIMPLE_COMPONENT = re.compile(r'"([^"]*)"')
_SIMPLE_PARAM = re.compile(r';([a-z*][a-z0-9_.*-]*)=(?:"([^"]*)"|([0-9]+))')


class _Parser:
    """A cursor over one field value (RFC 8941 section 4.2), one anchored regex per token."""

    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def match(self, pattern: re.Pattern[str]) -> re.Match[str]:
        found = pattern.match(self.text, self.pos)
        if found is None:
            raise FieldError(_MALFORMED)
        self.pos = found.end()
        return found

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise FieldError(_MALFORMED)
        self.pos += 1

    def key(self) -> str:
        return self.match(_KEY).group()

    def params(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.match(_SPACES)
            name = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[name] = value
        return params

    def item_or_inner_list(self) -> Member:
        if self.peek() != "(":
            return (self.bare_item(), self.params())
        self.pos += 1
        items: list[Item] = []
        while True:
            self.match(_SPACES)
            if self.peek() == ")":
                self.pos += 1
                return (items, self.params())
            items.append((self.bare_item(), self.params()))
            if self.peek() not in (" ", ")"):
                raise FieldError(_MALFORMED)

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == '"':
            return _ESCAPE.sub(r"\1", self.match(_STRING).group(1))
        if char == ":":
            chunk = self.match(_BYTES).group(1)
            try:
                return binascii.a2b_base64(chunk + "=" * (-len(chunk) % 4), strict_mode=True)
            except binascii.Error as exc:
                raise FieldError(_MALFORMED) from exc
        if char == "?":
            value = self.text[self.pos + 1 : self.pos + 2]
            if value not in ("0", "1"):
                raise FieldError(_MALFORMED)
            self.pos += 2
            return value == "1"
        if char == "-" or "0" <= char <= "9":
            found = self.match(_NUMBER)
            return float(found.group()) if found.group(1) else int(found.group())
        return Token(self.match(_TOKEN).group())


def parse_dictionary(text: str) -> dict[str, Member]:
    """An RFC 8941 Dictionary; raises FieldError when malformed."""
    parser = _Parser(text.strip(" \t"))
    members: dict[str, Member] = {}
    if not parser.text:
        return members
    while True:
        name = parser.key()
        if parser.peek() == "=":
            parser.pos += 1
            members[name] = parser.item_or_inner_list()
        else:
            members[name] = (True, parser.params())
        parser.match(_OWS)
        if not parser.peek():
            return members
        parser.take(",")
        parser.match(_OWS)
        if not parser.peek():
            raise FieldError(_MALFORMED)


def simple_signature_input(text: str) -> dict[str, Member] | None:
    """A one-signature `Signature-Input` of the usual shape, read fast; None for anything else."""
    found = _SIMPLE_INPUT.fullmatch(text.strip(" \t"))
    if found is None:
        return None
    label, components, params = found.groups()
    items: list[Item] = [(name, {}) for name in _SIMPLE_COMPONENT.findall(components or "")]
    values: Params = {
        name: quoted if number is None else int(number)
        for name, quoted, number in (
            (m.group(1), m.group(2), m.group(3)) for m in _SIMPLE_PARAM.finditer(params)
        )
    }
    return {label: (items, values)}


def serialize_bare_item(value: BareItem) -> str:
    """RFC 8941 serialization of one bare item."""
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, Token):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return ":" + base64.b64encode(value).decode("ascii") + ":"


def serialize_params(params: Mapping[str, BareItem]) -> str:
    """`;name=value` for each parameter (`;name` alone for true)."""
    return "".join(
        f";{name}" if value is True else f";{name}={serialize_bare_item(value)}"
        for name, value in params.items()
    )


def serialize_inner_list(items: Sequence[Item], params: Mapping[str, BareItem]) -> str:
    """`("a" "b");p=1`."""
    inner = " ".join(serialize_bare_item(v) + serialize_params(p) for v, p in items)
    return f"({inner}){serialize_params(params)}"


# --- Content-Digest (RFC 9530) ----------------------------------------------------------------


def content_digest_header(body: bytes) -> str:
    """`sha-256=:<base64>:` for a request body."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def check_content_digest(value: str, body: bytes) -> str:
    """'' when a Content-Digest value matches the body, else a reason."""
    try:
        members = parse_dictionary(value)
    except FieldError:
        return "malformed content-digest"
    checked = False
    for name, algorithm in (("sha-256", hashlib.sha256), ("sha-512", hashlib.sha512)):
        member = members.get(name)
        if member is None:
            continue
        expected = member[0]
        if not isinstance(expected, bytes):
            return "malformed content-digest"
        if not hmac.compare_digest(expected, algorithm(body).digest()):
            return "digest mismatch"
        checked = True
    return "" if checked else "unsupported digest algorithm"


# --- Signatures -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Rfc9421Signature:
    """One signature read from `Signature-Input` and `Signature`."""

    label: str
    components: tuple[Item, ...]
    params: Params
    signature: bytes
    key_id: str
    algorithm: str
    created: int | None
    expires: int | None

    @property
    def covered(self) -> tuple[str, ...]:
        """The covered component names, lowercase, without their parameters."""
        return tuple(str(value).lower() for value, _ in self.components)


def parse_signature(signature_input: str, signature: str) -> Rfc9421Signature:
    """The first signature labelled in both headers; raises FieldError with a reason."""
    try:
        inputs = simple_signature_input(signature_input) or parse_dictionary(signature_input)
    except FieldError as exc:
        raise FieldError("malformed signature-input") from exc
    try:
        values = parse_dictionary(signature)
    except FieldError as exc:
        raise FieldError("malformed signature") from exc
    for label, member in inputs.items():
        if label not in values:
            continue
        items, params = member
        if not isinstance(items, list):
            raise FieldError("malformed signature-input")
        signature_value = values[label][0]
        if not isinstance(signature_value, bytes):
            raise FieldError("malformed signature")
        if not all(type(value) is str for value, _ in items):
            raise FieldError("malformed signature-input")
        key_id, algorithm = params.get("keyid"), params.get("alg", "")
        created, expires = params.get("created"), params.get("expires")
        if not isinstance(key_id, str) or not key_id or not isinstance(algorithm, str):
            raise FieldError("signature has no keyid")
        if not _optional_int(created) or not _optional_int(expires):
            raise FieldError("malformed signature-input")
        return Rfc9421Signature(
            label=label,
            components=tuple(items),
            params=params,
            signature=signature_value,
            key_id=key_id,
            algorithm=algorithm.lower(),
            created=created if isinstance(created, int) else None,
            expires=expires if isinstance(expires, int) else None,
        )
    raise FieldError("no signature")


def _optional_int(value: BareItem | None) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """The parts of a request URI that derived components are made of."""

    scheme: str
    authority: str
    path_with_query: str

    @property
    def uri(self) -> str:
        """The absolute target URI (`@target-uri`)."""
        return f"{self.scheme}://{self.authority}{self.path_with_query}"


def split_url(url: str) -> Target:
    """Scheme, authority (lowercase host, default port dropped) and path?query of a URL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    authority = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = parts.path or "/"
    return Target(
        scheme=scheme,
        authority=authority,
        path_with_query=f"{path}?{parts.query}" if parts.query else path,
    )


def _component_value(name: str, *, method: str, target: Target, headers: Mapping[str, str]) -> str:
    path, _, query = target.path_with_query.partition("?")
    if name == "@method":
        return method.upper()
    if name == "@target-uri":
        return target.uri
    if name == "@authority":
        return target.authority
    if name == "@scheme":
        return target.scheme
    if name == "@request-target":
        return target.path_with_query
    if name == "@path":
        return path or "/"
    if name == "@query":
        return f"?{query}"
    if name.startswith("@"):
        raise FieldError(f"unsupported component: {name}")
    value = headers.get(name)
    if value is None:
        raise FieldError(f"missing header: {name}")
    return value.strip()


def signature_base(
    *,
    components: Sequence[Item],
    params: Mapping[str, BareItem],
    method: str,
    target: Target,
    headers: Mapping[str, str],
) -> str:
    """The signature base (RFC 9421 section 2.5); `headers` has lowercase names."""
    lines = []
    for value, component_params in components:
        if component_params:
            raise FieldError("unsupported component parameter")
        name = str(value).lower()
        if name == "@signature-params":
            raise FieldError("malformed signature-input")
        found = _component_value(name, method=method, target=target, headers=headers)
        lines.append(f'"{name}": {found}')
    lines.append(f'"@signature-params": {serialize_inner_list(components, params)}')
    return "\n".join(lines)


def encode_base(text: str) -> bytes:
    """Header values arrive decoded as latin-1 (ASGI); encode them back to the bytes sent."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def sign(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    created: int,
    label: str = DEFAULT_LABEL,
) -> dict[str, str]:
    """`Signature-Input`, `Signature` (and `Content-Digest` for a body) to add to a request."""
    target = split_url(url)
    lower = {name.lower(): value for name, value in headers.items()}
    added: dict[str, str] = {}
    names = ["@method", "@target-uri", "@authority"]
    if body is not None and (body or method.upper() in ("POST", "PUT", "PATCH")):
        added["Content-Digest"] = lower["content-digest"] = content_digest_header(body)
        names.append("content-digest")
        if "content-type" in lower:
            names.append("content-type")
    elif "accept" in lower:
        names.append("accept")
    components: list[Item] = [(name, {}) for name in names]
    params: Params = {"created": created, "keyid": key_id, "alg": ALGORITHM}
    base = signature_base(
        components=components, params=params, method=method, target=target, headers=lower
    )
    signature = private_key.sign(encode_base(base), padding.PKCS1v15(), hashes.SHA256())
    added["Signature-Input"] = f"{label}={serialize_inner_list(components, params)}"
    added["Signature"] = f"{label}={serialize_bare_item(signature)}"
    return added
