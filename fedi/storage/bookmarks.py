"""Bookmarks of local accounts; the row id pages GET /api/v1/bookmarks (`paging`)."""

from __future__ import annotations

from fedi.storage.clock import now_db
from fedi.storage.db import Tx


async def insert_bookmark(tx: Tx, *, id: int, account_id: int, post_id: int) -> bool:
    """Bookmark a post; False if it was bookmarked already."""
    return bool(
        await tx.execute(
            "INSERT INTO bookmarks (id, account_id, post_id, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account_id, post_id) DO NOTHING",
            (id, account_id, post_id, now_db()),
        )
    )


async def delete_bookmark(tx: Tx, *, account_id: int, post_id: int) -> bool:
    """Remove a bookmark; False if there was none."""
    return bool(
        await tx.execute(
            "DELETE FROM bookmarks WHERE account_id = ? AND post_id = ?", (account_id, post_id)
        )
    )
