"""Follows and follow requests (state pending or accepted)."""

from __future__ import annotations

import sqlite3

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Follow


async def insert_follow(
    tx: Tx, *, id: int, account_id: int, target_account_id: int, state: str, uri: str | None = None
) -> bool:
    """Create a follow or request; False if one already exists."""
    return bool(
        await tx.execute(
            "INSERT INTO follows (id, account_id, target_account_id, uri, state, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, target_account_id) DO NOTHING",
            (id, account_id, target_account_id, uri, state, now_db()),
        )
    )


async def get_follow(conn: Conn, account_id: int, target_account_id: int) -> Follow | None:
    """The follow (or request) from one account to another, or None."""
    row = await conn.fetchone(
        "SELECT * FROM follows WHERE account_id = ? AND target_account_id = ?",
        (account_id, target_account_id),
    )
    return None if row is None else Follow.from_row(row)


async def accept_follow(tx: Tx, follow_id: int) -> bool:
    """Turn a pending request into a follow; False if it was not pending."""
    return bool(
        await tx.execute(
            "UPDATE follows SET state = 'accepted' WHERE id = ? AND state = 'pending'", (follow_id,)
        )
    )


async def delete_follow(tx: Tx, account_id: int, target_account_id: int) -> bool:
    """Remove a follow or request; False if there was none."""
    return bool(
        await tx.execute(
            "DELETE FROM follows WHERE account_id = ? AND target_account_id = ?",
            (account_id, target_account_id),
        )
    )


async def is_following(conn: Conn, account_id: int, target_account_id: int) -> bool:
    """True if account_id follows target_account_id (accepted)."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM follows WHERE account_id = ? AND target_account_id = ? AND state = 'accepted'",
            (account_id, target_account_id),
        )
    )


async def following_among(conn: Conn, account_id: int, target_ids: list[int]) -> set[int]:
    """Which of target_ids account_id follows (accepted), in one query."""
    if not target_ids:
        return set()
    unique = sorted(set(target_ids))
    marks = ",".join("?" for _ in unique)
    rows = await conn.fetchall(
        f"SELECT target_account_id FROM follows WHERE account_id = ? AND state = 'accepted'"  # noqa: S608
        f" AND target_account_id IN ({marks})",
        (account_id, *unique),
    )
    return {r[0] for r in rows}


async def list_local_follower_ids(conn: Conn, target_account_id: int) -> list[int]:
    """Ids of local accounts that follow this account (accepted), for home-feed fan-in."""
    rows = await conn.fetchall(
        "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id"
        " WHERE f.target_account_id = ? AND f.state = 'accepted' AND a.domain IS NULL",
        (target_account_id,),
    )
    return [r[0] for r in rows]


async def list_followers(
    conn: Conn,
    target_account_id: int,
    *,
    state: str = "accepted",
    max_id: int | None = None,
    limit: int = 40,
) -> list[Follow]:
    """Follows (or pending requests) of an account, newest first, paged by follow id."""
    rows = await conn.fetchall(
        "SELECT * FROM follows WHERE target_account_id = :t AND state = :state"
        " AND (:max_id IS NULL OR id < :max_id) ORDER BY id DESC LIMIT :limit",
        {"t": target_account_id, "state": state, "max_id": max_id, "limit": limit},
    )
    return [Follow.from_row(r) for r in rows]


async def list_following(
    conn: Conn, account_id: int, *, max_id: int | None = None, limit: int = 40
) -> list[Follow]:
    """Accepted follows made by an account, newest first, paged by follow id."""
    rows = await conn.fetchall(
        "SELECT * FROM follows WHERE account_id = :a AND state = 'accepted'"
        " AND (:max_id IS NULL OR id < :max_id) ORDER BY id DESC LIMIT :limit",
        {"a": account_id, "max_id": max_id, "limit": limit},
    )
    return [Follow.from_row(r) for r in rows]


async def count_followers(conn: Conn, account_id: int) -> int:
    """Accepted followers of an account."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM follows WHERE target_account_id = ? AND state = 'accepted'",
            (account_id,),
        )
    )


async def count_following(conn: Conn, account_id: int) -> int:
    """Accounts this account follows (accepted)."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM follows WHERE account_id = ? AND state = 'accepted'",
            (account_id,),
        )
    )


async def count_requests(conn: Conn, target_account_id: int) -> int:
    """Pending follow requests waiting for this account's answer."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM follows WHERE target_account_id = ? AND state = 'pending'",
            (target_account_id,),
        )
    )


