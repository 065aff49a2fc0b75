"""Domains a user hides (Mastodon's account domain blocks).

Triggers of migration 0008 keep new home-feed rows and notifications from those domains out;
`insert_domain_block` removes what was there before, in the same hop.
"""

from __future__ import annotations

import sqlite3

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx


async def insert_domain_block(tx: Tx, *, id: int, account_id: int, domain: str) -> bool:
    """Hide a domain from an account, purging its posts from the home feed and its
    notifications (one hop); False if the domain was hidden already."""

    def work(c: sqlite3.Connection) -> bool:
        added = c.execute(
            "INSERT INTO account_domain_blocks (id, account_id, domain, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, domain) DO NOTHING",
            (id, account_id, domain, now_db()),
        ).rowcount
        pair = {"a": account_id, "d": domain}
        c.execute(
            "DELETE FROM home_feed WHERE account_id = :a"
            " AND author_id IN (SELECT id FROM accounts WHERE domain = :d)",
            pair,
        )
        c.execute(
            "DELETE FROM notifications WHERE account_id = :a"
            " AND from_account_id IN (SELECT id FROM accounts WHERE domain = :d)",
            pair,
        )
        return bool(added)

    return await tx.run(work)


async def delete_domain_block(tx: Tx, account_id: int, domain: str) -> bool:
    """Show a domain again; False if it was not hidden."""
    return bool(
        await tx.execute(
            "DELETE FROM account_domain_blocks WHERE account_id = ? AND domain = ?",
            (account_id, domain),
        )
    )


async def list_domain_blocks(
    conn: Conn,
    account_id: int,
    *,
    max_id: int | None = None,
    since_id: int | None = None,
    min_id: int | None = None,
    limit: int = 100,
) -> list[tuple[int, str]]:
    """(row id, domain) hidden by the account, newest first, paged by row id."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        "SELECT id, domain FROM account_domain_blocks WHERE account_id = :a"
        " AND (:max IS NULL OR id < :max) AND (:low IS NULL OR id > :low)"
        f" ORDER BY id {order} LIMIT :limit",
        {
            "a": account_id,
            "max": max_id,
            "low": min_id if min_id is not None else since_id,
            "limit": limit,
        },
    )
    return sorted(((r[0], r[1]) for r in rows), reverse=True)


async def blocked_domains(conn: Conn, account_id: int) -> frozenset[str]:
    """Every domain the account hides."""
    rows = await conn.fetchall(
        "SELECT domain FROM account_domain_blocks WHERE account_id = ?", (account_id,)
    )
    return frozenset(r[0] for r in rows)
