"""Posts that arrive from other servers: insert by uri (with fan-in), edits with history, boosts,
whole-account removal, pinned (featured) posts, and ids deleted before they were created."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from fedi.storage.clock import now_db, to_db, utcnow
from fedi.storage.db import Conn, Tx
from fedi.storage.edit_media import record_version_media
from fedi.storage.ids import new_id
from fedi.storage.rows import Post

_COLUMNS = tuple(name for name in Post.__dataclass_fields__ if name != "stamp")
_INSERT = (
    f"INSERT INTO posts ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
    " ON CONFLICT (uri) DO NOTHING"
)


def _params(post: Post) -> dict[str, Any]:
    return {name: getattr(post, name) for name in _COLUMNS}


async def insert_remote_post(
    tx: Tx,
    post: Post,
    *,
    mention_ids: Sequence[int] = (),
    tags: Sequence[str] = (),
    feed_ids: Sequence[int] = (),
    include_local_followers: bool = False,
    notifications: Sequence[tuple[int, str, int]] = (),
) -> bool:
    """Insert a remote post (or boost) unless its uri is known; False if it already existed.

    In the same hop: its mentions and tags, home-feed rows for `feed_ids` (and the author's
    local accepted followers when `include_local_followers`), and notifications given as
    (recipient id, type, post id) — the post id lets a boost notify about the boosted post.
    """
    params = _params(post)
    now = now_db()
    notes = [
        (new_id(), account, post.account_id, kind, about, now)
        for account, kind, about in notifications
        if account != post.account_id
    ]

    def work(c: sqlite3.Connection) -> bool:
        if not c.execute(_INSERT, params).rowcount:
            return False
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
            [(a, post.id, post.account_id) for a in sorted(set(feed_ids))],
        )
        if include_local_followers:
            c.execute(
                "INSERT OR IGNORE INTO home_feed (account_id, post_id, author_id)"
                " SELECT f.account_id, :post, :author FROM follows f"
                " JOIN accounts a ON a.id = f.account_id"
                " WHERE f.target_account_id = :author AND f.state = 'accepted'"
                " AND a.domain IS NULL",
                {"post": post.id, "author": post.account_id},
            )
        c.executemany(
            "INSERT INTO notifications (id, account_id, from_account_id, type, post_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            notes,
        )
        return True

    return await tx.run(work)


async def update_remote_post(
    tx: Tx,
    post_id: int,
    *,
    content_warning: str,
    content_html: str,
    sensitive: int,
    language: str | None,
    raw_json: str,
    edited_at: str,
    mention_ids: Sequence[int],
    tags: Sequence[str],
) -> bool:
    """Apply an edit to a live remote post, keeping the previous version (and its attachments,
    before the caller syncs the new ones) in its history.

    False (and nothing written) if the post is missing or deleted.
    """

    def work(c: sqlite3.Connection) -> bool:
        row = c.execute(
            "SELECT * FROM posts WHERE id = ? AND deleted_at IS NULL", (post_id,)
        ).fetchone()
        if row is None:
            return False
        edit_id = new_id()
        c.execute(
            "INSERT INTO post_edits (id, post_id, content_warning, source, content_html,"
            " sensitive, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                edit_id,
                post_id,
                row["content_warning"],
                row["source"],
                row["content_html"],
                row["sensitive"],
                row["edited_at"] or row["created_at"],
            ),
        )
        record_version_media(c, edit_id=edit_id, post_id=post_id)
        c.execute(
            "UPDATE posts SET content_warning = :cw, content_html = :html, sensitive = :sensitive,"
            " language = :language, raw_json = :raw, edited_at = :edited WHERE id = :id",
            {
                "cw": content_warning,
                "html": content_html,
                "sensitive": sensitive,
                "language": language,
                "raw": raw_json,
                "edited": edited_at,
                "id": post_id,
            },
        )
        c.execute("DELETE FROM post_mentions WHERE post_id = ?", (post_id,))
        c.executemany(
            "INSERT OR IGNORE INTO post_mentions (post_id, account_id) VALUES (?, ?)",
            [(post_id, a) for a in mention_ids],
        )
        c.execute("DELETE FROM post_tags WHERE post_id = ?", (post_id,))
        c.executemany(
            "INSERT OR IGNORE INTO post_tags (tag, post_id) VALUES (?, ?)",
            [(t, post_id) for t in tags],
        )
        return True

    return await tx.run(work)


async def get_posts_by_uris(conn: Conn, uris: list[str]) -> dict[str, Post]:
    """Posts by ActivityPub id, several in one query (deleted ones too)."""
    if not uris:
        return {}
    unique = sorted(set(uris))
    marks = ",".join("?" for _ in unique)
    rows = await conn.fetchall(f"SELECT * FROM posts WHERE uri IN ({marks})", unique)  # noqa: S608
    return {r["uri"]: Post.from_row(r) for r in rows}


async def get_reblog(conn: Conn, account_id: int, original_id: int) -> Post | None:
    """The live boost of a post by an account, or None."""
    row = await conn.fetchone(
        "SELECT * FROM posts WHERE account_id = ? AND reblog_of_id = ? AND deleted_at IS NULL",
        (account_id, original_id),
    )
    return None if row is None else Post.from_row(row)


async def delete_reblog(tx: Tx, post_id: int) -> bool:
    """Remove a boost row for good (its home-feed rows go with it); False if it was no boost."""
    return bool(
        await tx.execute("DELETE FROM posts WHERE id = ? AND reblog_of_id IS NOT NULL", (post_id,))
    )


async def mark_account_posts_deleted(tx: Tx, account_id: int) -> int:
    """Soft-delete every post of an account (a deleted actor): text wiped, out of all feeds.

    Boosts by the account are removed outright; returns how many posts were affected.
    """

    def work(c: sqlite3.Connection) -> int:
        now = now_db()
        wiped = c.execute(
            "UPDATE posts SET deleted_at = :now, source = '', content_html = '',"
            " content_warning = '', raw_json = NULL"
            " WHERE account_id = :a AND deleted_at IS NULL AND reblog_of_id IS NULL",
            {"now": now, "a": account_id},
        ).rowcount
        boosts = c.execute(
            "DELETE FROM posts WHERE account_id = ? AND reblog_of_id IS NOT NULL", (account_id,)
        ).rowcount
        c.execute("DELETE FROM home_feed WHERE author_id = ?", (account_id,))
        c.execute(
            "DELETE FROM post_tags WHERE post_id IN (SELECT id FROM posts WHERE account_id = ?)",
            (account_id,),
        )
        c.execute(
            "DELETE FROM post_edits WHERE post_id IN (SELECT id FROM posts WHERE account_id = ?)",
            (account_id,),
        )
        c.execute("DELETE FROM notifications WHERE from_account_id = ?", (account_id,))
        c.execute("DELETE FROM likes WHERE account_id = ?", (account_id,))
        c.execute("DELETE FROM featured_posts WHERE account_id = ?", (account_id,))
        return int(wiped) + int(boosts)

    return await tx.run(work)


async def insert_featured(tx: Tx, *, account_id: int, post_id: int) -> bool:
    """Pin a post to an account's profile; False if it was pinned already."""
    return bool(
        await tx.execute(
            "INSERT INTO featured_posts (account_id, post_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, post_id) DO NOTHING",
            (account_id, post_id, now_db()),
        )
    )


