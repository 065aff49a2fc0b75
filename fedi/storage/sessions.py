"""Browser sessions and the login history."""

from __future__ import annotations

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import LoginEvent, Session


async def insert_session(
    tx: Tx, *, token_hash: str, user_id: int, ip: str, user_agent: str
) -> None:
    """Store a new session."""
    now = now_db()
    await tx.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, ip, user_agent)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (token_hash, user_id, now, now, ip[:64], user_agent[:512]),
    )


async def get_session(conn: Conn, token_hash: str) -> Session | None:
    """A session that has not been revoked, or None."""
    row = await conn.fetchone(
        "SELECT * FROM sessions WHERE token_hash = ? AND revoked_at IS NULL", (token_hash,)
    )
    return None if row is None else Session.from_row(row)


async def touch_session(tx: Tx, token_hash: str) -> None:
    """Record that a session was used now."""
    await tx.execute(
        "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", (now_db(), token_hash)
    )


async def revoke_session(tx: Tx, token_hash: str) -> int:
    """End one session."""
    return await tx.execute(
        "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
        (now_db(), token_hash),
    )


async def revoke_user_sessions(tx: Tx, user_id: int, *, except_hash: str | None = None) -> int:
    """End every session of a user (optionally keeping one)."""
    return await tx.execute(
        "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"
        " AND token_hash != coalesce(?, '')",
        (now_db(), user_id, except_hash),
    )


async def list_user_sessions(conn: Conn, user_id: int) -> list[Session]:
    """The active sessions of a user, most recently used first."""
    rows = await conn.fetchall(
        "SELECT * FROM sessions WHERE user_id = ? AND revoked_at IS NULL ORDER BY last_seen_at DESC",
        (user_id,),
    )
    return [Session.from_row(r) for r in rows]


async def insert_login_event(
    tx: Tx, *, user_id: int, ip: str, user_agent: str, success: bool
) -> None:
    """Record a login attempt for the user's login history."""
    await tx.execute(
        "INSERT INTO login_history (id, user_id, at, ip, user_agent, success) VALUES (?, ?, ?, ?, ?, ?)",
        (new_id(), user_id, now_db(), ip[:64], user_agent[:512], int(success)),
    )


async def list_login_events(conn: Conn, user_id: int, *, limit: int = 50) -> list[LoginEvent]:
    """A user's recent login attempts, newest first."""
    rows = await conn.fetchall(
        "SELECT * FROM login_history WHERE user_id = ? ORDER BY id DESC LIMIT ?", (user_id, limit)
    )
    return [LoginEvent.from_row(r) for r in rows]
