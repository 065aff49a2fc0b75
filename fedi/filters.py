"""Keyword and status filters: their management (Mastodon v2, and v1 as keyword rows) and the
matching every status read can apply (`filter_results`, `apply_filters`).

A filter applies in some contexts (home — lists too —, notifications, public, thread, account),
until it expires; `warn` (and `blur`) matches are reported in a status's `filtered` field, `hide`
matches are left out of the read. Keywords match the post's plain text and content warning,
case-insensitively; a whole-word keyword only at word boundaries (Mastodon's rule: a boundary is
required only on a side where the keyword starts or ends with a word character).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.events import FiltersChanged, publish_after_commit
from fedi.storage import filters as filter_store
from fedi.storage import posts as post_store
from fedi.storage.clock import db_in, now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.filters import FilterBundle, FilterKeyword, FilterRow, FilterStatus
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Post
from fedi.text import plain_text
from fedi.visibility import check_visible

__all__ = [
    "ACTIONS",
    "CONTEXTS",
    "FilterBundle",
    "FilterDraft",
    "FilterKeyword",
    "FilterMatch",
    "FilterRow",
    "FilterStatus",
    "KeywordChange",
    "apply_filters",
    "filter_results",
    "hidden_by_filters",
]

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")
MAX_TITLE = 256
MAX_KEYWORD = 512
MAX_FILTERS = 100
NOT_FOUND = "Record not found"


@dataclass(frozen=True, slots=True, kw_only=True)
class KeywordChange:
    """A keyword to add (no id), change (id and new values) or remove (id and `destroy`)."""

    id: int | None = None
    keyword: str | None = None
    whole_word: bool | None = None
    destroy: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterDraft:
    """What a create or update sends; None means "not given" (update keeps the old value)."""

    title: str | None = None
    context: list[str] | None = None
    filter_action: str | None = None
    expires_in: int | None = None
    """Seconds from now; used when `set_expiry` (None with `set_expiry`: never expires)."""
    set_expiry: bool = False
    keywords: list[KeywordChange] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterMatch:
    """Mastodon's FilterResult: which filter matched a status, by which keywords or statuses."""

    filter: FilterBundle
    keyword_matches: list[str] | None = None
    status_matches: list[int] | None = None


# --- management -------------------------------------------------------------------------------


async def list_filters(svc: Services, owner: Account) -> list[FilterBundle]:
    """The owner's filters (expired ones too), oldest first."""
    async with svc.db.read() as conn:
        return await filter_store.list_filters(conn, owner.id)


