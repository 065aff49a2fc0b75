"""Everything a page of Status entities needs, loaded in one thread hop.

`load_status_rows` runs one query per kind of related row (boosted originals, mentions, accounts
with their counts, like/boost/reply counts, attachments, the viewer's likes, boosts, bookmarks, muted threads
and pins, hashtags, the apps posts were written with, the viewer's follows for visibility) inside
a single `Conn.run`, so a page of 40 statuses costs one round trip to the database thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from fedi.storage.cards import CardWithImage
from fedi.storage.db import Conn
from fedi.storage.paging import PostQuery, marks, stamped_posts
from fedi.storage.polls import Poll
from fedi.storage.read_cache import ReadCaches
from fedi.storage.rows import Account, Media, OAuthApp, Post
from fedi.storage.status_cache import (
    AccountCounts,
    PostExtras,
    display_accounts,
    own_votes,
    post_extras,
)

T = TypeVar("T")

__all__ = ["AccountCounts", "StatusRows"]

NO_COUNTS = AccountCounts()


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRows:
    """Related rows of a batch of posts, keyed by post id or account id."""

    originals: dict[int, Post] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    counts: dict[int, AccountCounts] = field(default_factory=dict)
    mentions: dict[int, list[int]] = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)
    likes: dict[int, int] = field(default_factory=dict)
    reblogs: dict[int, int] = field(default_factory=dict)
    replies: dict[int, int] = field(default_factory=dict)
    apps: dict[int, OAuthApp] = field(default_factory=dict)
    media: dict[int, list[Media]] = field(default_factory=dict)
    """Attachments per post, in their order."""
    liked: frozenset[int] = frozenset()
    reblogged: frozenset[int] = frozenset()
    bookmarked: frozenset[int] = frozenset()
    muted_threads: frozenset[int] = frozenset()
    pinned: frozenset[int] = frozenset()
    followed: frozenset[int] = frozenset()
    """Authors among the batch the viewer follows (accepted), for followers-only posts."""
    polls: dict[int, Poll] = field(default_factory=dict)
    """Polls of the shown posts (fedi.storage.polls)."""
    poll_votes: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """The viewer's chosen options per poll."""
    cards: dict[int, CardWithImage] = field(default_factory=dict)
    """Ready preview cards of the shown posts (`fedi.cards`)."""
    extras: dict[int, PostExtras] = field(default_factory=dict)
    """Everything above that is not the viewer's, per shown post, as one object: the same
    object while nothing in it changed (`status_cache`), so renderers can key on it."""


def accounts_with_counts(
    c: sqlite3.Connection, ids: Iterable[int], *, known: Mapping[int, int] | None = None
) -> tuple[dict[int, Account], dict[int, AccountCounts]]:
    """Accounts by id with their counts, in one query (on the connection's thread; two when
    some accounts changed since they were last read; none when `known` has every stamp:
    `status_cache.display_accounts`).

    The accounts are for display: their keys and raw actor documents are not loaded.
    """
    return display_accounts(c, ids, known=known)


async def load_accounts_with_counts(
    conn: Conn, ids: Iterable[int]
) -> tuple[dict[int, Account], dict[int, AccountCounts]]:
    """Accounts by id with their counts, in one query."""
    wanted = sorted(set(ids))
    return await conn.run(lambda c: accounts_with_counts(c, wanted))


