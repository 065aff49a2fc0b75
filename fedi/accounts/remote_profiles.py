"""Accounts on other servers, as people meet them: search by handle or URL, remote profile pages.

Network first, then short writes: a handle resolves through WebFinger (`lookup_handle`), a pasted
URL through the Resolver (`resolve_url`). A remote profile shows the counts its own collections
report (`totalItems` of outbox, followers, following) and the Create(Note) items of its outbox's
first page, stored as remote posts without home-feed fan-in so they render like any post. That
fetch has a budget of a few seconds (a count that does not come in time shows as unknown) and
its result is remembered for a while per process, so a popular profile is not refetched on
every view. Logged-out viewers only see what is already known here: they never make us fetch.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fedi.accounts.profiles import (
    AccountCard,
    ProfileField,
    Relationship,
    account_card,
    check_viewable,
    relationship_with,
)
from fedi.accounts.remote_pins import fetch_featured_notes, sync_featured
from fedi.activitypub.parse import parse_document
from fedi.activitypub.vocab import Activity, Collection, CollectionPage, Document, Note
from fedi.context import Services
from fedi.errors import (
    BadDocument,
    Conflict,
    FediError,
    Gone,
    Invalid,
    NotFound,
    RemoteError,
    RemoteGone,
)
from fedi.inbox.handlers import is_local, local_username, same_origin
from fedi.inbox.handlers.note_store import build_post, hashtags, is_poll_vote, mentioned_locals
from fedi.media.remote_attach import add_attachments_of_posts
from fedi.netguard import Refused, Unreachable
from fedi.outbox.pins import pinned_views
from fedi.posts_view import PostView, account_path, views_with_conn
from fedi.remote import resolver_of
from fedi.storage import accounts as account_store
from fedi.storage import posts as post_store
from fedi.storage import remote_accounts as remote_store
from fedi.storage import remote_posts as remote_post_store
from fedi.storage.rows import Account, Post
from fedi.timelines import account_posts
from fedi.webfinger.lookup import lookup_handle, parse_handle

logger = logging.getLogger(__name__)

T = TypeVar("T")

FETCH_BUDGET = 3.0
"""Seconds a profile view waits for the other server's collections, at most."""
COUNTS_TTL = 600.0
FAILED_TTL = 60.0
MAX_CACHED = 2000
MAX_OUTBOX_POSTS = 20
CACHE_KEY = "remote_profiles"
MAX_QUERY = 2048
_LOCAL_NAME = re.compile(r"[\w.-]{1,64}")
_LOCAL_POST_PATH = re.compile(r"^/@(?P<name>[\w.-]+)/(?P<id>\d{1,19})/?$")

UNREACHABLE = "That server could not be reached."
NOT_ACTIVITYPUB = "Not an ActivityPub address."
LOGIN_TO_LOOK_UP = "Log in to look up accounts and posts on other servers."
BAD_QUERY = "Type a handle such as @name@example.social, or paste a profile or post URL."


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteCounts:
    """What the account's own server reports; None where it is unknown."""

    posts: int | None = None
    followers: int | None = None
    following: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteProfileView:
    """The page `/@name@host` of an account on another server, for one viewer."""

    account: Account
    handle: str
    path: str
    fields: list[ProfileField]
    counts: RemoteCounts
    relationship: Relationship
    posts: list[PostView]
    pinned: list[PostView] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def original_url(self) -> str:
        """The profile on its own server."""
        return self.account.url or self.account.uri


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResult:
    """What `/search` found: an account (with the viewer's relationship), a post, or an error."""

    query: str
    card: AccountCard | None = None
    relationship: Relationship = field(default_factory=Relationship)
    post: PostView | None = None
    error: str = ""
    needs_login: bool = False


def card_of(svc: Services, account: Account) -> AccountCard:
    """The list entry of an account, linking to its page here (`/@name@host` for remote ones)."""
    return dataclasses.replace(account_card(svc, account), path=account_path(account))


