"""Posts, their edit history, mentions and hashtags."""

from __future__ import annotations

import sqlite3
from typing import Any

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.edit_media import record_version_media
from fedi.storage.ids import new_id
from fedi.storage.rows import Post, PostEdit

_UPDATABLE = frozenset(
    {
        "content_warning",
        "source",
        "content_html",
        "sensitive",
        "language",
        "edited_at",
        "deleted_at",
        "raw_json",
        "visibility",
    }
)


async def insert_post(tx: Tx, post: Post) -> None:
    """Insert a post row (all columns from the dataclass)."""
    await tx.execute(
        "INSERT INTO posts (id, uri, url, account_id, local, visibility, in_reply_to_id,"
        " in_reply_to_uri, in_reply_to_account_id, thread_root_id, content_warning, source,"
        " content_html, language, sensitive, reblog_of_id, raw_json, created_at, edited_at,"
        " deleted_at) VALUES (:id, :uri, :url, :account_id, :local, :visibility,"
        " :in_reply_to_id, :in_reply_to_uri, :in_reply_to_account_id, :thread_root_id,"
        " :content_warning, :source, :content_html, :language, :sensitive, :reblog_of_id,"
        " :raw_json, :created_at, :edited_at, :deleted_at)",
        _as_params(post),
    )


def _as_params(post: Post) -> dict[str, Any]:
    return {name: getattr(post, name) for name in Post.__dataclass_fields__}


async def get_post(conn: Conn, post_id: int) -> Post | None:
    """One post by id (deleted ones too: check deleted_at)."""
    row = await conn.fetchone("SELECT * FROM posts WHERE id = ?", (post_id,))
    return None if row is None else Post.from_row(row)


async def get_post_by_uri(conn: Conn, uri: str) -> Post | None:
    """One post by its ActivityPub id."""
    row = await conn.fetchone("SELECT * FROM posts WHERE uri = ?", (uri,))
    return None if row is None else Post.from_row(row)


async def get_posts(conn: Conn, ids: list[int]) -> dict[int, Post]:
    """Several posts by id in one query."""
    if not ids:
        return {}
    unique = sorted(set(ids))
    marks = ",".join("?" for _ in unique)
    rows = await conn.fetchall(f"SELECT * FROM posts WHERE id IN ({marks})", unique)  # noqa: S608
    return {r["id"]: Post.from_row(r) for r in rows}


async def update_post(tx: Tx, post_id: int, **values: Any) -> None:
    """Update some columns of a post (names checked against an allowlist)."""
    bad = set(values) - _UPDATABLE
    if bad:
        raise ValueError(f"cannot update post columns {sorted(bad)}")
    sets = ", ".join(f"{k} = :{k}" for k in values)
    await tx.execute(f"UPDATE posts SET {sets} WHERE id = :id", {**values, "id": post_id})  # noqa: S608


async def mark_deleted(tx: Tx, post_id: int) -> None:
    """Soft-delete a post: its text is wiped, its id answers 410 from now on."""
    await tx.execute(
        "UPDATE posts SET deleted_at = :now, source = '', content_html = '', content_warning = '',"
        " raw_json = NULL WHERE id = :id",
        {"now": now_db(), "id": post_id},
    )
    await tx.execute("DELETE FROM post_tags WHERE post_id = ?", (post_id,))
    await tx.execute("DELETE FROM home_feed WHERE post_id = ?", (post_id,))
    await tx.execute("DELETE FROM notifications WHERE post_id = ?", (post_id,))
    await tx.execute("DELETE FROM post_edits WHERE post_id = ?", (post_id,))


async def insert_edit(tx: Tx, edit: PostEdit) -> None:
    """Keep an earlier version of an edited post, with its attachments as they are now (call it
    before the edit changes them)."""

    def work(c: sqlite3.Connection) -> None:
        c.execute(
            "INSERT INTO post_edits (id, post_id, content_warning, source, content_html,"
            " sensitive, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                edit.id,
                edit.post_id,
                edit.content_warning,
                edit.source,
                edit.content_html,
                edit.sensitive,
                edit.created_at,
            ),
        )
        record_version_media(c, edit_id=edit.id, post_id=edit.post_id)

    await tx.run(work)


async def list_edits(conn: Conn, post_id: int) -> list[PostEdit]:
    """Earlier versions of a post, oldest first."""
    rows = await conn.fetchall("SELECT * FROM post_edits WHERE post_id = ? ORDER BY id", (post_id,))
    return [PostEdit.from_row(r) for r in rows]


