"""Keyset-paged lists of the client API: timelines, an account's statuses, who liked or boosted.

Every list takes a `Cursor` (Mastodon's `max_id`, `since_id`, `min_id`, all exclusive, compared
as integers) and returns rows newest first. `max_id` pages older; `since_id` gives the newest
rows above it; `min_id` gives the rows just above it (read ascending, returned reversed). Each
is one indexed range scan with LIMIT — page 50 costs what page 1 costs (no OFFSET).
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fedi.storage.db import Conn
from fedi.storage.read_cache import ReadCaches
from fedi.storage.rows import Account, Follow, Post


@dataclass(frozen=True, slots=True, kw_only=True)
class Cursor:
    """Exclusive bounds and a page size."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20


PostQuery = Callable[[sqlite3.Connection], list[Post]]
"""A page query run on the connection's thread (so a caller can batch it with related rows)."""

POST_COLUMNS = ", ".join(
    "coalesce((SELECT s.stamp FROM post_stamps s WHERE s.post_id = p.id), 0) AS stamp"
    if name == "stamp"
    else f"p.{name}"
    for name in Post.__dataclass_fields__
    if name != "raw_json"
)
"""Every column of a post but its raw document (large for remote posts; no entity shows it),
and its stamp (`read_cache`)."""


def _bounds(column: str, cursor: Cursor) -> tuple[str, dict[str, Any], str]:
    """(WHERE fragment, params, ORDER BY direction) for a cursor over an integer column.

    Only the bounds given appear in the SQL, so the index range scan starts at the cursor.
    """
    sql = ""
    params: dict[str, Any] = {"limit": cursor.limit}
    if cursor.max_id is not None:
        sql += f" AND {column} < :max_id"
        params["max_id"] = cursor.max_id
    lower = (
        max(cursor.since_id or 0, cursor.min_id or 0)
        if (cursor.since_id is not None or cursor.min_id is not None)
        else None
    )
    if lower is not None:
        sql += f" AND {column} > :lower"
        params["lower"] = lower
    return sql, params, "ASC" if cursor.min_id is not None else "DESC"


R = TypeVar("R")
_FIELDS: dict[type, frozenset[str]] = {}


def build_rows(cls: type[R], rows: Sequence[sqlite3.Row]) -> list[R]:
    """Row dataclasses from sqlite rows, matching columns to fields once per batch.

    A faster `from_row` for pages of rows (it looks the dataclass fields up once, not per row).
    Posts and accounts come from a per-process cache keyed by their column values: building a
    frozen dataclass of twenty fields costs ~20 µs, and a timeline page builds a hundred of
    them; the same values always give an equal (immutable) row, so an entry is never stale.
    """
    if not rows:
        return []
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = frozenset(cls.__dataclass_fields__)  # type: ignore[attr-defined]
    found = [(index, key) for index, key in enumerate(rows[0].keys()) if key in names]
    keys = tuple(key for _, key in found)
    if len(keys) < 2:  # itemgetter of one index gives a value, not a tuple
        return [cls(**{key: row[index] for index, key in found}) for row in rows]
    values = operator.itemgetter(*(index for index, _ in found))
    cache = _ROW_CACHES.get(cls)
    if cache is None:
        return [cls(**dict(zip(keys, values(row), strict=True))) for row in rows]
    built = []
    for row in rows:
        key = (keys, values(row))
        item = cache.get(key)
        if item is None:
            item = cache[key] = cls(**dict(zip(keys, key[1], strict=True)))
            if len(cache) > ROW_CACHE_SIZE:
                try:  # the oldest entry (dicts keep insertion order); readers share the cache
                    del cache[next(iter(cache))]
                except (KeyError, RuntimeError, StopIteration):
                    pass
        built.append(item)
    return built


ROW_CACHE_SIZE = 8192
_ROW_CACHES: dict[type, dict[tuple[tuple[str, ...], tuple[Any, ...]], Any]] = {
    Post: {},
    Account: {},
}


def _posts(rows: Sequence[Any]) -> list[Post]:
    return sorted(build_rows(Post, rows), key=lambda p: p.id, reverse=True)


