"""Muted conversations: no notification about a post of a muted thread (a schema trigger)."""

from __future__ import annotations

from fedi.storage.clock import now_db
from fedi.storage.db import Tx


async def insert_status_mute(tx: Tx, *, account_id: int, thread_id: int) -> bool:
    """Mute a thread (by its root post id) for an account; False if muted already."""
    return bool(
        await tx.execute(
            "INSERT INTO status_mutes (account_id, thread_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (account_id, thread_id) DO NOTHING",
            (account_id, thread_id, now_db()),
        )
    )


async def delete_status_mute(tx: Tx, *, account_id: int, thread_id: int) -> bool:
    """Unmute a thread; False if it was not muted."""
    return bool(
        await tx.execute(
            "DELETE FROM status_mutes WHERE account_id = ? AND thread_id = ?",
            (account_id, thread_id),
        )
    )
