"""Pinned posts as served and shown (an account's live pins, most recently pinned first), and a
remote account's pins replaced by what its server's featured collection lists."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import timedelta

from fedi.storage.clock import to_db, utcnow
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Post


async def list_pinned_posts(
    conn: Conn, account_id: int, *, visibilities: Sequence[str], limit: int = 20
) -> list[Post]:
    """An account's pinned, not deleted posts of the given visibilities, newest pin first."""
    marks = ", ".join("?" for _ in visibilities)
    rows = await conn.fetchall(
        "SELECT p.* FROM featured_posts f JOIN posts p ON p.id = f.post_id"
        f" WHERE f.account_id = ? AND p.deleted_at IS NULL AND p.visibility IN ({marks})"  # noqa: S608
        " AND p.reblog_of_id IS NULL ORDER BY f.created_at DESC, f.post_id DESC LIMIT ?",
        (account_id, *visibilities, limit),
    )
    return [Post.from_row(r) for r in rows]


async def replace_featured(tx: Tx, account_id: int, post_ids: Sequence[int]) -> None:
    """Make an account's pins exactly `post_ids` (newest pin first), in one hop.

    Each pin is stamped a millisecond apart in list order, so the order of the list holds. Used
    for remote accounts, whose server's featured collection says what is pinned.
    """
    wanted = list(dict.fromkeys(post_ids))
    now = utcnow()

    def work(c: sqlite3.Connection) -> None:
        c.execute(
            "DELETE FROM featured_posts WHERE account_id = ? AND post_id NOT IN"
            " (SELECT value FROM json_each(?))",
            (account_id, json.dumps(wanted)),
        )
        c.executemany(
            "INSERT INTO featured_posts (account_id, post_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, post_id) DO UPDATE SET created_at = excluded.created_at",
            [
                (account_id, post_id, to_db(now - timedelta(milliseconds=i)))
                for i, post_id in enumerate(wanted)
            ],
        )

    await tx.run(work)
