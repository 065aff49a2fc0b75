"""Everything a page of Status entities needs, loaded in one thread hop.

`load_status_rows` runs one query per kind of related row (boosted originals, mentions, accounts
with their counts, like/boost/reply counts, attachments, the viewer's likes, boosts, bookmarks, muted threads
and pins, hashtags, the apps posts were written with, the viewer's follows for visibility) inside
a single `Conn.run`, so a page of 40 statuses costs one round trip to the database thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from fedi.storage.db import Conn
from fedi.storage.paging import POST_COLUMNS, PostQuery, build_rows
from fedi.storage.polls import Poll, polls_among
from fedi.storage.rows import Account, Media, OAuthApp, Post

ACCOUNT_COLUMNS = ", ".join(
    f"a.{name}"
    for name in Account.__dataclass_fields__
    if name not in ("public_key_pem", "private_key_pem", "raw_json")
)
"""What entities show of an account: keys and the raw actor document are left in the table."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountCounts:
    """The counts an Account entity shows (kept by triggers in `account_stats`)."""

    statuses: int = 0
    followers: int = 0
    following: int = 0
    last_status_at: str | None = None


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


def _marks(values: Sequence[object]) -> str:
    return "?" + ",?" * (len(values) - 1) if values else ""


def accounts_with_counts(
    c: sqlite3.Connection, ids: Iterable[int]
) -> tuple[dict[int, Account], dict[int, AccountCounts]]:
    """Accounts by id with their counts, in one query (on the connection's thread).

    The accounts are for display: their keys and raw actor documents are not loaded.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return {}, {}
    rows = c.execute(
        f"SELECT {ACCOUNT_COLUMNS}, s.statuses_count AS s_statuses, s.followers_count AS s_followers,"
        " s.following_count AS s_following, s.last_status_at AS s_last"
        f" FROM accounts a LEFT JOIN account_stats s ON s.account_id = a.id"
        f" WHERE a.id IN ({_marks(wanted)})",  # noqa: S608 - placeholders only
        wanted,
    ).fetchall()
    accounts = {a.id: a for a in build_rows(Account, rows)}
    counts = {
        r["id"]: _counts(
            r["s_statuses"] or 0, r["s_followers"] or 0, r["s_following"] or 0, r["s_last"]
        )
        for r in rows
    }
    return accounts, counts


_COUNTS: dict[tuple[int, int, int, str | None], AccountCounts] = {}


def _counts(statuses: int, followers: int, following: int, last: str | None) -> AccountCounts:
    """AccountCounts shared by value (a frozen dataclass costs microseconds to build)."""
    key = (statuses, followers, following, last)
    found = _COUNTS.get(key)
    if found is None:
        if len(_COUNTS) > 8192:
            _COUNTS.clear()
        found = _COUNTS[key] = AccountCounts(
            statuses=statuses, followers=followers, following=following, last_status_at=last
        )
    return found


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
        f" FROM account_stats WHERE account_id IN ({_marks(wanted)})",  # noqa: S608
        wanted,
    )
    found = {
        r[0]: AccountCounts(statuses=r[1], followers=r[2], following=r[3], last_status_at=r[4])
        for r in rows
    }
    return {i: found.get(i, AccountCounts()) for i in wanted}


def _load(c: sqlite3.Connection, viewer_id: int | None, posts: list[Post]) -> StatusRows:
    given = {p.id: p for p in posts}
    wanted = sorted({p.reblog_of_id for p in posts if p.reblog_of_id is not None} - set(given))
    originals: dict[int, Post] = {}
    if wanted:
        rows = c.execute(
            f"SELECT {POST_COLUMNS} FROM posts p WHERE p.id IN ({_marks(wanted)})",  # noqa: S608
            wanted,
        ).fetchall()
        originals = {p.id: p for p in build_rows(Post, rows)}
    every = {**given, **originals}
    shown = sorted(i for i, p in every.items() if p.reblog_of_id is None)
    mentions: dict[int, list[int]] = {}
    tags: dict[int, list[str]] = {}
    if shown:
        marks = _marks(shown)
        for post_id, account_id in c.execute(
            f"SELECT post_id, account_id FROM post_mentions WHERE post_id IN ({marks})",  # noqa: S608
            shown,
        ):
            mentions.setdefault(post_id, []).append(account_id)
        for post_id, tag in c.execute(
            f"SELECT post_id, tag FROM post_tags WHERE post_id IN ({marks}) ORDER BY tag",  # noqa: S608
            shown,
        ):
            tags.setdefault(post_id, []).append(tag)
    account_ids = {p.account_id for p in every.values()}
    for found in mentions.values():
        account_ids.update(found)
    accounts, counts = accounts_with_counts(c, account_ids)
    likes, reblogs, replies = _post_counts(c, shown)
    local_ids = [i for i in shown if every[i].local]
    apps: dict[int, OAuthApp] = {}
    if local_ids:
        rows = c.execute(
            "SELECT pa.post_id AS post_id, o.* FROM post_apps pa"
            " JOIN oauth_apps o ON o.id = pa.app_id"
            f" WHERE pa.post_id IN ({_marks(local_ids)})",  # noqa: S608
            local_ids,
        ).fetchall()
        apps = dict(zip((r["post_id"] for r in rows), build_rows(OAuthApp, rows), strict=True))
    media: dict[int, list[Media]] = {}
    if shown:
        found = c.execute(
            f"SELECT * FROM media WHERE post_id IN ({_marks(shown)})"  # noqa: S608
            " ORDER BY post_id, position, id",
            shown,
        ).fetchall()
        for item in build_rows(Media, found):
            media.setdefault(item.post_id or 0, []).append(item)
    polls, poll_votes = polls_among(c, viewer_id, shown)
    viewer = _viewer_sets(c, viewer_id, every, shown) if viewer_id is not None else {}
    return StatusRows(
        originals=originals,
        accounts=accounts,
        counts=counts,
        mentions=mentions,
        tags=tags,
        likes=likes,
        reblogs=reblogs,
        replies=replies,
        apps=apps,
        media=media,
        polls=polls,
        poll_votes=poll_votes,
        **viewer,
    )


def _post_counts(
    c: sqlite3.Connection, shown: list[int]
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Likes, boosts and replies per post, in one statement."""
    found: tuple[dict[int, int], dict[int, int], dict[int, int]] = ({}, {}, {})
    if not shown:
        return found
    marks = _marks(shown)
    sql = (
        f"SELECT 0, post_id, count(*) FROM likes WHERE post_id IN ({marks}) GROUP BY post_id"
        " UNION ALL SELECT 1, reblog_of_id, count(*) FROM posts"
        f" WHERE reblog_of_id IN ({marks}) AND deleted_at IS NULL GROUP BY reblog_of_id"
        " UNION ALL SELECT 2, in_reply_to_id, count(*) FROM posts"
        f" WHERE in_reply_to_id IN ({marks}) AND deleted_at IS NULL GROUP BY in_reply_to_id"
    )
    for kind, post_id, count in c.execute(sql, shown * 3):  # noqa: S608 - placeholders only
        found[kind][post_id] = count
    return found


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
    followed authors of followers-only posts, for visibility), in one statement."""
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
    arms, params = [], []
    for n, (name, sql) in enumerate(_VIEWER_ARMS):
        if ids[name]:
            arms.append(sql.format(n=n, marks=_marks(ids[name])))
            params += [viewer_id, *ids[name]]
    found: list[set[int]] = [set() for _ in _VIEWER_ARMS]
    if arms:
        for n, value in c.execute(" UNION ALL ".join(arms), params):
            found[n].add(value)
    return {name: frozenset(found[n]) for n, (name, _) in enumerate(_VIEWER_ARMS)}


_BASE_FIELDS = (
    "originals",
    "accounts",
    "counts",
    "mentions",
    "tags",
    "likes",
    "reblogs",
    "replies",
    "apps",
    "media",
    "polls",
    "poll_votes",
)


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
        return posts, (_load(c, viewer_id, posts) if posts else StatusRows())

    return await conn.run(work)


async def load_page_with(
    conn: Conn, viewer_id: int | None, query: PostQuery, also: Callable[[sqlite3.Connection], T]
) -> tuple[list[Post], StatusRows, T]:
    """`load_page`, and `also` (another read on the connection's thread: the viewer's blocks
    and filters, say) in the same hop."""

    def work(c: sqlite3.Connection) -> tuple[list[Post], StatusRows, T]:
        posts = query(c)
        return posts, (_load(c, viewer_id, posts) if posts else StatusRows()), also(c)

    return await conn.run(work)