async def set_mentions(tx: Tx, post_id: int, account_ids: list[int]) -> None:
    """Replace the accounts a post mentions."""
    await tx.execute("DELETE FROM post_mentions WHERE post_id = ?", (post_id,))
    await tx.executemany(
        "INSERT OR IGNORE INTO post_mentions (post_id, account_id) VALUES (?, ?)",
        [(post_id, a) for a in account_ids],
    )


async def list_mentions(conn: Conn, post_ids: list[int]) -> dict[int, list[int]]:
    """Mentioned account ids per post, for several posts in one query."""
    if not post_ids:
        return {}
    marks = ",".join("?" for _ in post_ids)
    rows = await conn.fetchall(
        f"SELECT post_id, account_id FROM post_mentions WHERE post_id IN ({marks})",  # noqa: S608
        post_ids,
    )
    out: dict[int, list[int]] = {}
    for r in rows:
        out.setdefault(r["post_id"], []).append(r["account_id"])
    return out


async def set_tags(tx: Tx, post_id: int, tags: list[str]) -> None:
    """Replace the (normalised) hashtags of a post."""
    await tx.execute("DELETE FROM post_tags WHERE post_id = ?", (post_id,))
    await tx.executemany(
        "INSERT OR IGNORE INTO post_tags (tag, post_id) VALUES (?, ?)", [(t, post_id) for t in tags]
    )


async def list_tags(conn: Conn, post_ids: list[int]) -> dict[int, list[str]]:
    """Hashtags per post, for several posts in one query."""
    if not post_ids:
        return {}
    marks = ",".join("?" for _ in post_ids)
    rows = await conn.fetchall(
        f"SELECT post_id, tag FROM post_tags WHERE post_id IN ({marks}) ORDER BY tag",  # noqa: S608
        post_ids,
    )
    out: dict[int, list[str]] = {}
    for r in rows:
        out.setdefault(r["post_id"], []).append(r["tag"])
    return out


async def list_account_posts(
    conn: Conn,
    account_id: int,
    *,
    visibilities: tuple[str, ...],
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = 20,
) -> list[Post]:
    """An account's live posts of the given visibilities, newest first, paged by id."""
    marks = ",".join(f":v{i}" for i in range(len(visibilities)))
    params: dict[str, Any] = {f"v{i}": v for i, v in enumerate(visibilities)}
    params.update(account_id=account_id, max_id=max_id, min_id=min_id, limit=limit)
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        "SELECT * FROM posts WHERE account_id = :account_id AND deleted_at IS NULL"
        f" AND visibility IN ({marks})"  # noqa: S608 - placeholders only
        " AND (:max_id IS NULL OR id < :max_id) AND (:min_id IS NULL OR id > :min_id)"
        f" ORDER BY id {order} LIMIT :limit",
        params,
    )
    posts = [Post.from_row(r) for r in rows]
    return sorted(posts, key=lambda p: p.id, reverse=True)


async def list_local_public(
    conn: Conn, *, max_id: int | None = None, min_id: int | None = None, limit: int = 20
) -> list[Post]:
    """The local timeline: public, non-deleted local posts, newest first."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        "SELECT * FROM posts WHERE local = 1 AND visibility = 'public' AND deleted_at IS NULL"
        " AND reblog_of_id IS NULL"
        " AND (:max_id IS NULL OR id < :max_id) AND (:min_id IS NULL OR id > :min_id)"
        f" ORDER BY id {order} LIMIT :limit",
        {"max_id": max_id, "min_id": min_id, "limit": limit},
    )
    return sorted((Post.from_row(r) for r in rows), key=lambda p: p.id, reverse=True)


async def list_tag_posts(
    conn: Conn,
    tag: str,
    *,
    local_only: bool = True,
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = 20,
) -> list[Post]:
    """Public posts with a hashtag, newest first."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        "SELECT p.* FROM post_tags t JOIN posts p ON p.id = t.post_id WHERE t.tag = :tag"
        " AND p.visibility = 'public' AND p.deleted_at IS NULL"
        " AND (:local_only = 0 OR p.local = 1)"
        " AND (:max_id IS NULL OR t.post_id < :max_id) AND (:min_id IS NULL OR t.post_id > :min_id)"
        f" ORDER BY t.post_id {order} LIMIT :limit",
        {
            "tag": tag,
            "local_only": int(local_only),
            "max_id": max_id,
            "min_id": min_id,
            "limit": limit,
        },
    )
    return sorted((Post.from_row(r) for r in rows), key=lambda p: p.id, reverse=True)


