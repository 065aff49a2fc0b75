"""Accounts for the client API: by id, lookup, search, statuses, follow lists, familiar followers,
follow requests, and the viewer's favourites and bookmarks.

Profiles show what `fedi.accounts.profiles` shows: a suspended or deleted account is NotFound; an
account's posts are filtered by the viewer's relation (followers-only posts to followers, direct
posts to the people they mention) and checked once more by `fedi.visibility`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fedi.accounts.profiles import visible_post_kinds
from fedi.accounts.remote_profiles import find_account
from fedi.api_reads.bundles import AccountCounts
from fedi.api_reads.statuses import AccountPage, account_page
from fedi.api_reads.timelines import StatusPage, page_of, query_page
from fedi.context import Services
from fedi.errors import FediError, NotFound
from fedi.storage import follows as follow_store
from fedi.storage import paging, status_batch
from fedi.storage import posts as post_store
from fedi.storage import remote_accounts as remote_account_store
from fedi.storage import users as user_store
from fedi.storage.clock import now_db
from fedi.storage.db import Conn
from fedi.storage.paging import Cursor
from fedi.storage.rows import Account, User
from fedi.timelines import normalise_tag
from fedi.webfinger.lookup import parse_handle

NO_ACCOUNT = "Record not found"
MAX_FAMILIAR = 40


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountInfo:
    """An account with its counts."""

    account: Account
    counts: AccountCounts = field(default_factory=AccountCounts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """The viewer's own account as verify_credentials shows it."""

    account: Account
    user: User
    counts: AccountCounts
    follow_requests: int


def _shown(account: Account | None) -> Account:
    if account is None or account.suspended_at or account.deleted_at:
        raise NotFound(NO_ACCOUNT)
    return account


async def get_account(svc: Services, account_id: int) -> AccountInfo:
    """An account known here (local or remote) by id; NotFound if missing, suspended or gone."""
    async with svc.db.read() as conn:
        accounts, counts = await status_batch.load_accounts_with_counts(conn, [account_id])
    account = _shown(accounts.get(account_id))
    return AccountInfo(account=account, counts=counts.get(account_id, AccountCounts()))


async def get_accounts(svc: Services, account_ids: Sequence[int]) -> list[AccountInfo]:
    """Several accounts by id (unknown, suspended and deleted ones left out), in the order asked."""
    async with svc.db.read() as conn:
        accounts, counts = await status_batch.load_accounts_with_counts(conn, account_ids)
    return [
        AccountInfo(account=accounts[i], counts=counts.get(i, AccountCounts()))
        for i in dict.fromkeys(account_ids)
        if i in accounts and not accounts[i].suspended_at and not accounts[i].deleted_at
    ]


async def credentials(svc: Services, account_id: int) -> Credentials:
    """The viewer's account, user, counts and pending follow requests (fresh, not cached)."""
    async with svc.db.read() as conn:
        found = await user_store.get_user_account(conn, account_id)
        if found is None:
            raise NotFound(NO_ACCOUNT)
        counts = await status_batch.load_account_counts(conn, [account_id])
        requests = await follow_store.count_requests(conn, account_id)
    user, account = found
    return Credentials(
        account=account, user=user, counts=counts[account_id], follow_requests=requests
    )


async def lookup_account(svc: Services, acct: str) -> AccountInfo:
    """`name` (local) or `name@host` known here; NotFound otherwise (no network, as Mastodon)."""
    text = acct.strip().removeprefix("@")
    if not text:
        raise NotFound(NO_ACCOUNT)
    if "@" not in text:
        text = f"{text}@{svc.config.instance.domain}"
    try:
        handle = parse_handle(text)
    except FediError:
        raise NotFound(NO_ACCOUNT) from None
    own = handle.host == svc.config.instance.domain.lower()
    async with svc.db.read() as conn:
        account = await remote_account_store.get_account_by_acct(
            conn, handle.username, None if own else handle.host
        )
    return await get_account(svc, _shown(account).id)