async def delete_featured(tx: Tx, *, account_id: int, post_id: int) -> bool:
    """Unpin a post; False if it was not pinned."""
    return bool(
        await tx.execute(
            "DELETE FROM featured_posts WHERE account_id = ? AND post_id = ?",
            (account_id, post_id),
        )
    )


async def list_featured_ids(conn: Conn, account_id: int) -> list[int]:
    """Ids of an account's pinned posts, most recently pinned first."""
    rows = await conn.fetchall(
        "SELECT post_id FROM featured_posts WHERE account_id = ? ORDER BY created_at DESC,"
        " post_id DESC",
        (account_id,),
    )
    return [r[0] for r in rows]


async def remember_deleted_uri(tx: Tx, uri: str) -> None:
    """Note that a remote object was deleted before we saw it, so a late Create is dropped."""
    await tx.execute(
        "INSERT INTO deleted_uris (uri, deleted_at) VALUES (?, ?) ON CONFLICT (uri) DO NOTHING",
        (uri, now_db()),
    )


async def was_deleted(conn: Conn, uri: str) -> bool:
    """True if a Delete for this object id arrived before the object itself."""
    return bool(await conn.fetchval("SELECT 1 FROM deleted_uris WHERE uri = ?", (uri,)))


async def purge_deleted_uris(tx: Tx, *, older_than: timedelta) -> int:
    """Forget early Deletes older than the given age."""
    return await tx.execute(
        "DELETE FROM deleted_uris WHERE deleted_at < ?", (to_db(utcnow() - older_than),)
    )
