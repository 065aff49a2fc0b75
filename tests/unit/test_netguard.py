"""The SSRF guard: which addresses and URLs are refused, and that connections are pinned."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator

import certifi
import httpx
import pytest

from fedi.netguard import (
    GuardedTransport,
    GuardPolicy,
    Refused,
    Unreachable,
    address_problem,
    build_ssl_context,
    check_url,
    resolve_checked,
)

STRICT = GuardPolicy()
DEV = GuardPolicy(allow_private_addresses=True, allow_http=True)


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("255.255.255.255", "reserved"),
        ("240.0.0.1", "reserved"),
        ("198.18.0.1", "reserved"),
        ("192.0.2.7", "reserved"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fe80::1", "link-local"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.1.1", "link-local"),
        ("64:ff9b::a00:1", "IPv6 translation"),
        ("2002:7f00:1::1", "IPv6 translation"),
        ("2001:0:4136:e378::1", "IPv6 translation"),
        ("2001:db8::1", "reserved"),
        ("8.8.8.8", None),
        ("172.32.0.1", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_special_ranges_are_named(address: str, problem: str | None) -> None:
    """Every special-purpose range is refused with its name; public addresses pass."""
    assert address_problem(ipaddress.ip_address(address)) == problem


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("data:application/activity+json,{}", "a data: URL"),
        ("file:///etc/passwd", "a file: URL"),
        ("ftp://example.com/x", "a ftp: URL"),
        ("javascript:alert(1)", "a javascript: URL"),
        ("/relative/path", "a relative: URL"),
        ("http://example.com/users/a", "over plain http"),
        ("https://user:pw@example.com/", "user name or password"),
        ("https://127.0.0.1/users/a", "127.0.0.1: it is a loopback address"),
        ("https://[::1]:8443/users/a", "::1: it is a loopback address"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::ffff:10.0.0.1]/", "private"),
    ],
)
def test_urls_refused_in_production(url: str, message: str) -> None:
    """Non-http(s) schemes, plain http and special-range literals are refused, saying why."""
    with pytest.raises(Refused, match=message.replace("(", r"\(")):
        check_url(url, STRICT)


def test_a_public_https_url_passes() -> None:
    """An ordinary https URL is accepted as parsed."""
    assert check_url("https://Example.social/users/a", STRICT).host == "example.social"


def test_development_settings_open_http_and_loopback() -> None:
    """allow_http and allow_private_addresses let tests reach peers on loopback."""
    assert check_url("http://127.0.0.1:8000/users/a", DEV).port == 8000


def test_an_allowlisted_network_is_the_only_exception() -> None:
    """allowed_networks opens exactly the listed range (Mastodon's ALLOWED_PRIVATE_ADDRESSES)."""
    policy = GuardPolicy(allowed_networks=("127.0.0.1/32",))

    assert check_url("https://127.0.0.1/", policy).host == "127.0.0.1"
    with pytest.raises(Refused, match="loopback"):
        check_url("https://127.0.0.2/", policy)


async def test_a_name_is_refused_if_any_of_its_addresses_is_special() -> None:
    """One private address among public ones is enough to refuse (no picking the good one)."""

    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.0.0.8"]

    with pytest.raises(Refused, match=r"mixed.test \(10.0.0.8\): it is a private address"):
        await resolve_checked("mixed.test", 443, STRICT, resolve=resolve)
    assert await resolve_checked("mixed.test", 443, DEV, resolve=resolve) == [
        "93.184.215.14",
        "10.0.0.8",
    ]


async def test_a_name_that_does_not_resolve_is_unreachable() -> None:
    """A DNS failure is reported as 'could not reach', not as a crash."""

    async def resolve(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(Unreachable, match="does not resolve"):
        await resolve_checked("nowhere.test", 443, STRICT, resolve=resolve)


@pytest.fixture
async def echo_server() -> AsyncIterator[int]:
    """A raw HTTP/1.1 server on 127.0.0.1 that answers with the Host header it received."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        host = next(
            line.split(b":", 1)[1].strip()
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"host:")
        )
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(host), host)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_connections_go_to_the_checked_address(echo_server: int) -> None:
    """The name is resolved once and the socket opened to that address; Host stays the name."""
    lookups: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    transport = GuardedTransport(policy=DEV, ssl_context=build_ssl_context(), resolve=resolve)
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(f"http://pinned.test:{echo_server}/x")

    assert response.text == f"pinned.test:{echo_server}"
    assert lookups == ["pinned.test"]


async def test_every_request_of_the_client_is_guarded(echo_server: int) -> None:
    """Any request through the shared client (a delivery POST too) is refused at connect time."""

    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    policy = GuardPolicy(allow_http=True)
    transport = GuardedTransport(policy=policy, ssl_context=build_ssl_context(), resolve=resolve)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(Refused, match=r"inbox.test \(127.0.0.1\): it is a loopback"):
            await client.post(f"http://inbox.test:{echo_server}/inbox", content=b"{}")


def test_an_extra_ca_bundle_is_trusted_alongside_the_defaults() -> None:
    """`[federation] ca_bundle` adds to the trusted CAs; it does not replace them."""
    default = build_ssl_context().cert_store_stats()["x509_ca"]

    assert default > 0
    assert build_ssl_context(certifi.where()).cert_store_stats()["x509_ca"] >= default
