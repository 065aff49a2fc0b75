"""Whom to suggest following: friends of friends, then the most-followed local accounts."""

from __future__ import annotations

import json
from collections.abc import Iterable

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx

# Accounts never suggested to :v — themselves, those they follow or asked to follow, dismissed
# ones, the caller's excluded ids (blocks, mutes), and accounts that are gone or suspended.
_NOT_SUGGESTED = (
    " {col} <> :v"
    " AND {col} NOT IN (SELECT target_account_id FROM follows WHERE account_id = :v)"
    " AND {col} NOT IN (SELECT target_account_id FROM suggestion_dismissals WHERE account_id = :v)"
    " AND {col} NOT IN (SELECT value FROM json_each(:excluded))"
)


async def friends_of_friends(
    conn: Conn, viewer_id: int, *, excluded: Iterable[int], limit: int
) -> list[int]:
    """Accounts followed by the accounts the viewer follows, most such followers first."""
    rows = await conn.fetchall(
        "SELECT f2.target_account_id AS t, count(*) AS n FROM follows f1"
        " JOIN follows f2 ON f2.account_id = f1.target_account_id AND f2.state = 'accepted'"
        " JOIN accounts a ON a.id = f2.target_account_id"
        " WHERE f1.account_id = :v AND f1.state = 'accepted' AND a.discoverable = 1"
        " AND a.suspended_at IS NULL AND a.deleted_at IS NULL AND"
        + _NOT_SUGGESTED.format(col="f2.target_account_id")
        + " GROUP BY t ORDER BY n DESC, t DESC LIMIT :limit",
        {"v": viewer_id, "excluded": json.dumps(sorted(excluded)), "limit": limit},
    )
    return [r[0] for r in rows]


async def most_followed_local(
    conn: Conn, viewer_id: int, *, excluded: Iterable[int], limit: int
) -> list[int]:
    """Discoverable, active local accounts with the most accepted followers."""
    rows = await conn.fetchall(
        "SELECT a.id, (SELECT count(*) FROM follows f WHERE f.target_account_id = a.id"
        "  AND f.state = 'accepted') AS n"
        " FROM accounts a JOIN users u ON u.id = a.id"
        " WHERE a.domain IS NULL AND a.discoverable = 1 AND a.suspended_at IS NULL"
        " AND a.deleted_at IS NULL AND u.disabled_at IS NULL AND u.approved = 1 AND"
        + _NOT_SUGGESTED.format(col="a.id")
        + " ORDER BY n DESC, a.id DESC LIMIT :limit",
        {"v": viewer_id, "excluded": json.dumps(sorted(excluded)), "limit": limit},
    )
    return [r[0] for r in rows]


async def dismiss_suggestion(tx: Tx, account_id: int, target_account_id: int) -> None:
    """Never suggest `target_account_id` to `account_id` again."""
    await tx.execute(
        "INSERT INTO suggestion_dismissals (account_id, target_account_id, created_at)"
        " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (account_id, target_account_id, now_db()),
    )
