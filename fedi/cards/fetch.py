"""Fetching linked pages and their oEmbed answers through the SSRF-guarded shared client.

A link in a post is attacker-chosen, so the page is fetched like any remote document
(`netguard.guarded_get`): http(s) only, every address and every redirect hop checked, at most
1 MB, a total time limit. Only HTML is read; anything else is refused (no card).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from fedi.context import Services
from fedi.errors import BadDocument
from fedi.netguard import FetchLimits, GuardPolicy, guarded_get

PAGE_LIMITS = FetchLimits(connect=5.0, read=10.0, total=15.0, max_bytes=1024 * 1024)
OEMBED_LIMITS = FetchLimits(connect=5.0, read=10.0, total=10.0, max_bytes=256 * 1024)
HTML_TYPES = ("text/html", "application/xhtml+xml")
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
JSON_ACCEPT = "application/json, text/json;q=0.9, */*;q=0.1"


class NotHtml(BadDocument):
    """The link answered with something other than an HTML page (an image, a PDF, JSON...)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """A fetched HTML page: its final URL after redirects, content type and bytes."""

    url: str
    content_type: str
    body: bytes


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


async def fetch_page(svc: Services, url: str) -> Page:
    """GET a linked page (network only). Raises RemoteError subclasses: Refused (our rules,
    e.g. a private address), FetchFailed/Unreachable/RemoteGone, BadDocument (over 1 MB),
    NotHtml."""
    http: httpx.AsyncClient = svc.extras["http"]
    fetched = await guarded_get(
        http,
        url,
        policy=GuardPolicy.from_config(svc.config.federation),
        limits=PAGE_LIMITS,
        headers_for=lambda _url: {"Accept": HTML_ACCEPT},
    )
    if _media_type(fetched.content_type) not in HTML_TYPES:
        kind = _media_type(fetched.content_type) or "no type"
        raise NotHtml(f"{url[:200]} is not an HTML page ({kind}).")
    return Page(url=fetched.url, content_type=fetched.content_type, body=fetched.body)


async def fetch_oembed(svc: Services, endpoint: str) -> bytes:
    """GET an oEmbed JSON answer (network only; at most 256 KB); raises RemoteError."""
    http: httpx.AsyncClient = svc.extras["http"]
    fetched = await guarded_get(
        http,
        endpoint,
        policy=GuardPolicy.from_config(svc.config.federation),
        limits=OEMBED_LIMITS,
        headers_for=lambda _url: {"Accept": JSON_ACCEPT},
    )
    return fetched.body