def stamped_posts(c: sqlite3.Connection, rows: Sequence[Any]) -> list[Post]:
    """The posts of (id, stamp) rows, newest first: rows a reader kept at that stamp
    (`read_cache`; a post's stamp moves on every change, migration 0018), the others read
    in one query. Posts gone since the rows were read are left out."""
    caches: ReadCaches | None = getattr(c, "caches", None)
    found: dict[int, Post]
    if caches is None:
        found, missing = {}, [row[0] for row in rows]
    else:
        found, missing = caches.posts.get_many(rows)  # type: ignore[assignment]
    if missing:
        loaded = c.execute(
            f"SELECT {POST_COLUMNS} FROM posts p WHERE p.id IN ({marks(missing)})",  # noqa: S608
            missing,
        ).fetchall()
        for post in build_rows(Post, loaded):
            found[post.id] = post
            if caches is not None:
                caches.posts.put(post.id, post.stamp, post)
    return sorted(found.values(), key=_post_id, reverse=True)


def _post_id(post: Post) -> int:
    return post.id


def marks(values: Sequence[object]) -> str:
    """`?,?,?`: one SQL placeholder per value, for `IN (...)` lists."""
    return "?" + ",?" * (len(values) - 1) if values else ""


def _pairs(rows: Sequence[Any]) -> list[tuple[int, int]]:
    return sorted(((r[0], r[1]) for r in rows), reverse=True)


class HomeQuery:
    """A home feed page: the materialised feed's range scan with each post's stamp and its
    author's (or booster's) account stamp, then the posts a reader kept at those stamps, the
    others in one more query (`stamped_posts`).

    After `scan`, `rows` holds what the scan read: (post id, post stamp, author id, author
    stamp, viewer stamp) per row, the viewer's own stamp (`viewer_stamps`: their marks and
    follows) read once for the statement. A page built from the same rows shows the same
    posts and authors (`fedi.api_reads.kept_pages`); `author_stamps` serves the page's account
    check (`status_cache.display_accounts`).

    Rows written (or boosted) by members of the account's exclusive lists are left out; the
    member set is a subquery SQLite evaluates once (an index lookup that finds nothing for an
    account without exclusive lists), so the range scan is unchanged.
    """

    def __init__(self, account_id: int, cursor: Cursor) -> None:
        where, params, order = _bounds("f.post_id", cursor)
        self.sql = (
            "SELECT f.post_id, coalesce(s.stamp, 0), f.author_id, coalesce(st.stamp, 0),"
            " coalesce((SELECT v.stamp FROM viewer_stamps v WHERE v.account_id = :a), 0)"
            " FROM home_feed f LEFT JOIN post_stamps s ON s.post_id = f.post_id"
            " LEFT JOIN account_stats st ON st.account_id = f.author_id"
            f" WHERE f.account_id = :a{where}"  # noqa: S608 - fixed fragments only
            " AND f.author_id NOT IN (SELECT m.account_id FROM lists l"
            " JOIN list_accounts m ON m.list_id = l.id WHERE l.account_id = :a"
            " AND l.exclusive = 1)"
            f" ORDER BY f.post_id {order} LIMIT :limit"
        )
        self.values = {**params, "a": account_id}
        self.rows: list[tuple[int, int, int, int, int]] = []
        self.author_stamps: dict[int, int] = {}

    def scan(self, c: sqlite3.Connection) -> None:
        """Run the feed scan (`rows`, `author_stamps`)."""
        self.rows = c.execute(self.sql, self.values).fetchall()
        self.author_stamps = {row[2]: row[3] for row in self.rows}

    def posts(self, c: sqlite3.Connection) -> list[Post]:
        """The scanned page's posts, newest first."""
        return stamped_posts(c, [(row[0], row[1]) for row in self.rows])

    def __call__(self, c: sqlite3.Connection) -> list[Post]:
        self.scan(c)
        return self.posts(c)


def current_stamps(
    c: sqlite3.Connection, post_ids: Sequence[int], account_ids: Sequence[int]
) -> tuple[int, ...]:
    """The stamps of these posts then these accounts, in the order given (0: no stamp row),
    in one query."""
    if not post_ids and not account_ids:
        return ()
    found: dict[tuple[int, int], int] = {}
    arms, params = [], []
    if post_ids:
        arms.append(
            f"SELECT 0, post_id, stamp FROM post_stamps WHERE post_id IN ({marks(post_ids)})"
        )
        params += post_ids
    if account_ids:
        arms.append(
            "SELECT 1, account_id, stamp FROM account_stats"
            f" WHERE account_id IN ({marks(account_ids)})"
        )
        params += account_ids
    for kind, key, stamp in c.execute(" UNION ALL ".join(arms), params):  # noqa: S608
        found[(kind, key)] = stamp
    return (
        *(found.get((0, i), 0) for i in post_ids),
        *(found.get((1, i), 0) for i in account_ids),
    )


