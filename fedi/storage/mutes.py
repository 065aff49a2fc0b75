"""Mutes: a local account hides another's posts from its timelines (and maybe its notifications).

An expired mute (`expires_at` in the past) counts as no mute; its row is deleted lazily.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import _Row


@dataclass(frozen=True, slots=True, kw_only=True)
class Mute(_Row):
    """`account_id` mutes `target_account_id` until `expires_at` (None: until lifted)."""

    id: int
    account_id: int
    target_account_id: int
    hide_notifications: int
    expires_at: str | None
    created_at: str


async def upsert_mute(
    tx: Tx,
    *,
    id: int,
    account_id: int,
    target_account_id: int,
    hide_notifications: bool,
    expires_at: str | None,
) -> None:
    """Mute an account, or change an existing mute's options (its id stays)."""
    await tx.execute(
        "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at,"
        " created_at) VALUES (:id, :a, :t, :hide, :expires, :now)"
        " ON CONFLICT (account_id, target_account_id) DO UPDATE SET"
        " hide_notifications = excluded.hide_notifications, expires_at = excluded.expires_at",
        {
            "id": id,
            "a": account_id,
            "t": target_account_id,
            "hide": int(hide_notifications),
            "expires": expires_at,
            "now": now_db(),
        },
    )


async def delete_mute(tx: Tx, account_id: int, target_account_id: int) -> bool:
    """Lift a mute; False if there was none."""
    return bool(
        await tx.execute(
            "DELETE FROM mutes WHERE account_id = ? AND target_account_id = ?",
            (account_id, target_account_id),
        )
    )


async def delete_expired_mutes(tx: Tx, account_id: int, *, now: str) -> int:
    """Forget an account's mutes that have run out."""
    return await tx.execute(
        "DELETE FROM mutes WHERE account_id = ? AND expires_at IS NOT NULL AND expires_at <= ?",
        (account_id, now),
    )


async def list_mutes(
    conn: Conn, account_id: int, *, now: str, max_id: int | None = None, limit: int = 40
) -> list[Mute]:
    """An account's live mutes, newest first, paged by mute id."""
    rows = await conn.fetchall(
        "SELECT * FROM mutes WHERE account_id = :a AND (expires_at IS NULL OR expires_at > :now)"
        " AND (:max_id IS NULL OR id < :max_id) ORDER BY id DESC LIMIT :limit",
        {"a": account_id, "now": now, "max_id": max_id, "limit": limit},
    )
    return [Mute.from_row(r) for r in rows]


async def count_unread_unmuted(conn: Conn, account_id: int, *, now: str) -> int:
    """Unseen notifications, leaving out those from accounts muted with their notifications."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM notifications n WHERE n.account_id = :a AND n.read_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = :a"
            " AND m.target_account_id = n.from_account_id AND m.hide_notifications = 1"
            " AND (m.expires_at IS NULL OR m.expires_at > :now))",
            {"a": account_id, "now": now},
        )
    )
