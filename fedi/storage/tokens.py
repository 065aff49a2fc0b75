"""One-time mail tokens (confirm, reset, change_email; stored hashed) and invite codes."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from typing import Self

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import EmailToken


@dataclass(frozen=True, slots=True, kw_only=True)
class Invite:
    """An invite code for sign-ups in `registrations = "invite"` mode."""

    code: str
    created_by: int | None
    max_uses: int | None
    uses: int
    expires_at: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Self:
        """Build from a sqlite3.Row of the invites table."""
        return cls(**{f.name: row[f.name] for f in fields(cls)})

    def usable(self, now: str) -> bool:
        """True while it has uses left and has not expired (`now` in stored form)."""
        if self.max_uses is not None and self.uses >= self.max_uses:
            return False
        return self.expires_at is None or self.expires_at > now


async def insert_email_token(
    tx: Tx,
    *,
    token_hash: str,
    user_id: int,
    purpose: str,
    expires_at: str,
    new_email: str | None = None,
) -> None:
    """Store a one-time token (its hash) for confirm, reset or change_email."""
    await tx.execute(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, new_email, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (token_hash, user_id, purpose, new_email, now_db(), expires_at),
    )


async def get_email_token(conn: Conn, token_hash: str) -> EmailToken | None:
    """A token by its hash (used or expired ones too), or None."""
    row = await conn.fetchone("SELECT * FROM email_tokens WHERE token_hash = ?", (token_hash,))
    return None if row is None else EmailToken.from_row(row)


async def use_email_token(tx: Tx, token_hash: str) -> bool:
    """Mark a token used if it is unused and unexpired; False if it was not."""
    now = now_db()
    return bool(
        await tx.execute(
            "UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
            " AND expires_at > ?",
            (now, token_hash, now),
        )
    )


async def use_user_email_tokens(tx: Tx, user_id: int, purpose: str) -> int:
    """Mark every unused token of a user for `purpose` used (older links stop working)."""
    return await tx.execute(
        "UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL",
        (now_db(), user_id, purpose),
    )


async def delete_expired_email_tokens(tx: Tx) -> int:
    """Remove tokens that expired (housekeeping)."""
    return await tx.execute("DELETE FROM email_tokens WHERE expires_at <= ?", (now_db(),))


async def insert_invite(
    tx: Tx, *, code: str, created_by: int | None, max_uses: int | None, expires_at: str | None
) -> None:
    """Store a new invite code."""
    await tx.execute(
        "INSERT INTO invites (code, created_by, max_uses, uses, expires_at, created_at)"
        " VALUES (?, ?, ?, 0, ?, ?)",
        (code, created_by, max_uses, expires_at, now_db()),
    )


async def get_invite(conn: Conn, code: str) -> Invite | None:
    """An invite by code, or None."""
    row = await conn.fetchone("SELECT * FROM invites WHERE code = ?", (code,))
    return None if row is None else Invite.from_row(row)


async def use_invite(tx: Tx, code: str) -> bool:
    """Count one use of an invite if it is still usable; False if it is not."""
    now = now_db()
    return bool(
        await tx.execute(
            "UPDATE invites SET uses = uses + 1 WHERE code = ?"
            " AND (max_uses IS NULL OR uses < max_uses) AND (expires_at IS NULL OR expires_at > ?)",
            (code, now),
        )
    )


async def list_invites(conn: Conn, *, limit: int = 100) -> list[Invite]:
    """Invite codes, newest first."""
    rows = await conn.fetchall(
        "SELECT * FROM invites ORDER BY created_at DESC, code LIMIT ?", (limit,)
    )
    return [Invite.from_row(r) for r in rows]
