"""The poll each version of a post had (table `post_edit_polls`), for the edit history's
StatusEdit `poll`: one row beside each `post_edits` row whose version had a poll."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from fedi.storage.db import Conn, Tx


async def insert_version_poll(
    tx: Tx, post_id: int, *, edit_id: int | None, options: Sequence[str], multiple: bool
) -> None:
    """Keep the poll an earlier version of a post had, beside that version's `post_edits` row
    (`edit_id`; None: the post's latest earlier version, just recorded in this transaction)."""
    await tx.execute(
        "INSERT OR IGNORE INTO post_edit_polls (edit_id, post_id, options, multiple)"
        " SELECT coalesce(:edit_id, max(id)), :post_id, :options, :multiple FROM post_edits"
        " WHERE post_id = :post_id HAVING count(*) > 0",
        {
            "edit_id": edit_id,
            "post_id": post_id,
            "options": json.dumps(list(options), ensure_ascii=False),
            "multiple": int(multiple),
        },
    )


def _version_polls(c: sqlite3.Connection, post_id: int) -> list[tuple[str, ...] | None]:
    rows = c.execute(
        "SELECT p.options FROM post_edits e LEFT JOIN post_edit_polls p ON p.edit_id = e.id"
        " WHERE e.post_id = ? ORDER BY e.id",
        (post_id,),
    ).fetchall()
    found: list[tuple[str, ...] | None] = [
        tuple(str(o) for o in json.loads(r[0])) if r[0] is not None else None for r in rows
    ]
    current = c.execute("SELECT options FROM polls WHERE post_id = ?", (post_id,)).fetchone()
    found.append(tuple(str(o) for o in json.loads(current[0])) if current else None)
    return found


async def list_version_polls(conn: Conn, post_id: int) -> list[tuple[str, ...] | None]:
    """The option titles of each version's poll (None: no poll), oldest version first and the
    current one last, in the order of `posts.list_edits`; one hop."""
    return await conn.run(lambda c: _version_polls(c, post_id))
