"""Outbound HTTP that cannot be pointed at us: the SSRF guard, the pinned transport, capped GETs.

Every URL a peer gives us (actor, key, object, WebFinger, inbox, media) is attacker-chosen, so:
- only http(s) URLs, plain http only with `[federation] allow_http`;
- the host is resolved once, *every* address is checked against the special-purpose ranges
  (loopback, private, link-local, CGNAT, multicast, reserved, translation, IPv4-mapped forms),
  and the connection goes to the checked address (no second DNS lookup, so no DNS rebinding);
- redirects are followed by hand, each hop re-checked, at most `max_redirects`, no revisits;
- bodies are streamed and abandoned past `max_bytes`; every GET has a total time limit.
`[federation] allow_private_addresses` turns the address checks off (development and tests).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

import certifi
import httpcore
import httpx

from fedi.config import FederationConfig
from fedi.errors import BadDocument, FetchFailed, RemoteError, RemoteGone

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolve = Callable[[str, int], Awaitable[list[str]]]
HeadersFor = Callable[[str], Mapping[str, str]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ONE_MB = 1024 * 1024

# (what to call it in an error, networks). Checked in order; anything else that Python does not
# consider globally routable is refused as "reserved".
_SPECIAL_RANGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unspecified", ("0.0.0.0/8", "::/128")),
    ("loopback", ("127.0.0.0/8", "::1/128")),
    ("private", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")),
    ("link-local", ("169.254.0.0/16", "fe80::/10")),
    ("carrier-grade NAT", ("100.64.0.0/10",)),
    ("multicast", ("224.0.0.0/4", "ff00::/8")),
    (
        "reserved",
        (
            "192.0.0.0/24",
            "192.0.2.0/24",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "240.0.0.0/4",
            "2001:db8::/32",
            "100::/64",
        ),
    ),
    # NAT64, Teredo and 6to4 reach IPv4 space through IPv6 (Fedify CVE-2026-50131).
    ("IPv6 translation", ("64:ff9b::/96", "64:ff9b:1::/48", "2001::/32", "2002::/16")),
)
_NETWORKS = tuple(
    (label, tuple(ipaddress.ip_network(n) for n in networks)) for label, networks in _SPECIAL_RANGES
)


class Refused(FetchFailed):
    """Our own rules refused the request (scheme, address, redirects); retrying cannot help."""


class Unreachable(FetchFailed):
    """No HTTP answer at all: the name did not resolve, the connection failed or timed out."""


class Missing(FetchFailed):
    """The server answered 404: there is nothing at that URL (WebFinger falls back on it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardPolicy:
    """What outbound requests may reach; the defaults are the production ones."""

    allow_private_addresses: bool = False
    allow_http: bool = False
    # Special-range networks that are allowed anyway (Mastodon's ALLOWED_PRIVATE_ADDRESSES),
    # e.g. ("127.0.0.1/32",) to reach one loopback peer while every other range stays refused.
    allowed_networks: tuple[str, ...] = ()

    def problem_with(self, ip: IPAddress) -> str | None:
        """Why this policy refuses the address, or None when it may be contacted."""
        if self.allow_private_addresses:
            return None
        problem = address_problem(ip)
        if problem is not None and any(
            ip.version == net.version and ip in net
            for net in (ipaddress.ip_network(n) for n in self.allowed_networks)
        ):
            return None
        return problem

    @classmethod
    def from_config(cls, federation: FederationConfig) -> GuardPolicy:
        """The policy of `[federation]` in the instance config."""
        return cls(
            allow_private_addresses=federation.allow_private_addresses,
            allow_http=federation.allow_http,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchLimits:
    """Time and size limits of one outbound GET (the whole redirect chain counts as one)."""

    connect: float = 5.0
    read: float = 10.0
    total: float = 15.0
    max_bytes: int = ONE_MB
    max_redirects: int = 5

    def timeout(self) -> httpx.Timeout:
        """The per-operation timeouts of the shared client."""
        return httpx.Timeout(
            connect=self.connect, read=self.read, write=self.read, pool=self.connect
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    """A successful (2xx) response: the final URL after redirects, its content type and body."""

    url: str
    status: int
    content_type: str
    body: bytes


def address_problem(ip: IPAddress) -> str | None:
    """Why an address may not be contacted ("loopback", "private", ...), or None when it may."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_problem(ip.ipv4_mapped)
    for label, networks in _NETWORKS:
        if any(ip.version == net.version and ip in net for net in networks):
            return label
    if not ip.is_global:
        return "reserved"
    return None


def _refuse_address(host: str, ip: IPAddress, problem: str) -> Refused:
    shown = host if host == str(ip) else f"{host} ({ip})"
    return Refused(
        f"Refusing to connect to {shown}: it is a {problem} address.",
        detail="set [federation] allow_private_addresses = true for development only",
    )


def host_of(url: httpx.URL) -> str:
    """`host` or `host:port` (non-default port) of a URL: lowercase, IDNA-encoded, no final dot."""
    host = url.raw_host.decode("ascii").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{url.port}" if url.port is not None else host


def check_url(url: str, policy: GuardPolicy) -> httpx.URL:
    """The URL parsed, or Refused: only http(s), http only when allowed, no special-range literals."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise Refused(f"Refusing to fetch {url[:200]!r}: it is not a valid URL.") from None
    scheme = parsed.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(f"Refusing to fetch a {scheme or 'relative'}: URL; only https is allowed.")
    if scheme == "http" and not policy.allow_http:
        raise Refused(
            f"Refusing to fetch {url[:200]} over plain http; only https is allowed.",
            detail="set [federation] allow_http = true for development only",
        )
    if not parsed.host:
        raise Refused(f"Refusing to fetch {url[:200]!r}: it has no host.")
    if parsed.userinfo:
        raise Refused(f"Refusing to fetch {url[:200]!r}: it carries a user name or password.")
    try:
        literal = ipaddress.ip_address(parsed.host)
    except ValueError:
        literal = None
    if literal is not None and (problem := policy.problem_with(literal)) is not None:
        raise _refuse_address(parsed.host, literal, problem)
    return parsed


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the event loop's getaddrinfo), in the resolver's order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


async def resolve_checked(
    host: str, port: int, policy: GuardPolicy, *, resolve: Resolve = system_resolve
) -> list[str]:
    """The addresses to connect to; Refused when any of them is in a special-purpose range."""
    try:
        addresses = await resolve(host, port)
    except OSError as exc:
        raise Unreachable(
            f"Could not reach {host}: its name does not resolve.", detail=str(exc)
        ) from exc
    if not addresses:
        raise Unreachable(f"Could not reach {host}: its name does not resolve.")
    if policy.allow_private_addresses:
        return addresses
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        problem = policy.problem_with(ip)
        if problem is not None:
            raise _refuse_address(host, ip, problem)
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that connects only to addresses `resolve_checked` accepted."""

    def __init__(self, policy: GuardPolicy, *, resolve: Resolve = system_resolve) -> None:
        self.policy = policy
        self._resolve = resolve
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await resolve_checked(host, port, self.policy, resolve=self._resolve)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used for outbound requests")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """The httpx transport of the shared client: connection pooling over `GuardedBackend`."""

    def __init__(
        self,
        *,
        policy: GuardPolicy,
        ssl_context: ssl.SSLContext,
        limits: httpx.Limits | None = None,
        resolve: Resolve = system_resolve,
    ) -> None:
        pool_limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(verify=ssl_context, limits=pool_limits, trust_env=False)
        # httpx (0.27/0.28) has no public hook for httpcore's network backend; replace the pool it
        # built with one made from the same arguments plus our backend. test_netguard covers it.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=pool_limits.max_connections,
            max_keepalive_connections=pool_limits.max_keepalive_connections,
            keepalive_expiry=pool_limits.keepalive_expiry,
            network_backend=GuardedBackend(policy, resolve=resolve),
        )


def build_ssl_context(ca_bundle: str = "") -> ssl.SSLContext:
    """TLS trust: the system store and certifi, plus `[federation] ca_bundle` when set."""
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=certifi.where())
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


async def _read_capped(response: httpx.Response, max_bytes: int, url: str) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BadDocument(f"The response from {url} is larger than {max_bytes // 1024} KB.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise BadDocument(f"The response from {url} is larger than {max_bytes // 1024} KB.")
        chunks.append(chunk)
    return b"".join(chunks)


def _status_error(status: int, url: str, host: str) -> RemoteError:
    if status == 410:
        return RemoteGone(f"{url} has been deleted on {host} (410).")
    if status == 404:
        return Missing(f"{url} was not found on {host} (404).")
    if status in (401, 403):
        return FetchFailed(f"{host} refused to show {url} ({status}).")
    return FetchFailed(f"{host} answered {status} for {url}.")


async def _follow(
    http: httpx.AsyncClient,
    url: str,
    *,
    policy: GuardPolicy,
    limits: FetchLimits,
    headers_for: HeadersFor,
) -> Fetched:
    seen: set[str] = set()
    current = url
    for _hop in range(limits.max_redirects + 1):
        target = check_url(current, policy)
        if current in seen:
            raise Refused(f"Gave up on {url}: the redirects go round in a loop.")
        seen.add(current)
        host = host_of(target)
        try:
            async with http.stream("GET", target, headers=dict(headers_for(current))) as response:
                if response.status_code in REDIRECT_STATUSES:
                    location = response.headers.get("location", "").strip()
                    if not location:
                        raise BadDocument(f"{host} redirected {current} without a Location.")
                    current = str(target.join(location))
                    continue
                if not 200 <= response.status_code < 300:
                    raise _status_error(response.status_code, current, host)
                body = await _read_capped(response, limits.max_bytes, current)
                return Fetched(
                    url=current,
                    status=response.status_code,
                    content_type=response.headers.get("content-type", ""),
                    body=body,
                )
        except httpx.TimeoutException as exc:
            raise Unreachable(
                f"Could not reach {host}: it did not answer in time.", detail=repr(exc)
            ) from exc
        except httpx.HTTPError as exc:
            raise Unreachable(f"Could not reach {host}.", detail=repr(exc)) from exc
    raise Refused(f"Gave up on {url}: more than {limits.max_redirects} redirects.")


async def guarded_get(
    http: httpx.AsyncClient,
    url: str,
    *,
    policy: GuardPolicy,
    limits: FetchLimits,
    headers_for: HeadersFor,
) -> Fetched:
    """GET with every redirect re-checked, the body capped and the whole chain time-limited.

    `headers_for(url)` gives each hop's headers (a signed GET signs each hop anew). Raises Refused
    (our rules), FetchFailed (unreachable, timeout, 404, other statuses), RemoteGone (410) and
    BadDocument (too large).
    """
    try:
        async with asyncio.timeout(limits.total):
            return await _follow(http, url, policy=policy, limits=limits, headers_for=headers_for)
    except TimeoutError:
        host = url
        try:
            host = host_of(httpx.URL(url))
        except (httpx.InvalidURL, ValueError):
            pass
        raise Unreachable(
            f"Could not reach {host}: no complete answer within {limits.total:g} s."
        ) from None
