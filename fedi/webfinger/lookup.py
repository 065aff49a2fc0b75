"""Look up remote accounts by handle (`alice@host[:port]`) through WebFinger, like Mastodon does.

The JRD's single ActivityPub `self` link names the actor; the actor is fetched through the
Resolver (signed, same-origin, cached), and its handle is confirmed by a round trip: the
actor's `preferredUsername@host` must WebFinger back to the same actor.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fedi.context import Services
from fedi.errors import BadDocument, Invalid, NotFound
from fedi.remote import Resolver, is_activitypub, resolver_of
from fedi.storage import remote_accounts as store
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)

BAD_HANDLE = "A handle looks like name@example.social."
_USERNAME = re.compile(r"^[\w.~-]{1,255}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Handle:
    """A parsed handle: the username and the normalised host (lowercase, IDNA, with port)."""

    username: str
    host: str

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"


def parse_handle(text: str) -> Handle:
    """`alice@host`, `@alice@host:8000` or `acct:alice@host`; Invalid (field `handle`) otherwise."""
    raw = text.strip()
    if raw.lower().startswith("acct:"):
        raw = raw[5:]
    username, sep, host = raw.removeprefix("@").rpartition("@")
    if not sep or not _USERNAME.match(username) or not host or len(host) > 255:
        raise Invalid.field("handle", BAD_HANDLE)
    try:
        parts = urlsplit(f"//{host}")
        hostname = (parts.hostname or "").rstrip(".")
        port = parts.port
        ascii_host = hostname.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise Invalid.field("handle", BAD_HANDLE) from None
    if not ascii_host or parts.path or parts.query or parts.fragment or parts.username:
        raise Invalid.field("handle", BAD_HANDLE)
    return Handle(username=username, host=f"{ascii_host}:{port}" if port else ascii_host)


def self_link(jrd: dict[str, Any], handle: Handle) -> str:
    """The actor IRI of a JRD: the first `rel=self` link with an ActivityPub type."""
    links = jrd.get("links")
    # Interop: Mastodon 4.2.11 fixed JRDs with several `self` links; take the first AS2 one.
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        href, kind = link.get("href"), link.get("type")
        if isinstance(href, str) and isinstance(kind, str) and is_activitypub(kind):
            return href
    raise BadDocument(f"{handle.host} knows no ActivityPub actor for {handle}.")


async def lookup_handle(svc: Services, handle: str, *, refresh: bool = False) -> Account:
    """The account for a handle: local, cached, or found by WebFinger (network; writes the cache).

    Raises Invalid for a malformed handle, NotFound for an unknown local name, and the Resolver's
    FetchFailed / RemoteGone / BadDocument for remote trouble.
    """
    wanted = parse_handle(handle)
    async with svc.db.read() as conn:
        if wanted.host == svc.config.instance.domain.lower():
            local = await store.get_account_by_acct(conn, wanted.username, None)
            if local is None or local.deleted_at or local.suspended_at:
                raise NotFound("There is no account with that name here.")
            return local
        cached = await store.get_account_by_acct(conn, wanted.username, wanted.host)
    resolver = resolver_of(svc)
    if cached is not None and not cached.deleted_at and resolver.is_fresh(cached, refresh=refresh):
        return cached
    actor_uri = self_link(await resolver.webfinger(wanted.username, wanted.host), wanted)
    account = await resolver.get_actor(actor_uri, refresh=refresh)
    await _confirm(resolver, account, wanted)
    return account


async def _confirm(resolver: Resolver, account: Account, asked: Handle) -> None:
    """Mastodon's round trip: the actor's own handle must WebFinger back to the same actor."""
    domain = account.domain or ""
    if account.username.lower() == asked.username.lower() and domain == asked.host:
        return
    own = Handle(username=account.username, host=domain)
    confirmed = self_link(await resolver.webfinger(own.username, own.host), own)
    if confirmed != account.uri:
        logger.info("webfinger.unconfirmed asked=%s actor=%s got=%s", asked, account.uri, confirmed)
        raise BadDocument(f"{own} does not confirm that it is the account found for {asked}.")