def failure_message(error: FediError, asked: str, *, url: bool = False) -> str:
    """What a person is told when a lookup fails (never a stack trace, never the raw detail)."""
    if isinstance(error, Unreachable):
        return UNREACHABLE
    if isinstance(error, Refused):
        return f"{asked} cannot be looked up from this server."
    if isinstance(error, RemoteGone | Gone):
        return f"{asked} has been deleted."
    if isinstance(error, Invalid) or (url and isinstance(error, BadDocument)):
        return NOT_ACTIVITYPUB
    return f"Could not find {asked}."


async def relationship_of(svc: Services, viewer_id: int | None, account: Account) -> Relationship:
    """How the viewer relates to an account (a pending follow shows as requested)."""
    if viewer_id is None:
        return Relationship()
    async with svc.db.read() as conn:
        return await relationship_with(conn, viewer_id, account)


# --- finding accounts ---------------------------------------------------------------------------


async def find_account(svc: Services, username: str, host: str, *, network: bool = True) -> Account:
    """The account `username@host` (ours too): known here, or looked up by WebFinger.

    With `network=False` only accounts already known here are found. A stale account whose
    server cannot be reached is still returned. NotFound (with a message saying why) otherwise.
    """
    asked = f"@{username}@{host}"
    try:
        handle = parse_handle(f"{username}@{host}")
    except Invalid:
        raise NotFound(NOT_ACTIVITYPUB) from None
    own = handle.host == svc.config.instance.domain.lower()
    async with svc.db.read() as conn:
        known = await remote_store.get_account_by_acct(
            conn, handle.username, None if own else handle.host
        )
    if own or not network:
        if known is None:
            raise NotFound(f"Could not find {asked}.")
        return check_viewable(known, str(handle))
    try:
        found = await lookup_handle(svc, str(handle))
    except (RemoteError, NotFound, Conflict) as exc:
        # Conflict: the other server's actor claims a handle another actor holds here.
        if known is not None and not isinstance(exc, RemoteGone):
            return check_viewable(known, str(handle))
        raise NotFound(failure_message(exc, asked)) from exc
    return check_viewable(found, str(handle))


# --- remote profile pages -----------------------------------------------------------------------


def _cache(svc: Services) -> dict[str, tuple[float, RemoteCounts]]:
    cache: dict[str, tuple[float, RemoteCounts]] = svc.extras.setdefault(CACHE_KEY, {})
    if len(cache) > MAX_CACHED:
        now = time.monotonic()
        for key in [k for k, (until, _) in cache.items() if until <= now]:
            del cache[key]
        if len(cache) > MAX_CACHED:
            cache.clear()
    return cache


def forget_counts(svc: Services, account_uri: str) -> None:
    """Drop the remembered counts of an account, so its next view fetches them again."""
    _cache(svc).pop(account_uri, None)


async def _get(svc: Services, url: str, owner: str) -> Document:
    """A document of the account's own server, parsed (same origin as the actor only)."""
    if not url or not same_origin(url, owner):
        raise BadDocument(f"{url[:200]!r} is not on the server of {owner[:200]}.")
    return parse_document(await resolver_of(svc).get_object(url))


async def _total(svc: Services, url: str, owner: str) -> int | None:
    found = await _get(svc, url, owner)
    return found.total_items if isinstance(found, Collection | CollectionPage) else None


async def _outbox(svc: Services, account: Account) -> tuple[int | None, list[Note]]:
    """The outbox's `totalItems` and the Notes its first page creates (by this actor only)."""
    outbox = await _get(svc, account.outbox_uri, account.uri)
    if not isinstance(outbox, Collection):
        return None, []
    page: Collection | CollectionPage = outbox
    if isinstance(outbox.first, CollectionPage):
        page = outbox.first
    elif outbox.first:
        fetched = await _get(svc, outbox.first, account.uri)
        if isinstance(fetched, CollectionPage):
            page = fetched
    return outbox.total_items, own_notes(page.items, account)[:MAX_OUTBOX_POSTS]


def own_notes(items: tuple[str | Document, ...], account: Account) -> list[Note]:
    """The Notes of Create items by `account`, embedded and from its own server (trusted so)."""
    notes = []
    for item in items:
        if not isinstance(item, Activity) or item.type != "Create" or item.actor != account.uri:
            continue
        note = item.object
        if (
            isinstance(note, Note)
            and note.attributed_to == account.uri
            and same_origin(note.uri, account.uri)
        ):
            notes.append(note)
    return notes


