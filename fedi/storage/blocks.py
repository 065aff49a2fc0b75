"""Blocks between accounts: rows, what a block severs, and the viewer's relations in one query.

Schema triggers (migration 0006) keep notifications and home-feed rows from crossing a block,
whatever path inserts them; the functions here remove what existed before the block.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import _Row


@dataclass(frozen=True, slots=True, kw_only=True)
class Block(_Row):
    """`account_id` blocks `target_account_id`; `uri` is the id of the Block activity."""

    id: int
    account_id: int
    target_account_id: int
    uri: str | None
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RelationRow:
    """One relation of a viewer to another account, as `list_relations` returns them.

    `kind` is `blocking` (the viewer blocks `other_id`), `blocked_by`, `muting` (then
    `hide_notifications` and `expires_at` describe the mute), or `domain_hidden` (`other_id` is
    an account of a domain the viewer hides).
    """

    kind: str
    other_id: int
    hide_notifications: bool = False
    expires_at: str | None = None


async def insert_block(
    tx: Tx, *, id: int, account_id: int, target_account_id: int, uri: str | None
) -> bool:
    """Store a block; False (nothing changed) if this account already blocks the target."""
    return bool(
        await tx.execute(
            "INSERT INTO blocks (id, account_id, target_account_id, uri, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, target_account_id) DO NOTHING",
            (id, account_id, target_account_id, uri, now_db()),
        )
    )


async def get_block(conn: Conn, account_id: int, target_account_id: int) -> Block | None:
    """The block of `target_account_id` by `account_id`, or None."""
    row = await conn.fetchone(
        "SELECT * FROM blocks WHERE account_id = ? AND target_account_id = ?",
        (account_id, target_account_id),
    )
    return None if row is None else Block.from_row(row)


async def get_block_by_uri(conn: Conn, uri: str) -> Block | None:
    """The block a Block activity id stands for, or None."""
    row = await conn.fetchone("SELECT * FROM blocks WHERE uri = ? LIMIT 1", (uri,))
    return None if row is None else Block.from_row(row)


async def delete_block(tx: Tx, block_id: int) -> bool:
    """Remove a block row; False if it was not there."""
    return bool(await tx.execute("DELETE FROM blocks WHERE id = ?", (block_id,)))


async def blocked_between(conn: Conn, a: int, b: int) -> bool:
    """True if either account blocks the other."""
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM blocks WHERE (account_id = :a AND target_account_id = :b)"
            " OR (account_id = :b AND target_account_id = :a) LIMIT 1",
            {"a": a, "b": b},
        )
    )


async def list_blocks(
    conn: Conn, account_id: int, *, max_id: int | None = None, limit: int = 40
) -> list[Block]:
    """The accounts an account blocks, newest block first, paged by block id."""
    rows = await conn.fetchall(
        "SELECT * FROM blocks WHERE account_id = :a AND (:max_id IS NULL OR id < :max_id)"
        " ORDER BY id DESC LIMIT :limit",
        {"a": account_id, "max_id": max_id, "limit": limit},
    )
    return [Block.from_row(r) for r in rows]


async def sever(tx: Tx, a: int, b: int) -> None:
    """What a block ends between two accounts, in one hop: follows and follow requests both
    ways, each one's posts in the other's home feed, and notifications between them."""

    def work(c: sqlite3.Connection) -> None:
        pair = {"a": a, "b": b}
        c.execute(
            "DELETE FROM follows WHERE (account_id = :a AND target_account_id = :b)"
            " OR (account_id = :b AND target_account_id = :a)",
            pair,
        )
        c.execute(
            "DELETE FROM home_feed WHERE (account_id = :a AND author_id = :b)"
            " OR (account_id = :b AND author_id = :a)",
            pair,
        )
        c.execute(
            "DELETE FROM notifications WHERE (account_id = :a AND from_account_id = :b)"
            " OR (account_id = :b AND from_account_id = :a)",
            pair,
        )

    await tx.run(work)


_RELATIONS = (
    "SELECT 'blocking' AS kind, target_account_id AS other, 0 AS hide, NULL AS expires"
    " FROM blocks WHERE account_id = :v{among_targets}"
    " UNION ALL SELECT 'blocked_by', account_id, 0, NULL"
    " FROM blocks WHERE target_account_id = :v{among_accounts}"
    " UNION ALL SELECT 'muting', target_account_id, hide_notifications, expires_at"
    " FROM mutes WHERE account_id = :v AND (expires_at IS NULL OR expires_at > :now)"
    "{among_targets}"
    " UNION ALL SELECT 'domain_hidden', a.id, 0, NULL FROM account_domain_blocks d"
    " JOIN accounts a ON a.domain = d.domain WHERE d.account_id = :v{among_domain}"
)
_AMONG_TARGETS = " AND target_account_id IN (SELECT value FROM json_each(:ids))"
_AMONG_ACCOUNTS = " AND account_id IN (SELECT value FROM json_each(:ids))"
_AMONG_DOMAIN = " AND a.id IN (SELECT value FROM json_each(:ids))"


async def list_relations(
    conn: Conn, viewer_id: int, *, now: str, among: Sequence[int] | None = None
) -> list[RelationRow]:
    """Every block by or of the viewer, every live mute by the viewer, and every account of a
    domain the viewer hides (`domain_hidden`), in one query.

    With `among`, only relations with those accounts.
    """
    return await conn.run(lambda c: relation_rows(c, viewer_id, now=now, among=among))


def relation_rows(
    c: sqlite3.Connection, viewer_id: int, *, now: str, among: Sequence[int] | None = None
) -> list[RelationRow]:
    """`list_relations` on the connection's thread (to share a hop with other reads)."""
    params: dict[str, object] = {"v": viewer_id, "now": now}
    if among is None:
        sql = _RELATIONS.format(among_targets="", among_accounts="", among_domain="")
    else:
        params["ids"] = "[" + ",".join(str(int(i)) for i in among) + "]"
        sql = _RELATIONS.format(
            among_targets=_AMONG_TARGETS, among_accounts=_AMONG_ACCOUNTS, among_domain=_AMONG_DOMAIN
        )
    return [
        RelationRow(kind=r[0], other_id=r[1], hide_notifications=bool(r[2]), expires_at=r[3])
        for r in c.execute(sql, params).fetchall()
    ]