def home_posts(account_id: int, cursor: Cursor) -> HomeQuery:
    """A home feed page query (`HomeQuery`), run on the connection's thread."""
    return HomeQuery(account_id, cursor)


async def list_home_posts(conn: Conn, account_id: int, cursor: Cursor) -> list[Post]:
    """A home feed page (`home_posts`) in one hop."""
    return await conn.run(home_posts(account_id, cursor))


def public_posts(
    cursor: Cursor, *, local: bool | None = None, only_media: bool = False
) -> PostQuery:
    """Public live posts (no boosts); `local` True/False keeps local or remote ones only."""
    where, params, order = _bounds("p.id", cursor)
    if local is True:
        scope = " AND p.local = 1"
    elif local is False:
        scope = " AND p.local = 0"
    else:
        scope = ""
    media = " AND EXISTS (SELECT 1 FROM media m WHERE m.post_id = p.id)" if only_media else ""
    sql = (
        f"SELECT {POST_COLUMNS} FROM posts p WHERE p.visibility = 'public'"
        f" AND p.deleted_at IS NULL AND p.reblog_of_id IS NULL{scope}{media}{where}"  # noqa: S608
        f" ORDER BY p.id {order} LIMIT :limit"
    )
    return lambda c: _posts(c.execute(sql, params).fetchall())


async def list_public_posts(
    conn: Conn, cursor: Cursor, *, local: bool | None = None, only_media: bool = False
) -> list[Post]:
    """Public live posts (`public_posts`) in one hop."""
    return await conn.run(public_posts(cursor, local=local, only_media=only_media))


def tagged_posts(
    cursor: Cursor,
    *,
    any_of: Sequence[str],
    all_of: Sequence[str] = (),
    none_of: Sequence[str] = (),
    local: bool | None = None,
    only_media: bool = False,
) -> PostQuery:
    """Public live posts with any of `any_of`, every one of `all_of` and none of `none_of`."""
    where, params, order = _bounds("p.id", cursor)
    names: dict[str, Any] = {}

    def marks(prefix: str, values: Sequence[str]) -> str:
        keys = [f"{prefix}{i}" for i in range(len(values))]
        names.update(zip(keys, values, strict=True))
        return ",".join(":" + k for k in keys)

    sql = (
        f"SELECT {POST_COLUMNS} FROM posts p WHERE p.id IN (SELECT post_id FROM post_tags"
        f" WHERE tag IN ({marks('any', list(any_of))}))"
        " AND p.visibility = 'public' AND p.deleted_at IS NULL AND p.reblog_of_id IS NULL"
    )
    for index, tag in enumerate(all_of):
        names[f"all{index}"] = tag
        sql += f" AND EXISTS (SELECT 1 FROM post_tags a WHERE a.post_id = p.id AND a.tag = :all{index})"
    if none_of:
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM post_tags n WHERE n.post_id = p.id"
            f" AND n.tag IN ({marks('none', list(none_of))}))"
        )
    if local is True:
        sql += " AND p.local = 1"
    elif local is False:
        sql += " AND p.local = 0"
    if only_media:
        sql += " AND EXISTS (SELECT 1 FROM media m WHERE m.post_id = p.id)"
    sql += where + f" ORDER BY p.id {order} LIMIT :limit"
    values = {**params, **names}
    return lambda c: _posts(c.execute(sql, values).fetchall())


