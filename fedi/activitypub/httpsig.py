"""HTTP signatures as the fediverse uses them: draft-cavage-12 and RFC 9421 (pure, no I/O).

Signing returns the headers to add to a request; verification returns a `Verdict` whose `reason`
is short enough for a 401 body. Key lookup is the caller's job: read `key_id_of(headers)`, load or
fetch that key, then call `verify(...)` (keys as cached objects, or PEM through `keys.load_*`).
Reference: federation-interop.md sections 3 and 5.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_tz
from functools import lru_cache
from typing import Literal

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fedi.activitypub import rfc9421
from fedi.activitypub.keys import load_private_key, load_public_key
from fedi.activitypub.rfc9421 import (
    FieldError,
    Rfc9421Signature,
    Target,
    check_content_digest,
    content_digest_header,
    encode_base,
    split_url,
)

__all__ = [
    "DEFAULT_MAX_SKEW",
    "SignatureParams",
    "Verdict",
    "content_digest_header",
    "digest_header",
    "key_id_of",
    "parse_signature_headers",
    "sign_cavage",
    "sign_rfc9421",
    "verify",
]

Scheme = Literal["cavage", "rfc9421"]

# Reference section 3: Mastodon accepts a Date about an hour either way; SWICG suggests an hour
# "plus a few minutes". Seconds.
DEFAULT_MAX_SKEW = 3600.0 + 300.0

CAVAGE_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DIGESTS = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
_CAVAGE_PARAM = re.compile(r'([A-Za-z]+)[ \t]*=[ \t]*(?:"([^"]*)"|([0-9.]+))')
_IMF_FIXDATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d\d):(\d\d):(\d\d) GMT"
)
_MONTHS = {name: number for number, name in enumerate(calendar.month_abbr) if name}
# Interop: Fedify (2.3) signs a GET's `@target-uri` with the fragment of the URL it fetched (its
# key fetches of `<actor>#main-key`), though a fragment never reaches the server; the fragment of
# our key ids is the one it can have used.
_FETCH_FRAGMENTS = ("#main-key",)

SigningKey = rsa.RSAPrivateKey | str  # a key object, or PEM (parsed once, cached)
VerifyKey = rsa.RSAPublicKey | str


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureParams:
    """What a request's signature headers say; `headers` are the covered names, lowercase."""

    scheme: Scheme
    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes
    created: int | None = None
    expires: float | None = None
    rfc9421: Rfc9421Signature | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The outcome of a signature check; `reason` is human readable ("ok" when it passed)."""

    ok: bool
    reason: str
    key_id: str
    scheme: Scheme | Literal[""]


# --- Digests and small helpers ------------------------------------------------------------------


def digest_header(body: bytes) -> str:
    """`SHA-256=<base64>` (the cavage-era `Digest` header) for a request body."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def _check_digest(value: str, body: bytes) -> str:
    """'' when a `Digest` header matches the body, else a reason."""
    checked = False
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        algorithm = _DIGESTS.get(name.strip().lower())
        if not sep or algorithm is None:
            continue
        try:
            expected = binascii.a2b_base64(encoded.strip(), strict_mode=True)
        except ValueError:  # binascii.Error, or non-ASCII text
            return "malformed digest"
        if not hmac.compare_digest(expected, algorithm(body).digest()):
            return "digest mismatch"
        checked = True
    return "" if checked else "unsupported digest algorithm"


def _check_digests(headers: Mapping[str, str], body: bytes) -> str:
    """Check every digest header present against the raw body."""
    digest, content_digest = headers.get("digest"), headers.get("content-digest")
    if digest is not None and (reason := _check_digest(digest, body)):
        return reason
    if content_digest is not None and (reason := check_content_digest(content_digest, body)):
        return reason
    return ""


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _has_body(method: str, body: bytes | None) -> bool:
    return body is not None and (bool(body) or method.upper() in _BODY_METHODS)


def _needs_digest(method: str, body: bytes | None) -> bool:
    """Bodies are checked; a POST without one is checked as empty (never skipped)."""
    return bool(body) or method.upper() in _BODY_METHODS