async def _settled(awaitable: Awaitable[T]) -> T | None:
    try:
        return await awaitable
    except (FediError, ValueError) as exc:
        logger.info("remote_profiles.fetch_failed error=%s", exc)
        return None


async def _fetch_profile(
    svc: Services, account: Account
) -> tuple[RemoteCounts, list[Note], list[Note] | None]:
    """Counts, outbox notes and pinned notes (None: unknown), each given up on when the budget
    runs out."""
    tasks = [
        asyncio.ensure_future(_settled(_outbox(svc, account))),
        asyncio.ensure_future(_settled(_total(svc, account.followers_uri, account.uri))),
        asyncio.ensure_future(_settled(_total(svc, account.following_uri, account.uri))),
        asyncio.ensure_future(_settled(fetch_featured_notes(svc, account))),
    ]
    done, pending = await asyncio.wait(tasks, timeout=FETCH_BUDGET)
    for task in pending:
        task.cancel()
    results: list[Any] = [t.result() if t in done else None for t in tasks]
    outbox, followers, following, featured = results
    posts, notes = outbox if outbox is not None else (None, [])
    counts = RemoteCounts(posts=posts, followers=followers, following=following)
    return counts, notes, featured


async def store_notes_quietly(svc: Services, author: Account, notes: list[Note]) -> list[Post]:
    """Store remote notes of one author as posts, without home-feed rows or notifications.

    Known notes are left as they are; replies point at parents only when those are known here.
    Attachments become media rows whose files `media_fetch` jobs fetch after commit, as for notes
    from the inbox. Returns the stored (or already known) posts.
    """
    keep = [
        n
        for n in notes
        if n.attributed_to == author.uri and same_origin(n.uri, author.uri) and not is_poll_vote(n)
    ]
    if not keep:
        return []
    rows: list[tuple[Post, list[int], list[str], Note]] = []
    async with svc.db.read() as conn:
        known = await remote_post_store.get_posts_by_uris(conn, [n.uri for n in keep])
        parents = await remote_post_store.get_posts_by_uris(
            conn, [n.in_reply_to for n in keep if n.in_reply_to]
        )
        for note in keep:
            if note.uri in known or await remote_post_store.was_deleted(conn, note.uri):
                continue
            mentioned = [a.id for a in await mentioned_locals(conn, svc, note)]
            post = build_post(note, author=author, parent=parents.get(note.in_reply_to))
            rows.append((post, mentioned, hashtags(note), note))
    if rows:
        async with svc.db.write() as tx:
            created = []
            for post, mentioned, tags, note in rows:
                if await remote_post_store.insert_remote_post(
                    tx, post, mention_ids=mentioned, tags=tags
                ):
                    created.append((post.id, note.attachments))
            await add_attachments_of_posts(svc, tx, account_id=author.id, posts=created)
        async with svc.db.read() as conn:
            known = await remote_post_store.get_posts_by_uris(conn, [n.uri for n in keep])
    return [known[n.uri] for n in keep if n.uri in known]


async def _counts(svc: Services, account: Account, *, network: bool) -> RemoteCounts:
    cache = _cache(svc)
    remembered = cache.get(account.uri)
    if remembered is not None and remembered[0] > time.monotonic():
        return remembered[1]
    if not network:
        return RemoteCounts()
    counts, notes, featured = await _fetch_profile(svc, account)
    unique = list({n.uri: n for n in [*notes, *(featured or [])]}.values())
    stored = await store_notes_quietly(svc, account, unique)
    if featured is not None:
        await sync_featured(svc, account, featured, stored)
    known = counts.followers is not None or counts.posts is not None
    cache[account.uri] = (time.monotonic() + (COUNTS_TTL if known else FAILED_TTL), counts)
    return counts


