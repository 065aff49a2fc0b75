"""Downloading remote media files: the SSRF-guarded shared client, a byte cap and a time cap.

Media is fetched with a GET signed by the instance actor, as object fetches are (`fedi.remote`):
a server in authorized-fetch mode may refuse unsigned GETs of its files too, and a CDN simply
ignores the extra headers. Each redirect is signed afresh for its own URL. The body is streamed and
abandoned past the cap (`netguard.guarded_get`), every redirect is re-checked, and the whole
download must finish within the time cap, so a huge or slow remote file cannot fill memory, disk
or a worker.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from fedi.context import Services
from fedi.errors import FetchFailed, RemoteError
from fedi.netguard import FetchLimits, GuardPolicy, Unreachable, guarded_get
from fedi.remote import resolver_of

MEDIA_ACCEPT = "image/*, video/*, audio/*;q=0.9, */*;q=0.1"


class TooSlow(FetchFailed):
    """The file did not arrive completely within the time cap (retrying would tie up a worker)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Downloaded:
    """A remote file as received: the final URL, the content type it claimed, the bytes."""

    url: str
    claimed_type: str
    data: bytes


def is_transient(error: RemoteError) -> bool:
    """Whether trying again later may help (the host could not be reached at all)."""
    return isinstance(error, Unreachable) and not isinstance(error, TooSlow)


async def download(svc: Services, url: str, *, max_bytes: int, seconds: float) -> Downloaded:
    """GET a remote media file, signed by the instance actor (at most `max_bytes`, within
    `seconds`, redirects checked).

    Raises RemoteError subclasses: Refused (our rules), BadDocument (too large), TooSlow,
    Unreachable, FetchFailed / RemoteGone (the server's answer). Network only; no storage.
    """
    http: httpx.AsyncClient = svc.extras["http"]
    resolver = resolver_of(svc)
    limits = FetchLimits(
        connect=min(5.0, seconds),
        read=seconds,
        total=seconds + 5.0,
        max_bytes=max_bytes,
        max_redirects=5,
    )
    try:
        async with asyncio.timeout(seconds):
            fetched = await guarded_get(
                http,
                url,
                policy=GuardPolicy.from_config(svc.config.federation),
                limits=limits,
                # Interop: GoToSocial signs every outgoing GET, media included; servers that
                # require signatures (GoToSocial, Mastodon in secure mode) may refuse unsigned ones.
                headers_for=lambda target: resolver.signed_get_headers(target, MEDIA_ACCEPT),
            )
    except TimeoutError:
        raise TooSlow(
            f"The file at {url[:200]} did not arrive within {seconds:g} seconds."
        ) from None
    return Downloaded(url=fetched.url, claimed_type=fetched.content_type, data=fetched.body)