def _seconds(now: datetime | float | None) -> float:
    if now is None:
        return time.time()
    return now.timestamp() if isinstance(now, datetime) else float(now)


def _window(when: float, now: float, max_skew: float) -> str:
    if now - when > max_skew:
        return "signature expired"
    if when - now > max_skew:
        return "date in the future"
    return ""


@lru_cache(maxsize=512)
def _http_date(value: str) -> float | None:
    """Seconds since the epoch of an HTTP date; cached, as concurrent requests share a Date."""
    match = _IMF_FIXDATE.fullmatch(value.strip())
    if match is not None:
        day, month, year, hour, minute, second = match.groups()
        fields = [int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second)]
        offset = 0
    else:
        parsed = parsedate_tz(value)  # the obsolete RFC 850 and asctime forms
        if parsed is None:
            return None
        fields, offset = list(parsed[:6]), parsed[9] or 0
    try:
        y, mo, d, h, mi, sec = fields
        when = datetime(y, mo, d, h, mi, sec, tzinfo=UTC)  # validates every field
    except (ValueError, OverflowError):
        return None
    return when.timestamp() - offset


def _private(key: SigningKey) -> rsa.RSAPrivateKey:
    return load_private_key(key) if isinstance(key, str) else key


def _rsa_ok(key: rsa.RSAPublicKey, signature: bytes, text: str) -> bool:
    try:
        key.verify(signature, encode_base(text), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


# --- Signing --------------------------------------------------------------------------------


def sign_cavage(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
    key_id: str,
    private_key: SigningKey,
    now: datetime | float | None = None,
) -> dict[str, str]:
    """Headers to add for a draft-cavage-12 `rsa-sha256` signature (Date/Host only if absent)."""
    target = split_url(url)
    lower = _lower(headers)
    added: dict[str, str] = {}
    if "date" not in lower:
        when = datetime.fromtimestamp(_seconds(now), UTC)
        added["Date"] = lower["date"] = format_datetime(when, usegmt=True)
    if "host" not in lower:
        added["Host"] = lower["host"] = target.authority
    names = ["(request-target)", "host", "date"]
    if body is not None and _has_body(method, body):
        added["Digest"] = lower["digest"] = digest_header(body)
        names.append("digest")
        if "content-type" in lower:
            names.append("content-type")
    elif "accept" in lower:
        names.append("accept")
    text = _cavage_string(names, method, target.path_with_query, lower, None, None)
    signature = _private(private_key).sign(encode_base(text), padding.PKCS1v15(), hashes.SHA256())
    added["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return added


def sign_rfc9421(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None = None,
    key_id: str,
    private_key: SigningKey,
    now: datetime | float | None = None,
    label: str = rfc9421.DEFAULT_LABEL,
) -> dict[str, str]:
    """Headers to add for an RFC 9421 `rsa-v1_5-sha256` signature (with RFC 9530 Content-Digest)."""
    return rfc9421.sign(
        method=method,
        url=url,
        headers=headers,
        body=body,
        key_id=key_id,
        private_key=_private(private_key),
        created=int(_seconds(now)),
        label=label,
    )


# --- Reading signature headers ------------------------------------------------------------------


def _parse_cavage(value: str) -> SignatureParams:
    fields: dict[str, str] = {}
    for name, quoted, bare in _CAVAGE_PARAM.findall(value):
        name = name.lower()
        if name in fields:
            raise FieldError("malformed signature header")
        fields[name] = quoted or bare
    key_id, encoded = fields.get("keyid", ""), fields.get("signature", "")
    if not key_id:
        raise FieldError("signature has no keyId")
    if not encoded:
        raise FieldError("signature has no signature value")
    algorithm = fields.get("algorithm", "").lower()
    covered = fields.get("headers")
    if covered is None:
        # Interop: Mastodon's default when `headers` is absent (cavage-12 says "(created)").
        names: tuple[str, ...] = ("(created)",) if algorithm in ("", "hs2019") else ("date",)
    else:
        names = tuple(name.lower() for name in covered.split())
    try:
        signature = binascii.a2b_base64(encoded, strict_mode=True)
        created = int(float(fields["created"])) if "created" in fields else None
        expires = float(fields["expires"]) if "expires" in fields else None
    except ValueError as exc:  # binascii.Error, non-ASCII or non-numeric
        raise FieldError("malformed signature header") from exc
    return SignatureParams(
        scheme="cavage",
        key_id=key_id,
        algorithm=algorithm,
        headers=names,
        signature=signature,
        created=created,
        expires=expires,
    )


def _parse(headers: Mapping[str, str]) -> SignatureParams | str:
    """The signature of a request (lowercase header names), or the reason there is none."""
    signature_input = headers.get("signature-input")
    if signature_input is not None:
        signature = headers.get("signature")
        if signature is None:
            return "no signature"
        try:
            found = rfc9421.parse_signature(signature_input, signature)
        except FieldError as exc:
            return str(exc)
        return SignatureParams(
            scheme="rfc9421",
            key_id=found.key_id,
            algorithm=found.algorithm,
            headers=found.covered,
            signature=found.signature,
            created=found.created,
            expires=found.expires,
            rfc9421=found,
        )
    value = headers.get("signature")
    if value is None:
        # Interop: early cavage drafts (and a few old servers) used `Authorization: Signature ...`.
        authorization = headers.get("authorization", "")
        if authorization[:10].lower() != "signature ":
            return "no signature"
        value = authorization[10:]
    try:
        return _parse_cavage(value)
    except FieldError as exc:
        return str(exc)


def parse_signature_headers(headers: Mapping[str, str]) -> SignatureParams | None:
    """The request's signature (RFC 9421 if `Signature-Input` is present, else cavage), or None."""
    found = _parse(_lower(headers))
    return None if isinstance(found, str) else found


def key_id_of(headers: Mapping[str, str]) -> str | None:
    """The keyId a request was signed with, so the caller can fetch the key before `verify`."""
    found = parse_signature_headers(headers)
    return found.key_id if found else None


# --- Verification ---------------------------------------------------------------------------


def verify(
    *,
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key: VerifyKey,
    now: datetime | float | None = None,
    max_skew: float = DEFAULT_MAX_SKEW,
    scheme: str | None = None,
    params: SignatureParams | None = None,
) -> Verdict:
    """Check a request's signature, time window and digest; never raises on malformed input.

    `scheme` is the request's external scheme for RFC 9421 `@target-uri`; None tries https then
    http (behind a proxy we may not know it). `params` skips re-parsing the headers.
    """
    lower = _lower(headers)
    found = params if params is not None else _parse(lower)
    if isinstance(found, str):
        return Verdict(ok=False, reason=found, key_id="", scheme="")
    try:
        key = load_public_key(public_key) if isinstance(public_key, str) else public_key
    except (ValueError, UnsupportedAlgorithm):
        key = None
    now_s = _seconds(now)
    try:
        if not isinstance(key, rsa.RSAPublicKey):
            reason = "unusable public key"
        elif found.scheme == "cavage":
            reason = _verify_cavage(
                found, method, path_with_query, lower, body, key, now_s, max_skew
            )
        else:
            reason = _verify_rfc9421(
                found, method, path_with_query, lower, body, key, now_s, max_skew, scheme
            )
    except FieldError as exc:
        reason = str(exc)
    return Verdict(ok=not reason, reason=reason or "ok", key_id=found.key_id, scheme=found.scheme)


def _not_signed(missing: Sequence[str]) -> str:
    return "headers not signed: " + ", ".join(missing)


def _cavage_string(
    names: Sequence[str],
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    created: int | None,
    expires: float | None,
) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path_with_query}")
        elif name == "(created)":
            if created is None:
                raise FieldError("signature has no created time")
            lines.append(f"(created): {created}")
        elif name == "(expires)":
            if expires is None:
                raise FieldError("signature has no expires time")
            lines.append(f"(expires): {int(expires) if expires.is_integer() else expires!r}")
        else:
            value = headers.get(name)
            if value is None:
                raise FieldError(f"missing header: {name}")
            lines.append(f"{name}: {value.strip()}")
    return "\n".join(lines)


def _cavage_targets(path_with_query: str) -> Iterator[str]:
    yield path_with_query
    if "?" in path_with_query:
        # Interop: some servers sign the path without its query string (GoToSocial verifies both
        # ways; Mastodon before 4.2.4 got query strings wrong).
        yield path_with_query.partition("?")[0]


def _verify_cavage(
    found: SignatureParams,
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key: rsa.RSAPublicKey,
    now: float,
    max_skew: float,
) -> str:
    # Interop: GoToSocial sends `hs2019`; for RSA keys it means RSASSA-PKCS1-v1_5 with SHA-256.
    if found.algorithm and found.algorithm not in CAVAGE_ALGORITHMS:
        return f"unsupported algorithm: {found.algorithm}"
    signed = set(found.headers)
    missing = [name for name in ("(request-target)", "host") if name not in signed]
    if "date" not in signed and "(created)" not in signed:
        missing.append("date")
    if method.upper() in _BODY_METHODS and not signed & {"digest", "content-digest"}:
        missing.append("digest")
    if missing:
        return _not_signed(missing)
    if "date" in signed:
        date = headers.get("date")
        if date is None:
            return "missing header: date"
        when = _http_date(date)
        if when is None:
            return "bad date header"
        if reason := _window(when, now, max_skew):
            return reason
    if "(created)" in signed:
        if found.created is None:
            return "signature has no created time"
        if reason := _window(float(found.created), now, max_skew):
            return reason
    if found.expires is not None and now - found.expires > max_skew:
        return "signature expired"
    if _needs_digest(method, body) and (reason := _check_digests(headers, body or b"")):
        return reason
    for target in _cavage_targets(path_with_query):
        text = _cavage_string(found.headers, method, target, headers, found.created, found.expires)
        if _rsa_ok(key, found.signature, text):
            return ""
    return "bad signature"


def _verify_rfc9421(
    found: SignatureParams,
    method: str,
    path_with_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key: rsa.RSAPublicKey,
    now: float,
    max_skew: float,
    scheme: str | None,
) -> str:
    sig = found.rfc9421
    if sig is None:
        return "no signature"
    # Interop: `alg` is optional in RFC 9421 (the key decides); Mastodon and Fedify send it.
    if sig.algorithm and sig.algorithm != rfc9421.ALGORITHM:
        return f"unsupported algorithm: {sig.algorithm}"
    covered = set(found.headers)
    has_uri = "@target-uri" in covered
    missing = [] if "@method" in covered else ["@method"]
    # Interop: Mastodon requires only @method and @target-uri; the URI carries the authority.
    if not has_uri and not covered & {"@path", "@request-target"}:
        missing.append("@target-uri")
    if not has_uri and not covered & {"@authority", "host"}:
        missing.append("@authority")
    if method.upper() in _BODY_METHODS and not covered & {"content-digest", "digest"}:
        missing.append("content-digest")
    if missing:
        return _not_signed(missing)
    if sig.created is None:
        return "signature has no created time"
    if reason := _window(float(sig.created), now, max_skew):
        return reason
    if sig.expires is not None and now - sig.expires > max_skew:
        return "signature expired"
    if _needs_digest(method, body) and (reason := _check_digests(headers, body or b"")):
        return reason
    authority = headers.get("host", "").strip().lower()
    if not authority:
        return "missing header: host"
    if scheme:
        schemes: tuple[str, ...] = (scheme.lower(),)
    elif covered & {"@target-uri", "@scheme"}:
        schemes = ("https", "http")
    else:
        schemes = ("https",)
    paths = [path_with_query]
    if has_uri and not _has_body(method, body) and "#" not in path_with_query:
        paths.extend(path_with_query + fragment for fragment in _FETCH_FRAGMENTS)
    for candidate in schemes:
        for path in paths:
            target = Target(scheme=candidate, authority=authority, path_with_query=path)
            base = rfc9421.signature_base(
                components=sig.components,
                params=sig.params,
                method=method,
                target=target,
                headers=headers,
            )
            if _rsa_ok(key, sig.signature, base):
                return ""
    return "bad signature"