async def remote_profile(
    svc: Services, viewer_id: int | None, username: str, host: str
) -> RemoteProfileView:
    """The profile of `username@host` for this viewer; NotFound (with the reason) if unknown.

    Logged-in viewers make us look the account up and fetch its counts and recent posts (within
    FETCH_BUDGET seconds); logged-out viewers see only what is known here.
    """
    network = viewer_id is not None
    account = await find_account(svc, username, host, network=network)
    if account.local:
        raise NotFound(f"@{account.username} is an account of this server.")
    counts = await _counts(svc, account, network=network)
    fields = [
        ProfileField(name=str(f.get("name", "")), value_html=str(f.get("value_html", "")))
        for f in account.fields
    ]
    return RemoteProfileView(
        account=account,
        handle=account.acct,
        path=account_path(account),
        fields=fields,
        counts=counts,
        relationship=await relationship_of(svc, viewer_id, account),
        posts=await account_posts(svc, viewer_id, account),
        pinned=await pinned_views(svc, viewer_id, account),
    )


# --- search -------------------------------------------------------------------------------------


async def _local_target(svc: Services, url: str) -> Account | Post | None:
    """What a URL of this server names: an account (profile or actor) or a post."""
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, url)
        if post is not None:
            return post
        if (match := _LOCAL_POST_PATH.match(urlsplit(url).path)) is not None:
            return await post_store.get_post(conn, int(match["id"]))
        name = local_username(svc, url)
        return None if name is None else await account_store.get_local_account(conn, name)


async def _remote_target(svc: Services, url: str) -> Account | Post | None:
    """What a URL of another server names: an actor (stored) or a note (stored quietly)."""
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, url)
    if post is not None:
        return post
    resolver = resolver_of(svc)
    found = await resolver.resolve_url(url)
    if isinstance(found, Account):
        return found
    note = parse_document(found)
    if not isinstance(note, Note) or not same_origin(note.uri, note.attributed_to):
        raise BadDocument(f"{url[:200]} is neither an account nor a post.")
    author = await resolver.get_actor(note.attributed_to)
    stored = await store_notes_quietly(svc, author, [note])
    return stored[0] if stored else None


async def _result(
    svc: Services, viewer: Account | None, query: str, target: object
) -> SearchResult:
    viewer_id = viewer.id if viewer is not None else None
    if isinstance(target, Account) and not target.suspended_at and not target.deleted_at:
        return SearchResult(
            query=query,
            card=card_of(svc, target),
            relationship=await relationship_of(svc, viewer_id, target),
        )
    if isinstance(target, Post):
        async with svc.db.read() as conn:
            views = await views_with_conn(conn, viewer_id, [target])
        if views:
            return SearchResult(query=query, post=views[0])
    return SearchResult(query=query, error=f"Could not find {query}.")


async def search(svc: Services, viewer: Account | None, query: str) -> SearchResult:
    """Find an account by handle (`@name`, `@name@host[:port]`) or an account or post by URL.

    Remote lookups (network, then a short write) need a logged-in viewer; local ones do not.
    Failures come back as a message in the result, never as an exception.
    """
    text = query.strip()[:MAX_QUERY]
    if not text:
        return SearchResult(query="")
    is_url = text.lower().startswith(("https://", "http://"))
    try:
        if is_url:
            if is_local(svc, text):
                return await _result(svc, viewer, text, await _local_target(svc, text))
            if viewer is None:
                return SearchResult(query=text, error=LOGIN_TO_LOOK_UP, needs_login=True)
            return await _result(svc, viewer, text, await _remote_target(svc, text))
        bare = text.removeprefix("@")
        if "@" not in bare:
            if not _LOCAL_NAME.fullmatch(bare):
                return SearchResult(query=text, error=BAD_QUERY)
            async with svc.db.read() as conn:
                local = await account_store.get_local_account(conn, bare)
            return await _result(svc, viewer, "@" + bare, local)
        username, _, host = bare.rpartition("@")
        own = host.lower() == svc.config.instance.domain.lower()
        if viewer is None and not own:
            return SearchResult(query=text, error=LOGIN_TO_LOOK_UP, needs_login=True)
        account = await find_account(svc, username, host)
        return await _result(svc, viewer, "@" + bare, account)
    except NotFound as exc:
        return SearchResult(query=text, error=exc.safe_message)
    except (RemoteError, Invalid, Conflict, Gone) as exc:
        return SearchResult(query=text, error=failure_message(exc, text, url=is_url))