async def get_filter(svc: Services, owner: Account, filter_id: int) -> FilterBundle:
    """One of the owner's filters; NotFound for anyone else's."""
    async with svc.db.read() as conn:
        found = await filter_store.get_filter(conn, owner.id, filter_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def _title(value: str | None) -> str:
    title = (value or "").strip()
    if not title:
        raise Invalid.field("title", "can't be blank")
    if len(title) > MAX_TITLE:
        raise Invalid.field("title", f"is too long (maximum is {MAX_TITLE} characters)")
    return title


def _context(value: list[str] | None) -> list[str]:
    wanted = list(dict.fromkeys(c.strip() for c in value or [] if c.strip()))
    if not wanted:
        raise Invalid.field("context", "can't be blank")
    unknown = [c for c in wanted if c not in CONTEXTS]
    if unknown:
        raise Invalid.field("context", f"{unknown[0]} is not one of " + ", ".join(CONTEXTS))
    return wanted


def _action(value: str | None) -> str:
    action = (value or "warn").strip()
    if action not in ACTIONS:
        raise Invalid.field("filter_action", "must be one of " + ", ".join(ACTIONS))
    return action


def _keyword(value: str | None) -> str:
    keyword = (value or "").strip()
    if not keyword:
        raise Invalid.field("keyword", "can't be blank")
    if len(keyword) > MAX_KEYWORD:
        raise Invalid.field("keyword", f"is too long (maximum is {MAX_KEYWORD} characters)")
    return keyword


def _expiry(expires_in: int | None) -> str | None:
    if expires_in is None:
        return None
    if expires_in <= 0:
        raise Invalid.field("expires_in", "must be greater than 0")
    return db_in(timedelta(seconds=min(expires_in, 10 * 365 * 86400)))


async def create_filter(svc: Services, owner: Account, draft: FilterDraft) -> FilterBundle:
    """Create a filter with its keywords; Invalid names the bad field. Streams filters_changed."""
    title = _title(draft.title)
    context = _context(draft.context)
    action = _action(draft.filter_action)
    expires_at = _expiry(draft.expires_in)
    keywords = [
        (_keyword(k.keyword), True if k.whole_word is None else k.whole_word)
        for k in draft.keywords
        if not k.destroy and k.id is None
    ]
    filter_id = new_id()
    async with svc.db.write() as tx:
        if len(await filter_store.list_filters(tx, owner.id)) >= MAX_FILTERS:
            raise Invalid(f"You can have at most {MAX_FILTERS} filters.")
        await filter_store.insert_filter(
            tx,
            id=filter_id,
            account_id=owner.id,
            title=title,
            context=context,
            filter_action=action,
            expires_at=expires_at,
            keywords=keywords,
        )
        created = await filter_store.get_filter(tx, owner.id, filter_id)
        publish_after_commit(svc, tx, FiltersChanged(account_id=owner.id))
    assert created is not None
    return created


async def update_filter(
    svc: Services, owner: Account, filter_id: int, draft: FilterDraft
) -> FilterBundle:
    """Change a filter: the fields given, and keywords added, changed or removed."""
    async with svc.db.write() as tx:
        current = await filter_store.get_filter(tx, owner.id, filter_id)
        if current is None:
            raise NotFound(NOT_FOUND)
        row = current.filter
        own_keywords = {k.id for k in current.keywords}
        if any(c.id is not None and c.id not in own_keywords for c in draft.keywords):
            raise NotFound(NOT_FOUND)
        await filter_store.update_filter(
            tx,
            filter_id,
            title=row.title if draft.title is None else _title(draft.title),
            context=row.contexts if draft.context is None else _context(draft.context),
            filter_action=(
                row.filter_action if draft.filter_action is None else _action(draft.filter_action)
            ),
            expires_at=_expiry(draft.expires_in) if draft.set_expiry else row.expires_at,
        )
        await _apply_keyword_changes(tx, filter_id, current.keywords, draft.keywords)
        updated = await filter_store.get_filter(tx, owner.id, filter_id)
        publish_after_commit(svc, tx, FiltersChanged(account_id=owner.id))
    assert updated is not None
    return updated


async def _apply_keyword_changes(
    tx: Tx, filter_id: int, existing: Sequence[FilterKeyword], changes: list[KeywordChange]
) -> None:
    by_id = {k.id: k for k in existing}
    for change in changes:
        if change.id is None:
            if not change.destroy:
                await filter_store.insert_keyword(
                    tx,
                    id=new_id(),
                    filter_id=filter_id,
                    keyword=_keyword(change.keyword),
                    whole_word=True if change.whole_word is None else change.whole_word,
                )
        elif change.destroy:
            await filter_store.delete_keywords(tx, filter_id, [change.id])
        else:
            old = by_id[change.id]
            await filter_store.update_keyword(
                tx,
                change.id,
                keyword=old.keyword if change.keyword is None else _keyword(change.keyword),
                whole_word=bool(old.whole_word) if change.whole_word is None else change.whole_word,
            )


async def delete_filter(svc: Services, owner: Account, filter_id: int) -> None:
    """Delete one of the owner's filters (NotFound for others')."""
    async with svc.db.write() as tx:
        if await filter_store.get_filter(tx, owner.id, filter_id) is None:
            raise NotFound(NOT_FOUND)
        await filter_store.delete_filter(tx, filter_id)
        publish_after_commit(svc, tx, FiltersChanged(account_id=owner.id))


# --- keywords and statuses of one filter --------------------------------------------------------


async def add_keyword(
    svc: Services, owner: Account, filter_id: int, *, keyword: str, whole_word: bool = True
) -> FilterKeyword:
    """Add a keyword to one of the owner's filters."""
    text = _keyword(keyword)
    keyword_id = new_id()
    async with svc.db.write() as tx:
        if await filter_store.get_filter(tx, owner.id, filter_id) is None:
            raise NotFound(NOT_FOUND)
        await filter_store.insert_keyword(
            tx, id=keyword_id, filter_id=filter_id, keyword=text, whole_word=whole_word
        )
        found = await filter_store.get_keyword(tx, owner.id, keyword_id)
        publish_after_commit(svc, tx, FiltersChanged(account_id=owner.id))
    assert found is not None
    return found


async def get_keyword(svc: Services, owner: Account, keyword_id: int) -> FilterKeyword:
    """A keyword of one of the owner's filters."""
    async with svc.db.read() as conn:
        found = await filter_store.get_keyword(conn, owner.id, keyword_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


async def update_keyword(
    svc: Services,
    owner: Account,
    keyword_id: int,
    *,
    keyword: str | None = None,
    whole_word: bool | None = None,
) -> FilterKeyword:
    """Change a keyword's text or whole-word flag."""
    async with svc.db.write() as tx:
        old = await filter_store.get_keyword(tx, owner.id, keyword_id)
        if old is None:
            raise NotFound(NOT_FOUND)
        await filter_store.update_keyword(
            tx,
            keyword_id,
            keyword=old.keyword if keyword is None else _keyword(keyword),
            whole_word=bool(old.whole_word) if whole_word is None else whole_word,
        )
        found = await filter_store.get_keyword(tx, owner.id, keyword_id)
        publish_after_commit(svc, tx, FiltersChanged(account_id=owner.id))
    assert found is not None
    return found


async def delete_keyword(svc: Services, owner: Account, keyword_id: int) -> None:
    """Remove a keyword from its filter."""
    async with svc.db.write() as tx:
        old = await filter_store.get_keyword(tx, owner.id, keyword_id)
        if old is None:
            raise NotFound(NOT_FOUND)
        await filter_store.delete_keywords(tx, old.filter_id, [keyword_id])
        publish_after_commit(svc, tx, FiltersChanged(account_id=owner.id))


async def add_status(svc: Services, owner: Account, filter_id: int, post_id: int) -> FilterStatus:
    """Filter one status (one the owner may see) with one of the owner's filters."""
    row_id = new_id()
    async with svc.db.write() as tx:
        bundle = await filter_store.get_filter(tx, owner.id, filter_id)
        if bundle is None:
            raise NotFound(NOT_FOUND)
        await check_visible(tx, owner.id, await post_store.get_post(tx, post_id))
        if not await filter_store.insert_filter_status(
            tx, id=row_id, filter_id=filter_id, post_id=post_id
        ):
            raise Invalid.field("status_id", "has already been taken")
        found = await filter_store.get_filter_status(tx, owner.id, row_id)
        publish_after_commit(svc, tx, FiltersChanged(account_id=owner.id))
    assert found is not None
    return found


async def get_status(svc: Services, owner: Account, row_id: int) -> FilterStatus:
    """A status entry of one of the owner's filters."""
    async with svc.db.read() as conn:
        found = await filter_store.get_filter_status(conn, owner.id, row_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


async def delete_status(svc: Services, owner: Account, row_id: int) -> None:
    """Stop filtering a status."""
    async with svc.db.write() as tx:
        if await filter_store.get_filter_status(tx, owner.id, row_id) is None:
            raise NotFound(NOT_FOUND)
        await filter_store.delete_filter_status(tx, row_id)
        publish_after_commit(svc, tx, FiltersChanged(account_id=owner.id))


# --- matching ---------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _pattern(keyword: str, whole_word: bool) -> str:
    escaped = re.escape(keyword)
    if not whole_word:
        return escaped
    start = r"\b" if re.match(r"\w", keyword[0]) else ""
    end = r"\b" if re.match(r"\w", keyword[-1]) else ""
    return start + escaped + end


def keyword_matches(keywords: Sequence[FilterKeyword], text: str) -> list[str]:
    """The keywords found in `text` (case-insensitive; whole words where asked)."""
    found = []
    for k in keywords:
        if re.search(_pattern(k.keyword, bool(k.whole_word)), text, re.IGNORECASE):
            found.append(k.keyword)
    return found


def _searchable(post: Post) -> str:
    return plain_text(post.content_html) + "\n" + post.content_warning


async def filter_results(
    conn: Conn,
    viewer_id: int | None,
    posts: Sequence[Post],
    context: str | None,
    *,
    originals: Mapping[int, Post] | None = None,
    active: Sequence[FilterBundle] | None = None,
) -> dict[int, list[FilterMatch]]:
    """Which of the viewer's active filters for `context` match each post: post id -> matches.

    `context` None: the active filters of every context (a single status, as Mastodon answers
    it: the client picks the contexts it shows). A boost row is matched on the post it boosts
    (given in `originals`, else one extra query, only for boosts), and its matches are given
    under both ids (the boost's and the original's, where a Status entity looks for them).
    Posts without a match are absent. Costs one query for the filters (none for logged-out
    viewers, none when the caller loaded them: `active`, from `storage.filters.active_filters`);
    texts are only read when a keyword filter applies.
    """
    if viewer_id is None or not posts:
        return {}
    if active is None:
        active = await filter_store.list_active_filters(conn, viewer_id, now=now_db())
    active = [b for b in active if context is None or context in b.filter.contexts]
    if not active:
        return {}
    if originals is None:
        wanted = sorted({p.reblog_of_id for p in posts if p.reblog_of_id is not None})
        originals = await post_store.get_posts(conn, wanted) if wanted else {}
    texts: dict[int, str] = {}
    results: dict[int, list[FilterMatch]] = {}
    for post in posts:
        shown = originals.get(post.reblog_of_id, post) if post.reblog_of_id else post
        for bundle in active:
            statuses = [s.post_id for s in bundle.statuses if s.post_id in (shown.id, post.id)]
            words: list[str] = []
            if bundle.keywords:
                if shown.id not in texts:
                    texts[shown.id] = _searchable(shown)
                words = keyword_matches(bundle.keywords, texts[shown.id])
            if words or statuses:
                match = FilterMatch(
                    filter=bundle, keyword_matches=words or None, status_matches=statuses or None
                )
                for key in dict.fromkeys((post.id, shown.id)):
                    found = results.setdefault(key, [])
                    if all(m.filter.filter.id != bundle.filter.id for m in found):
                        found.append(match)
    return results


def hidden_by_filters(matches: dict[int, list[FilterMatch]]) -> set[int]:
    """Post ids with a `hide` match (to leave out of the read)."""
    return {
        post_id
        for post_id, found in matches.items()
        if any(m.filter.filter.filter_action == "hide" for m in found)
    }


async def apply_filters(
    conn: Conn,
    viewer_id: int | None,
    posts: Sequence[Post],
    context: str,
    *,
    originals: Mapping[int, Post] | None = None,
) -> tuple[list[Post], dict[int, list[FilterMatch]]]:
    """The posts without `hide` matches (order kept) and the matches of those left
    (`originals`: the boosted posts, when the caller has them already)."""
    matches = await filter_results(conn, viewer_id, posts, context, originals=originals)
    if not matches:
        return list(posts), {}
    hidden = hidden_by_filters(matches)
    kept = [p for p in posts if p.id not in hidden]
    return kept, {k: v for k, v in matches.items() if k not in hidden}


@dataclass(frozen=True, slots=True, kw_only=True)
class PostPage:
    """A page of posts for a timeline, the paging ids of the rows read (newest first), and the
    filter matches of the posts kept (post id -> matches)."""

    posts: list[Post] = field(default_factory=list)
    cursor_ids: list[int] = field(default_factory=list)
    filtered: dict[int, list[FilterMatch]] = field(default_factory=dict)