async def list_thread(conn: Conn, root_id: int, *, limit: int = 500) -> list[Post]:
    """Every live post of a thread (the root and all replies below it), oldest first."""
    rows = await conn.fetchall(
        "SELECT * FROM posts WHERE (id = :root OR thread_root_id = :root) ORDER BY id LIMIT :limit",
        {"root": root_id, "limit": limit},
    )
    return [Post.from_row(r) for r in rows]


async def count_replies(conn: Conn, post_ids: list[int]) -> dict[int, int]:
    """Live replies per post, in one query."""
    if not post_ids:
        return {}
    marks = ",".join("?" for _ in post_ids)
    rows = await conn.fetchall(
        f"SELECT in_reply_to_id, count(*) AS n FROM posts WHERE in_reply_to_id IN ({marks})"  # noqa: S608
        " AND deleted_at IS NULL GROUP BY in_reply_to_id",
        post_ids,
    )
    return {r["in_reply_to_id"]: r["n"] for r in rows}


async def count_account_posts(
    conn: Conn,
    account_id: int,
    *,
    visibilities: tuple[str, ...] = ("public", "unlisted", "private", "direct"),
) -> int:
    """How many live posts an account has of these visibilities."""
    marks = ",".join("?" for _ in visibilities)
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM posts WHERE account_id = ? AND deleted_at IS NULL"  # noqa: S608
            f" AND reblog_of_id IS NULL AND visibility IN ({marks})",
            (account_id, *visibilities),
        )
    )


async def count_local_posts(conn: Conn) -> int:
    """How many live local posts exist (NodeInfo localPosts)."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM posts WHERE local = 1 AND deleted_at IS NULL AND reblog_of_id IS NULL"
        )
    )


async def list_account_posts_seen_by(
    conn: Conn,
    account_id: int,
    *,
    visibilities: tuple[str, ...],
    mentioned_id: int | None = None,
    max_id: int | None = None,
    limit: int = 20,
) -> list[Post]:
    """An account's live posts of these visibilities, plus any that mention `mentioned_id`, newest first."""
    marks = ",".join(f":v{i}" for i in range(len(visibilities)))
    params: dict[str, Any] = {f"v{i}": v for i, v in enumerate(visibilities)}
    params.update(account_id=account_id, mentioned_id=mentioned_id, max_id=max_id, limit=limit)
    rows = await conn.fetchall(
        "SELECT * FROM posts WHERE account_id = :account_id AND deleted_at IS NULL"
        f" AND (visibility IN ({marks})"  # noqa: S608 - placeholders only
        " OR id IN (SELECT post_id FROM post_mentions WHERE account_id = :mentioned_id))"
        " AND (:max_id IS NULL OR id < :max_id) ORDER BY id DESC LIMIT :limit",
        params,
    )
    return [Post.from_row(r) for r in rows]


