"""Search v2 for the client API: accounts, hashtags and statuses for a query.

- Accounts: `api_reads.accounts.search_accounts` (shared with `/api/v1/accounts/search`: names,
  handles, WebFinger with `resolve`); a URL names an account or a status, fetched when resolving
  with a logged-in viewer (`accounts.remote_profiles`, shared with the `/search` page).
- Hashtags: hashtags used here, by prefix (so an exact name comes first).
- Statuses: a status named by its URL (fetched when resolving), and the viewer's own posts
  containing the text. TODO(#6): full-text search of every visible post once the index exists.
Blocked and muted accounts, and their posts, are left out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from fedi.accounts import remote_profiles
from fedi.api_reads.accounts import search_accounts
from fedi.context import Services
from fedi.filters import FilterMatch, apply_filters
from fedi.lists import without_hidden_authors
from fedi.moderation.relations import hidden_account_ids
from fedi.storage import accounts as account_store
from fedi.storage import post_search
from fedi.storage import posts as post_store
from fedi.storage.db import Conn
from fedi.storage.rows import Account, Post
from fedi.tags import TagInfo, search_tags
from fedi.visibility import filter_visible

TYPES = ("accounts", "hashtags", "statuses")
MAX_QUERY = 512


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchQuery:
    """What the client asked for."""

    q: str
    type: str | None = None
    resolve: bool = False
    following: bool = False
    account_id: int | None = None
    max_id: int | None = None
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchResults:
    """Accounts, statuses (with their filter matches) and hashtags found."""

    accounts: list[Account] = field(default_factory=list)
    statuses: list[Post] = field(default_factory=list)
    hashtags: list[TagInfo] = field(default_factory=list)
    filtered: dict[int, list[FilterMatch]] = field(default_factory=dict)


def _is_url(text: str) -> bool:
    return text.lower().startswith(("https://", "http://"))


def _wants(query: SearchQuery, kind: str) -> bool:
    return query.type is None or query.type == kind


async def _by_url(
    svc: Services, viewer: Account | None, query: SearchQuery
) -> Account | Post | None:
    """What a URL names: known here, else looked up (remote only when resolving, logged in)."""
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, query.q)
        account = None if post else await account_store.get_account_by_uri(conn, query.q)
    if post is not None or account is not None:
        return post or account
    found = await remote_profiles.search(svc, viewer if query.resolve else None, query.q)
    if found.card is not None:
        return found.card.account
    if found.post is not None:
        return found.post.reblog or found.post.post
    return None


async def search(svc: Services, viewer: Account | None, query: SearchQuery) -> SearchResults:
    """Search accounts, hashtags and statuses for `query` as this viewer may see them."""
    text = query.q.strip()[:MAX_QUERY]
    if not text:
        return SearchResults()
    query = dataclasses.replace(query, q=text)
    viewer_id = viewer.id if viewer is not None else None
    named: Account | Post | None = None
    if _is_url(text) and query.offset == 0:
        named = await _by_url(svc, viewer, query)
    accounts: list[Account] = [named] if isinstance(named, Account) else []
    if _wants(query, "accounts") and not _is_url(text):
        found = await search_accounts(
            svc,
            viewer_id,
            text,
            resolve=query.resolve,
            limit=query.limit,
            offset=query.offset,
            following=query.following,
        )
        accounts += [info.account for info in found]
    async with svc.db.read() as conn:
        hidden = await hidden_account_ids(conn, viewer_id)
        if not _wants(query, "accounts"):
            accounts = []
        accounts = _unique([a for a in accounts if a.id not in hidden])[: query.limit]
        statuses, filtered = await _statuses(conn, viewer, query, named)
        hashtags = await _hashtags(conn, viewer_id, query)
    return SearchResults(accounts=accounts, statuses=statuses, hashtags=hashtags, filtered=filtered)


def _unique(accounts: list[Account]) -> list[Account]:
    return list({a.id: a for a in accounts}.values())


async def _statuses(
    conn: Conn, viewer: Account | None, query: SearchQuery, named: Account | Post | None
) -> tuple[list[Post], dict[int, list[FilterMatch]]]:
    if not _wants(query, "statuses"):
        return [], {}
    viewer_id = viewer.id if viewer is not None else None
    found: list[Post] = [named] if isinstance(named, Post) else []
    own = viewer is not None and query.account_id in (None, viewer_id)
    if own and viewer is not None and not _is_url(query.q):
        found += await post_search.search_own_posts(
            conn, viewer.id, query.q, max_id=query.max_id, limit=query.limit, offset=query.offset
        )
    found = list({p.id: p for p in found}.values())
    if query.account_id is not None:
        found = [p for p in found if p.account_id == query.account_id]
    visible = await filter_visible(conn, viewer_id, found)
    if viewer_id is not None:
        visible = await without_hidden_authors(conn, viewer_id, visible)
    return await apply_filters(conn, viewer_id, visible[: query.limit], "public")


async def _hashtags(conn: Conn, viewer_id: int | None, query: SearchQuery) -> list[TagInfo]:
    if not _wants(query, "hashtags") or _is_url(query.q):
        return []
    return await search_tags(conn, viewer_id, query.q, limit=query.limit, offset=query.offset)
