"""Look up remote accounts by handle (`alice@host[:port]`) through WebFinger, like Mastodon does.

The JRD's single ActivityPub `self` link names the actor; the actor is fetched through the
Resolver (signed, same-origin, cached), and its handle is confirmed by a round trip: the
actor's `preferredUsername@host` must WebFinger back to the same actor. When
`/.well-known/webfinger` answers 404, host-meta's LRDD template says where WebFinger lives. When a
handle we hold now names another actor id on the same server, our account follows the new id.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from fedi.context import Services
from fedi.errors import BadDocument, Conflict, Invalid, NotFound, RemoteError
from fedi.netguard import Missing, Unreachable, guarded_get
from fedi.remote import JRD_ACCEPT, Resolver, actor_fields, is_activitypub, resolver_of
from fedi.storage import remote_accounts as store
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)

BAD_HANDLE = "A handle looks like name@example.social."
_USERNAME = re.compile(r"^[\w.~-]{1,255}$")
XRD_ACCEPT = "application/xrd+xml, application/xml;q=0.9"
_XRD_LINK = re.compile(r"<(?:[\w.-]+:)?Link\b([^>]*)>", re.IGNORECASE)
_XML_ATTR = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


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


def lrdd_template(xrd: str) -> str:
    """The WebFinger URL template (with `{uri}`) of a host-meta XRD document, or ''."""
    for link in _XRD_LINK.finditer(xrd):
        attrs = {
            name.lower(): html.unescape(double or single)
            for name, double, single in _XML_ATTR.findall(link.group(1))
        }
        template = attrs.get("template", "")
        if (
            attrs.get("rel", "").lower() == "lrdd"
            and "{uri}" in template
            and template.lower().startswith(("https://", "http://"))
        ):
            return template
    return ""


async def _lrdd(resolver: Resolver, host: str) -> str:
    """The LRDD template of a host's `/.well-known/host-meta`, or '' when it has none."""
    schemes = ("https", "http") if resolver.policy.allow_http else ("https",)
    for scheme in schemes:
        try:
            fetched = await guarded_get(
                resolver.http,
                f"{scheme}://{host}/.well-known/host-meta",
                policy=resolver.policy,
                limits=resolver.limits,
                headers_for=lambda _url: {"Accept": XRD_ACCEPT},
            )
        except Unreachable:
            continue
        except RemoteError as exc:
            logger.info("webfinger.host_meta_failed host=%s error=%s", host, exc.safe_message)
            return ""
        return lrdd_template(fetched.body.decode("utf-8", "replace"))
    return ""


async def webfinger_jrd(resolver: Resolver, handle: Handle) -> dict[str, Any]:
    """The JRD of a handle: from `/.well-known/webfinger`, or where host-meta says after a 404."""
    try:
        return await resolver.webfinger(handle.username, handle.host)
    except Missing:
        # Interop: Mastodon (and Friendica, Pleroma) fall back to host-meta's LRDD template when
        # WebFinger answers 404 (servers that serve it under another path announce it there).
        template = await _lrdd(resolver, handle.host)
        if not template:
            raise
    url = template.replace("{uri}", quote(f"acct:{handle}", safe=""))
    fetched = await guarded_get(
        resolver.http,
        url,
        policy=resolver.policy,
        limits=resolver.limits,
        headers_for=lambda _url: {"Accept": JRD_ACCEPT},
    )
    try:
        jrd = json.loads(fetched.body)
    except (ValueError, RecursionError):
        raise BadDocument(f"{fetched.url} did not answer with valid JSON.") from None
    if not isinstance(jrd, dict):
        raise BadDocument(f"{fetched.url} did not answer with a JSON object.")
    return jrd


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
    actor_uri = self_link(await webfinger_jrd(resolver, wanted), wanted)
    try:
        account = await resolver.get_actor(actor_uri, refresh=refresh)
    except Conflict:
        account = await _follow_new_id(svc, resolver, cached, actor_uri)
    await _confirm(resolver, account, wanted)
    return account


async def _follow_new_id(
    svc: Services, resolver: Resolver, held: Account | None, actor_uri: str
) -> Account:
    """The handle we hold now names another actor id on its server (the account changed its id):
    our account takes the new id and document, keeping its follows and posts; Conflict otherwise.
    """
    fields = actor_fields(await resolver.get_object(actor_uri), actor_uri)
    if (
        held is None
        or held.deleted_at
        or held.uri == actor_uri
        or (fields.username.lower(), fields.domain) != (held.username.lower(), held.domain)
    ):
        raise Conflict(f"The handle {fields.username}@{fields.domain} belongs to another actor.")
    async with svc.db.write() as tx:
        await store.update_remote_account_uri(tx, held.id, actor_uri)
        account = await store.upsert_remote_account(tx, fields)
    resolver.forget_key(held.public_key_id)
    logger.info("webfinger.actor_id_changed account=%s old=%s new=%s", held.id, held.uri, actor_uri)
    return account


async def _confirm(resolver: Resolver, account: Account, asked: Handle) -> None:
    """Mastodon's round trip: the actor's own handle must WebFinger back to the same actor."""
    domain = account.domain or ""
    if account.username.lower() == asked.username.lower() and domain == asked.host:
        return
    own = Handle(username=account.username, host=domain)
    confirmed = self_link(await webfinger_jrd(resolver, own), own)
    if confirmed != account.uri:
        logger.info("webfinger.unconfirmed asked=%s actor=%s got=%s", asked, account.uri, confirmed)
        raise BadDocument(f"{own} does not confirm that it is the account found for {asked}.")