def account_posts(
    account_id: int,
    cursor: Cursor,
    *,
    visibilities: Sequence[str],
    mentioned_id: int | None = None,
    include_reblogs: bool = True,
    include_replies: bool = True,
    only_media: bool = False,
    tag: str | None = None,
) -> PostQuery:
    """An account's live posts (and boosts) of these visibilities, plus those mentioning
    `mentioned_id`; replies to others left out unless `include_replies`."""
    where, params, order = _bounds("p.id", cursor)
    keys = [f"v{i}" for i in range(len(visibilities))]
    params.update(zip(keys, visibilities, strict=True))
    params.update(a=account_id, mentioned=mentioned_id, tag=tag)
    sql = (
        f"SELECT {POST_COLUMNS} FROM posts p WHERE p.account_id = :a AND p.deleted_at IS NULL"
        f" AND (p.visibility IN ({','.join(':' + k for k in keys)})"
        " OR p.id IN (SELECT post_id FROM post_mentions WHERE account_id = :mentioned))"
    )
    if not include_reblogs or only_media or tag is not None:
        sql += " AND p.reblog_of_id IS NULL"
    if not include_replies:
        # Interop: Mastodon keeps an author's replies to themselves (threads) here.
        sql += " AND (p.in_reply_to_id IS NULL OR p.in_reply_to_account_id = :a)"
    if only_media:
        sql += " AND EXISTS (SELECT 1 FROM media m WHERE m.post_id = p.id)"
    if tag is not None:
        sql += " AND p.id IN (SELECT post_id FROM post_tags WHERE tag = :tag)"
    sql += where + f" ORDER BY p.id {order} LIMIT :limit"
    return lambda c: _posts(c.execute(sql, params).fetchall())


def pinned_posts(account_id: int, cursor: Cursor) -> PostQuery:
    """An account's live pinned posts, newest first, paged by post id."""
    where, params, order = _bounds("p.id", cursor)
    sql = (
        f"SELECT {POST_COLUMNS} FROM featured_posts f JOIN posts p ON p.id = f.post_id"
        f" WHERE f.account_id = :a AND p.deleted_at IS NULL{where}"  # noqa: S608
        f" ORDER BY p.id {order} LIMIT :limit"
    )
    values = {**params, "a": account_id}
    return lambda c: _posts(c.execute(sql, values).fetchall())


async def list_post_likers(conn: Conn, post_id: int, cursor: Cursor) -> list[tuple[int, int]]:
    """(like id, account id) of a post's likes, newest first, paged by like id."""
    where, params, order = _bounds("id", cursor)
    rows = await conn.fetchall(
        f"SELECT id, account_id FROM likes WHERE post_id = :p{where}"  # noqa: S608
        f" ORDER BY id {order} LIMIT :limit",
        {**params, "p": post_id},
    )
    return _pairs(rows)


async def list_post_boosters(conn: Conn, post_id: int, cursor: Cursor) -> list[tuple[int, int]]:
    """(boost id, account id) of a post's live boosts, newest first, paged by boost id."""
    where, params, order = _bounds("id", cursor)
    rows = await conn.fetchall(
        "SELECT id, account_id FROM posts WHERE reblog_of_id = :p AND deleted_at IS NULL"
        f"{where} ORDER BY id {order} LIMIT :limit",  # noqa: S608
        {**params, "p": post_id},
    )
    return _pairs(rows)


async def list_liked_posts(conn: Conn, account_id: int, cursor: Cursor) -> list[tuple[int, int]]:
    """(like id, post id) of an account's likes of live posts, newest first, by like id."""
    where, params, order = _bounds("l.id", cursor)
    rows = await conn.fetchall(
        "SELECT l.id, l.post_id FROM likes l JOIN posts p ON p.id = l.post_id"
        f" WHERE l.account_id = :a AND p.deleted_at IS NULL{where}"  # noqa: S608
        f" ORDER BY l.id {order} LIMIT :limit",
        {**params, "a": account_id},
    )
    return _pairs(rows)


async def list_bookmarked_posts(
    conn: Conn, account_id: int, cursor: Cursor
) -> list[tuple[int, int]]:
    """(bookmark id, post id) of an account's bookmarks of live posts, newest first."""
    where, params, order = _bounds("b.id", cursor)
    rows = await conn.fetchall(
        "SELECT b.id, b.post_id FROM bookmarks b JOIN posts p ON p.id = b.post_id"
        f" WHERE b.account_id = :a AND p.deleted_at IS NULL{where}"  # noqa: S608
        f" ORDER BY b.id {order} LIMIT :limit",
        {**params, "a": account_id},
    )
    return _pairs(rows)