async def list_outbox_posts(
    conn: Conn,
    account_id: int,
    *,
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = 20,
) -> list[Post]:
    """An account's live public and unlisted posts (no boosts), newest first, paged by id."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        "SELECT * FROM posts WHERE account_id = :account_id AND deleted_at IS NULL"
        " AND visibility IN ('public', 'unlisted') AND reblog_of_id IS NULL"
        " AND (:max_id IS NULL OR id < :max_id) AND (:min_id IS NULL OR id > :min_id)"
        f" ORDER BY id {order} LIMIT :limit",
        {"account_id": account_id, "max_id": max_id, "min_id": min_id, "limit": limit},
    )
    return sorted((Post.from_row(r) for r in rows), key=lambda p: p.id, reverse=True)


async def count_open_replies(conn: Conn, post_ids: list[int]) -> dict[int, int]:
    """Live public and unlisted replies per post, in one query."""
    if not post_ids:
        return {}
    marks = ",".join("?" for _ in post_ids)
    rows = await conn.fetchall(
        f"SELECT in_reply_to_id, count(*) AS n FROM posts WHERE in_reply_to_id IN ({marks})"  # noqa: S608
        " AND deleted_at IS NULL AND visibility IN ('public', 'unlisted') GROUP BY in_reply_to_id",
        post_ids,
    )
    return {r["in_reply_to_id"]: r["n"] for r in rows}


async def count_reblogs(conn: Conn, post_ids: list[int]) -> dict[int, int]:
    """Live boosts per post, in one query."""
    if not post_ids:
        return {}
    marks = ",".join("?" for _ in post_ids)
    rows = await conn.fetchall(
        f"SELECT reblog_of_id, count(*) AS n FROM posts WHERE reblog_of_id IN ({marks})"  # noqa: S608
        " AND deleted_at IS NULL GROUP BY reblog_of_id",
        post_ids,
    )
    return {r["reblog_of_id"]: r["n"] for r in rows}


_INSERT_POST = (
    "INSERT INTO posts (id, uri, url, account_id, local, visibility, in_reply_to_id,"
    " in_reply_to_uri, in_reply_to_account_id, thread_root_id, content_warning, source,"
    " content_html, language, sensitive, reblog_of_id, raw_json, created_at, edited_at,"
    " deleted_at) VALUES (:id, :uri, :url, :account_id, :local, :visibility,"
    " :in_reply_to_id, :in_reply_to_uri, :in_reply_to_account_id, :thread_root_id,"
    " :content_warning, :source, :content_html, :language, :sensitive, :reblog_of_id,"
    " :raw_json, :created_at, :edited_at, :deleted_at)"
)


async def insert_post_bundle(
    tx: Tx,
    post: Post,
    *,
    mention_ids: list[int],
    tags: list[str],
    feed_ids: list[int],
    include_local_followers: bool,
    notifications: list[tuple[int, str]],
) -> None:
    """Insert a new post with its mentions, tags, home-feed rows and notifications in one hop.

    `feed_ids` get the post in their home feed, and so do the author's local accepted followers
    when `include_local_followers`; `notifications` are (recipient id, type) pairs.
    """
    params = _as_params(post)
    now = now_db()
    notes = [
        (new_id(), account, post.account_id, kind, post.id, now)
        for account, kind in notifications
        if account != post.account_id
    ]

    def work(c: sqlite3.Connection) -> None:
        c.execute(_INSERT_POST, params)
        c.executemany(
            "INSERT OR IGNORE INTO post_mentions (post_id, account_id) VALUES (?, ?)",
            [(post.id, a) for a in mention_ids],
        )
        c.executemany(
            "INSERT OR IGNORE INTO post_tags (tag, post_id) VALUES (?, ?)",
            [(t, post.id) for t in tags],
        )
        c.executemany(
            "INSERT OR IGNORE INTO home_feed (account_id, post_id, author_id) VALUES (?, ?, ?)",
            [(a, post.id, post.account_id) for a in set(feed_ids)],
        )
        if include_local_followers:
            c.execute(
                "INSERT OR IGNORE INTO home_feed (account_id, post_id, author_id)"
                " SELECT f.account_id, :post, :author FROM follows f"
                " JOIN accounts a ON a.id = f.account_id"
                " WHERE f.target_account_id = :author AND f.state = 'accepted' AND a.domain IS NULL",
                {"post": post.id, "author": post.account_id},
            )
        c.executemany(
            "INSERT INTO notifications (id, account_id, from_account_id, type, post_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            notes,
        )

    await tx.run(work)


async def reblogged_among(conn: Conn, account_id: int, post_ids: list[int]) -> set[int]:
    """Which of these posts the account has boosted (a live boost row), in one query."""
    if not post_ids:
        return set()
    marks = ",".join("?" for _ in post_ids)
    rows = await conn.fetchall(
        f"SELECT reblog_of_id FROM posts WHERE account_id = ? AND reblog_of_id IN ({marks})"  # noqa: S608
        " AND deleted_at IS NULL",
        (account_id, *post_ids),
    )
    return {r[0] for r in rows}


async def has_remote_audience(
    conn: Conn, post: Post, *, to_followers: bool, to_reply_author: bool
) -> bool:
    """Whether a local post concerns any remote account, in one query: a mentioned one, a
    follower of the author (when `to_followers`), or the author replied to (`to_reply_author`)."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM post_mentions m JOIN accounts a ON a.id = m.account_id"
            "  WHERE m.post_id = :post AND a.domain IS NOT NULL AND a.deleted_at IS NULL)"
            " OR (:followers AND EXISTS (SELECT 1 FROM follows f"
            "  JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = :author"
            "  AND f.state = 'accepted' AND a.domain IS NOT NULL AND a.deleted_at IS NULL))"
            " OR (:reply IS NOT NULL AND EXISTS (SELECT 1 FROM accounts WHERE id = :reply"
            "  AND domain IS NOT NULL AND deleted_at IS NULL))",
            {
                "post": post.id,
                "author": post.account_id,
                "followers": int(to_followers),
                "reply": post.in_reply_to_account_id if to_reply_author else None,
            },
        )
    )