async def search_accounts(
    svc: Services,
    viewer_id: int | None,
    query: str,
    *,
    resolve: bool = False,
    limit: int = 40,
    offset: int = 0,
    following: bool = False,
) -> list[AccountInfo]:
    """Accounts matching a name or handle; with `resolve` (and a viewer) an unknown
    `name@host` is looked up by WebFinger first (network)."""
    text = query.strip()
    if not text:
        return []
    resolved: list[int] = []
    if resolve and viewer_id is not None and offset == 0 and "@" in text.lstrip("@"):
        username, _, host = text.lstrip("@").rpartition("@")
        try:
            resolved = [(await find_account(svc, username, host, network=True)).id]
        except FediError:
            resolved = []
    async with svc.db.read() as conn:
        ids = await paging.search_accounts(
            conn,
            text,
            limit=limit,
            offset=offset,
            following_of=viewer_id if following else None,
        )
        if following and resolved and viewer_id is not None:
            resolved = sorted(await follow_store.following_among(conn, viewer_id, resolved))
        wanted = list(dict.fromkeys([*resolved, *ids]))[:limit]
        accounts, counts = await status_batch.load_accounts_with_counts(conn, wanted)
    return [
        AccountInfo(account=accounts[i], counts=counts.get(i, AccountCounts()))
        for i in wanted
        if i in accounts and not accounts[i].suspended_at and not accounts[i].deleted_at
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusFilters:
    """The filters of GET /api/v1/accounts/:id/statuses."""

    pinned: bool = False
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    only_media: bool = False
    tagged: str | None = None


async def account_statuses(
    svc: Services, viewer_id: int | None, account_id: int, cursor: Cursor, filters: StatusFilters
) -> StatusPage:
    """An account's statuses this viewer may see, newest first (boosts included by default)."""
    async with svc.db.read() as conn:
        accounts, _ = await status_batch.load_accounts_with_counts(conn, [account_id])
        account = _shown(accounts.get(account_id))
        if filters.pinned:
            query = paging.pinned_posts(account.id, cursor)
            return await query_page(conn, viewer_id, query, hide_muted=False, context="account")
        tag = None
        if filters.tagged is not None:
            tag = normalise_tag(filters.tagged)
            if tag is None:
                return await page_of(conn, viewer_id, [])
        follows = viewer_id is not None and await follow_store.is_following(
            conn, viewer_id, account.id
        )
        kinds = visible_post_kinds(is_self=viewer_id == account.id, follows=follows)
        query = paging.account_posts(
            account.id,
            cursor,
            visibilities=kinds,
            mentioned_id=viewer_id,
            include_reblogs=not filters.exclude_reblogs,
            include_replies=not filters.exclude_replies,
            only_media=filters.only_media,
            tag=tag,
        )
        return await query_page(conn, viewer_id, query, hide_muted=False, context="account")


async def follow_list(
    svc: Services,
    account_id: int,
    cursor: Cursor,
    *,
    outgoing: bool,
    viewer_id: int | None = None,
) -> AccountPage:
    """An account's followers (or, `outgoing`, the accounts it follows), newest follow first;
    empty for anyone but the account itself when it hides them (`hide_collections`)."""
    async with svc.db.read() as conn:
        accounts, _ = await status_batch.load_accounts_with_counts(conn, [account_id])
        account = _shown(accounts.get(account_id))
        if account.hide_collections and viewer_id != account.id:
            return await account_page(conn, [])
        follows = await paging.list_follows(conn, account.id, cursor, outgoing=outgoing)
        pairs = [(f.id, f.target_account_id if outgoing else f.account_id) for f in follows]
        return await account_page(conn, pairs)


async def follow_requests(svc: Services, viewer_id: int, cursor: Cursor) -> AccountPage:
    """Accounts asking to follow the viewer, newest first, paged by request id."""
    async with svc.db.read() as conn:
        follows = await paging.list_follows(
            conn, viewer_id, cursor, outgoing=False, state="pending"
        )
        return await account_page(conn, [(f.id, f.account_id) for f in follows])


async def blocked_accounts(svc: Services, viewer_id: int, cursor: Cursor) -> AccountPage:
    """The accounts the viewer blocks, newest block first, paged by block id."""
    async with svc.db.read() as conn:
        return await account_page(conn, await paging.list_blocked(conn, viewer_id, cursor))


@dataclass(frozen=True, slots=True, kw_only=True)
class MutedPage:
    """The accounts a viewer mutes, and when each mute ends (None: never)."""

    page: AccountPage
    ends: dict[int, str | None] = field(default_factory=dict)


async def muted_accounts(svc: Services, viewer_id: int, cursor: Cursor) -> MutedPage:
    """The accounts the viewer mutes (live mutes only), newest mute first, paged by mute id."""
    async with svc.db.read() as conn:
        rows = await paging.list_muted(conn, viewer_id, cursor, now=now_db())
        page = await account_page(conn, [(m, a) for m, a, _ in rows])
    return MutedPage(page=page, ends={a: end for _, a, end in rows})


async def familiar_followers(
    svc: Services, viewer_id: int, account_ids: Sequence[int]
) -> list[tuple[int, list[AccountInfo]]]:
    """Per account asked (in order): the accounts the viewer follows that follow it."""
    wanted = list(dict.fromkeys(account_ids))[:MAX_FAMILIAR]
    async with svc.db.read() as conn:
        found = await paging.list_familiar_followers(conn, viewer_id, wanted)
        every = sorted({a for ids in found.values() for a in ids})
        accounts, counts = await status_batch.load_accounts_with_counts(conn, every)
    return [
        (
            target,
            [
                AccountInfo(account=accounts[a], counts=counts.get(a, AccountCounts()))
                for a in found.get(target, [])
                if a in accounts and not accounts[a].suspended_at and not accounts[a].deleted_at
            ],
        )
        for target in wanted
    ]


async def favourites(svc: Services, viewer_id: int, cursor: Cursor) -> StatusPage:
    """The posts the viewer liked, newest like first, paged by like id."""
    async with svc.db.read() as conn:
        pairs = await paging.list_liked_posts(conn, viewer_id, cursor)
        return await _posts_by_row(conn, viewer_id, pairs)


async def bookmarks(svc: Services, viewer_id: int, cursor: Cursor) -> StatusPage:
    """The posts the viewer bookmarked, newest bookmark first, paged by bookmark id."""
    async with svc.db.read() as conn:
        pairs = await paging.list_bookmarked_posts(conn, viewer_id, cursor)
        return await _posts_by_row(conn, viewer_id, pairs)


async def _posts_by_row(conn: Conn, viewer_id: int, pairs: Sequence[tuple[int, int]]) -> StatusPage:
    found = await post_store.get_posts(conn, [p for _, p in pairs])
    posts = [found[p] for _, p in pairs if p in found]
    return await page_of(conn, viewer_id, posts, cursor_ids=[r for r, _ in pairs], hide_muted=False)