async def list_follows(
    conn: Conn, account_id: int, cursor: Cursor, *, outgoing: bool, state: str = "accepted"
) -> list[Follow]:
    """Follows made by (`outgoing`) or of an account in a state, newest first, by follow id."""
    where, params, order = _bounds("id", cursor)
    column = "account_id" if outgoing else "target_account_id"
    rows = await conn.fetchall(
        f"SELECT * FROM follows WHERE {column} = :a AND state = :state{where}"  # noqa: S608
        f" ORDER BY id {order} LIMIT :limit",
        {**params, "a": account_id, "state": state},
    )
    return sorted(build_rows(Follow, rows), key=lambda f: f.id, reverse=True)


async def list_blocked(conn: Conn, account_id: int, cursor: Cursor) -> list[tuple[int, int]]:
    """(block id, blocked account id) of an account's blocks, newest first, by block id."""
    where, params, order = _bounds("id", cursor)
    rows = await conn.fetchall(
        f"SELECT id, target_account_id FROM blocks WHERE account_id = :a{where}"  # noqa: S608
        f" ORDER BY id {order} LIMIT :limit",
        {**params, "a": account_id},
    )
    return sorted(((r[0], r[1]) for r in rows), reverse=True)


async def list_muted(
    conn: Conn, account_id: int, cursor: Cursor, *, now: str
) -> list[tuple[int, int, str | None]]:
    """(mute id, muted account id, when the mute ends) of an account's live mutes, newest
    first, by mute id."""
    where, params, order = _bounds("id", cursor)
    rows = await conn.fetchall(
        "SELECT id, target_account_id, expires_at FROM mutes WHERE account_id = :a"
        f" AND (expires_at IS NULL OR expires_at > :now){where}"  # noqa: S608
        f" ORDER BY id {order} LIMIT :limit",
        {**params, "a": account_id, "now": now},
    )
    return sorted(((r[0], r[1], r[2]) for r in rows), reverse=True)


async def list_familiar_followers(
    conn: Conn, viewer_id: int, target_ids: Sequence[int], *, limit: int = 40
) -> dict[int, list[int]]:
    """Per target: accounts the viewer follows that follow the target (both accepted)."""
    unique = sorted(set(target_ids))
    if not unique:
        return {}
    marks = ",".join("?" for _ in unique)
    rows = await conn.fetchall(
        "SELECT theirs.target_account_id, theirs.account_id FROM follows mine"
        " JOIN follows theirs ON theirs.account_id = mine.target_account_id"
        " WHERE mine.account_id = ? AND mine.state = 'accepted' AND theirs.state = 'accepted'"
        f" AND theirs.target_account_id IN ({marks})"  # noqa: S608
        " ORDER BY theirs.id DESC",
        (viewer_id, *unique),
    )
    found: dict[int, list[int]] = {t: [] for t in unique}
    for target, follower in rows:
        if follower != viewer_id and len(found[target]) < limit:
            found[target].append(follower)
    return found


async def search_accounts(
    conn: Conn,
    query: str,
    *,
    limit: int,
    offset: int = 0,
    following_of: int | None = None,
) -> list[int]:
    """Ids of live accounts whose username starts with, or display name contains, `query`
    (username matches first); only those `following_of` follows when given."""
    text = query.strip().lstrip("@")
    username, _, domain = text.partition("@")
    like = username.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await conn.fetchall(
        "SELECT a.id FROM accounts a WHERE a.deleted_at IS NULL AND a.suspended_at IS NULL"
        " AND (lower(a.username) LIKE lower(:prefix) ESCAPE '\\'"
        "  OR lower(a.display_name) LIKE lower(:inner) ESCAPE '\\')"
        " AND (:domain = '' OR lower(coalesce(a.domain, '')) LIKE lower(:domain_prefix) ESCAPE '\\')"
        " AND (:following IS NULL OR a.id IN (SELECT target_account_id FROM follows"
        "  WHERE account_id = :following AND state = 'accepted'))"
        " ORDER BY (lower(a.username) = lower(:exact)) DESC,"
        " (lower(a.username) LIKE lower(:prefix) ESCAPE '\\') DESC, a.domain IS NOT NULL, a.id"
        " LIMIT :limit OFFSET :offset",
        {
            "prefix": like + "%",
            "inner": "%" + like + "%",
            "exact": username,
            "domain": domain,
            "domain_prefix": domain.replace("%", "\\%").replace("_", "\\_") + "%",
            "following": following_of,
            "limit": limit,
            "offset": offset,
        },
    )
    return [r[0] for r in rows]