async def get_follow_by_id(conn: Conn, follow_id: int) -> Follow | None:
    """One follow (or request) by its id, or None."""
    row = await conn.fetchone("SELECT * FROM follows WHERE id = ?", (follow_id,))
    return None if row is None else Follow.from_row(row)


async def relationship_rows(conn: Conn, account_id: int, other_id: int) -> list[Follow]:
    """The follows between two accounts in either direction (0, 1 or 2 rows), in one query."""
    rows = await conn.fetchall(
        "SELECT * FROM follows WHERE (account_id = :a AND target_account_id = :b)"
        " OR (account_id = :b AND target_account_id = :a)",
        {"a": account_id, "b": other_id},
    )
    return [Follow.from_row(r) for r in rows]


async def get_follow_by_uri(conn: Conn, uri: str) -> Follow | None:
    """A follow (or request) by the id of its Follow activity, or None."""
    row = await conn.fetchone("SELECT * FROM follows WHERE uri = ?", (uri,))
    return None if row is None else Follow.from_row(row)


async def delete_all_follows_of(tx: Tx, account_id: int) -> int:
    """Remove every follow and request an account made or received (a deleted actor)."""
    return await tx.execute(
        "DELETE FROM follows WHERE account_id = ? OR target_account_id = ?",
        (account_id, account_id),
    )


async def list_remote_follower_inboxes(conn: Conn, target_account_id: int) -> list[tuple[str, str]]:
    """(inbox, domain) of the remote accepted followers, shared inbox preferred, each inbox once."""
    rows = await conn.fetchall(
        "SELECT DISTINCT coalesce(nullif(a.shared_inbox_uri, ''), a.inbox_uri) AS inbox, a.domain"
        " FROM follows f JOIN accounts a ON a.id = f.account_id"
        " WHERE f.target_account_id = ? AND f.state = 'accepted' AND a.domain IS NOT NULL"
        " AND a.deleted_at IS NULL",
        (target_account_id,),
    )
    return [(r["inbox"], r["domain"]) for r in rows if r["inbox"]]


async def has_remote_followers(conn: Conn, target_account_id: int) -> bool:
    """True if at least one remote account follows this account (accepted)."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM follows f JOIN accounts a ON a.id = f.account_id"
            " WHERE f.target_account_id = ? AND f.state = 'accepted' AND a.domain IS NOT NULL"
            " AND a.deleted_at IS NULL LIMIT 1",
            (target_account_id,),
        )
    )


async def list_remote_relation_inboxes(conn: Conn, account_id: int) -> list[str]:
    """Inboxes of the remote accounts that follow or are followed by this account (requests
    included), shared inbox preferred, each once: every server that knows the account."""
    rows = await conn.fetchall(
        "SELECT DISTINCT coalesce(nullif(a.shared_inbox_uri, ''), a.inbox_uri) AS inbox"
        " FROM follows f JOIN accounts a"
        " ON a.id = CASE WHEN f.account_id = :a THEN f.target_account_id ELSE f.account_id END"
        " WHERE (f.account_id = :a OR f.target_account_id = :a) AND a.domain IS NOT NULL"
        " AND a.deleted_at IS NULL",
        {"a": account_id},
    )
    return sorted(r["inbox"] for r in rows if r["inbox"])


async def list_follows_between(conn: Conn, account_id: int, other_ids: list[int]) -> list[Follow]:
    """Follows (and requests) between an account and each of `other_ids`, both ways, one query."""
    if not other_ids:
        return []
    unique = sorted(set(other_ids))
    marks = ",".join("?" for _ in unique)
    rows = await conn.fetchall(
        f"SELECT * FROM follows WHERE (account_id = ? AND target_account_id IN ({marks}))"  # noqa: S608
        f" OR (target_account_id = ? AND account_id IN ({marks}))",
        (account_id, *unique, account_id, *unique),
    )
    return [Follow.from_row(r) for r in rows]


def follows_between_rows(
    c: sqlite3.Connection, account_id: int, other_ids: list[int]
) -> list[Follow]:
    """`list_follows_between` on the connection's thread (to share a hop with other reads)."""
    if not other_ids:
        return []
    unique = sorted(set(other_ids))
    marks = ",".join("?" for _ in unique)
    rows = c.execute(
        f"SELECT * FROM follows WHERE (account_id = ? AND target_account_id IN ({marks}))"  # noqa: S608
        f" OR (target_account_id = ? AND account_id IN ({marks}))",
        (account_id, *unique, account_id, *unique),
    ).fetchall()
    return [Follow.from_row(r) for r in rows]