async def load_account_counts(conn: Conn, ids: Iterable[int]) -> dict[int, AccountCounts]:
    """The counts of several accounts, in one query (accounts without any get zeros)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await conn.fetchall(
        "SELECT account_id, statuses_count, followers_count, following_count, last_status_at"
        f" FROM account_stats WHERE account_id IN ({marks(wanted)})",  # noqa: S608
        wanted,
    )
    found = {
        r[0]: AccountCounts(statuses=r[1], followers=r[2], following=r[3], last_status_at=r[4])
        for r in rows
    }
    return {i: found.get(i, NO_COUNTS) for i in wanted}


def _load(
    c: sqlite3.Connection,
    viewer_id: int | None,
    posts: list[Post],
    *,
    fresh: bool = False,
    known_accounts: Mapping[int, int] | None = None,
) -> StatusRows:
    """The related rows of `posts` (`fresh`: read in this same hop, their stamps current;
    `known_accounts`: account stamps read in this same hop)."""
    given = {p.id: p for p in posts}
    wanted = sorted({p.reblog_of_id for p in posts if p.reblog_of_id is not None} - set(given))
    originals: dict[int, Post] = {}
    if wanted:
        stamps = c.execute(
            "SELECT p.id, coalesce(s.stamp, 0) FROM posts p"
            " LEFT JOIN post_stamps s ON s.post_id = p.id"
            f" WHERE p.id IN ({marks(wanted)})",  # noqa: S608 - placeholders only
            wanted,
        ).fetchall()
        originals = {p.id: p for p in stamped_posts(c, stamps)}
    every = {**given, **originals}
    shown = sorted(i for i, p in every.items() if p.reblog_of_id is None)
    extras = post_extras(c, [every[i] for i in shown], fresh=fresh)
    mentions = {i: list(e.mentions) for i, e in extras.items() if e.mentions}
    account_ids = {p.account_id for p in every.values()}
    for found in mentions.values():
        account_ids.update(found)
    accounts, counts = accounts_with_counts(c, account_ids, known=known_accounts)
    polls = {i: e.poll for i, e in extras.items() if e.poll is not None}
    viewer = _viewer_sets(c, viewer_id, every, shown) if viewer_id is not None else {}
    return StatusRows(
        originals=originals,
        accounts=accounts,
        counts=counts,
        mentions=mentions,
        tags={i: list(e.tags) for i, e in extras.items() if e.tags},
        likes={i: e.likes for i, e in extras.items() if e.likes},
        reblogs={i: e.reblogs for i, e in extras.items() if e.reblogs},
        replies={i: e.replies for i, e in extras.items() if e.replies},
        apps={i: e.app for i, e in extras.items() if e.app is not None},
        media={i: list(e.media) for i, e in extras.items() if e.media},
        polls=polls,
        poll_votes=own_votes(c, viewer_id, list(polls)) if viewer_id is not None else {},
        cards={i: e.card for i, e in extras.items() if e.card is not None},
        extras=extras,
        **viewer,
    )


# The viewer's own rows among a page, by StatusRows field: (SQL for one arm, which ids it takes).
_VIEWER_ARMS = (
    ("liked", "SELECT {n}, post_id FROM likes WHERE account_id = ? AND post_id IN ({marks})"),
    (
        "reblogged",
        "SELECT {n}, reblog_of_id FROM posts WHERE account_id = ? AND reblog_of_id IN ({marks})"
        " AND deleted_at IS NULL",
    ),
    (
        "bookmarked",
        "SELECT {n}, post_id FROM bookmarks WHERE account_id = ? AND post_id IN ({marks})",
    ),
    (
        "muted_threads",
        "SELECT {n}, thread_id FROM status_mutes WHERE account_id = ? AND thread_id IN ({marks})",
    ),
    (
        "pinned",
        "SELECT {n}, post_id FROM featured_posts WHERE account_id = ? AND post_id IN ({marks})",
    ),
    (
        "followed",
        "SELECT {n}, target_account_id FROM follows WHERE account_id = ? AND state = 'accepted'"
        " AND target_account_id IN ({marks})",
    ),
)


def _viewer_sets(
    c: sqlite3.Connection, viewer_id: int, every: dict[int, Post], shown: list[int]
) -> dict[str, frozenset[int]]:
    """What the viewer liked, boosted, bookmarked, muted, pinned and follows among a page (the
    followed authors of followers-only posts, for visibility), in one statement; a reader keeps
    it for the page while the viewer's stamp (`viewer_stamps`, migration 0018) is unchanged."""
    ids = {
        "liked": shown,
        "reblogged": shown,
        "bookmarked": shown,
        "muted_threads": sorted({every[i].thread_root_id or i for i in shown}),
        "pinned": [i for i in shown if every[i].account_id == viewer_id],
        "followed": sorted(
            {p.account_id for p in every.values() if p.visibility == "private"} - {viewer_id}
        ),
    }
    caches: ReadCaches | None = getattr(c, "caches", None)
    if caches is None:
        return _viewer_marks(c, viewer_id, ids)
    # Kept per viewer and page while the viewer's marks and follows are unchanged.
    row = c.execute("SELECT stamp FROM viewer_stamps WHERE account_id = ?", (viewer_id,)).fetchone()
    stamp = row[0] if row is not None else 0
    key = (viewer_id, *(tuple(ids[name]) for name, _ in _VIEWER_ARMS))
    found = caches.viewer_marks.get(key, stamp)
    if found is None:
        found = _viewer_marks(c, viewer_id, ids)
        caches.viewer_marks.put(key, stamp, found)
    return found  # type: ignore[no-any-return]


def _viewer_marks(
    c: sqlite3.Connection, viewer_id: int, ids: dict[str, list[int]]
) -> dict[str, frozenset[int]]:
    arms, params = [], []
    for n, (name, sql) in enumerate(_VIEWER_ARMS):
        if ids[name]:
            arms.append(sql.format(n=n, marks=marks(ids[name])))
            params += [viewer_id, *ids[name]]
    found: list[set[int]] = [set() for _ in _VIEWER_ARMS]
    if arms:
        for n, value in c.execute(" UNION ALL ".join(arms), params):
            found[n].add(value)
    return {name: frozenset(found[n]) for n, (name, _) in enumerate(_VIEWER_ARMS)}


async def load_status_rows(conn: Conn, viewer_id: int | None, posts: list[Post]) -> StatusRows:
    """The related rows of a batch of posts for one viewer (None: logged out), in one hop."""
    if not posts:
        return StatusRows()
    batch = list(posts)
    return await conn.run(lambda c: _load(c, viewer_id, batch))


async def load_page(
    conn: Conn, viewer_id: int | None, query: PostQuery
) -> tuple[list[Post], StatusRows]:
    """Run a page query and load its related rows, together in one hop."""

    def work(c: sqlite3.Connection) -> tuple[list[Post], StatusRows]:
        posts = query(c)
        return posts, (_load(c, viewer_id, posts, fresh=True) if posts else StatusRows())

    return await conn.run(work)


def page_rows(
    c: sqlite3.Connection,
    viewer_id: int | None,
    posts: list[Post],
    *,
    known_accounts: Mapping[int, int] | None = None,
) -> StatusRows:
    """The related rows of a page of posts read in this same hop (on the connection's thread;
    `known_accounts`: account stamps read in this hop too, `paging.HomeQuery.author_stamps`)."""
    if not posts:
        return StatusRows()
    return _load(c, viewer_id, posts, fresh=True, known_accounts=known_accounts)


async def load_page_with(
    conn: Conn, viewer_id: int | None, query: PostQuery, also: Callable[[sqlite3.Connection], T]
) -> tuple[list[Post], StatusRows, T]:
    """`load_page`, and `also` (another read on the connection's thread: the viewer's blocks
    and filters, say) in the same hop."""

    def work(c: sqlite3.Connection) -> tuple[list[Post], StatusRows, T]:
        posts = query(c)
        # A query that read its authors' stamps (`paging.HomeQuery`) saves the account check.
        known = getattr(query, "author_stamps", None)
        return posts, page_rows(c, viewer_id, posts, known_accounts=known), also(c)

    return await conn.run(work)
