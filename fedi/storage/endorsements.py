"""Endorsements: accounts a local account features on its profile (Mastodon's "featured accounts").

Only followed accounts can be featured; migration 0022's trigger removes an endorsement when the
follow goes, whichever path deletes it (unfollow, block, removed follower, remote Undo).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.paging import Cursor
from fedi.storage.rows import Account
from fedi.storage.status_batch import AccountCounts, accounts_with_counts


@dataclass(frozen=True, slots=True, kw_only=True)
class EndorseCheck:
    """What endorsing needs to know, read in the write transaction: the target account (None if
    unknown) and whether the endorser follows it (accepted)."""

    target: Account | None
    following: bool


async def check_endorsable(tx: Tx, account_id: int, target_account_id: int) -> EndorseCheck:
    """The target account and whether `account_id` follows it, in one hop."""

    def work(c: sqlite3.Connection) -> EndorseCheck:
        row = c.execute("SELECT * FROM accounts WHERE id = ?", (target_account_id,)).fetchone()
        follows = c.execute(
            "SELECT 1 FROM follows WHERE account_id = ? AND target_account_id = ?"
            " AND state = 'accepted'",
            (account_id, target_account_id),
        ).fetchone()
        return EndorseCheck(
            target=None if row is None else Account.from_row(row), following=follows is not None
        )

    return await tx.run(work)


async def insert_endorsement(tx: Tx, *, id: int, account_id: int, target_account_id: int) -> bool:
    """Feature an account; False (nothing changed) if it already is."""
    return bool(
        await tx.execute(
            "INSERT INTO endorsements (id, account_id, target_account_id, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, target_account_id) DO NOTHING",
            (id, account_id, target_account_id, now_db()),
        )
    )


async def delete_endorsement(tx: Tx, account_id: int, target_account_id: int) -> bool:
    """Stop featuring an account; False if it was not featured."""
    return bool(
        await tx.execute(
            "DELETE FROM endorsements WHERE account_id = ? AND target_account_id = ?",
            (account_id, target_account_id),
        )
    )


def _bounds(cursor: Cursor) -> tuple[str, dict[str, Any], str]:
    """(WHERE fragment, params, ORDER BY direction) for a cursor over endorsement ids."""
    sql = ""
    params: dict[str, Any] = {"limit": cursor.limit}
    if cursor.max_id is not None:
        sql += " AND id < :max_id"
        params["max_id"] = cursor.max_id
    if cursor.since_id is not None or cursor.min_id is not None:
        sql += " AND id > :lower"
        params["lower"] = max(cursor.since_id or 0, cursor.min_id or 0)
    return sql, params, "ASC" if cursor.min_id is not None else "DESC"


def endorsement_rows(
    c: sqlite3.Connection, account_id: int, cursor: Cursor
) -> list[tuple[int, int]]:
    """An account's endorsements as (endorsement id, featured account id), newest first, paged
    by endorsement id (`min_id` reads the page just above `min_id`), on the connection's thread."""
    where, params, order = _bounds(cursor)
    rows = c.execute(
        f"SELECT id, target_account_id FROM endorsements WHERE account_id = :a{where}"  # noqa: S608
        f" ORDER BY id {order} LIMIT :limit",
        {**params, "a": account_id},
    ).fetchall()
    return sorted(((r[0], r[1]) for r in rows), reverse=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class EndorsedPage:
    """One page of an account's endorsements: the account itself (None if unknown), the
    (endorsement id, featured account id) pairs newest first, and the featured accounts with
    their counts (for display: no keys or raw documents)."""

    owner: Account | None
    pairs: list[tuple[int, int]]
    accounts: dict[int, Account]
    counts: dict[int, AccountCounts]


async def list_endorsed_accounts(conn: Conn, account_id: int, cursor: Cursor) -> EndorsedPage:
    """A page of the accounts `account_id` features, with the owner's row, in one hop."""

    def work(c: sqlite3.Connection) -> EndorsedPage:
        row = c.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None:
            return EndorsedPage(owner=None, pairs=[], accounts={}, counts={})
        pairs = endorsement_rows(c, account_id, cursor)
        accounts, counts = accounts_with_counts(c, sorted({a for _, a in pairs}))
        return EndorsedPage(
            owner=Account.from_row(row), pairs=pairs, accounts=accounts, counts=counts
        )

    return await conn.run(work)


def endorsed_among_rows(
    c: sqlite3.Connection, account_id: int, target_ids: Sequence[int]
) -> set[int]:
    """`endorsed_among` on the connection's thread (to share a hop with other reads)."""
    if not target_ids:
        return set()
    ids = "[" + ",".join(str(int(i)) for i in sorted(set(target_ids))) + "]"
    rows = c.execute(
        "SELECT target_account_id FROM endorsements WHERE account_id = ?"
        " AND target_account_id IN (SELECT value FROM json_each(?))",
        (account_id, ids),
    ).fetchall()
    return {r[0] for r in rows}


async def endorsed_among(conn: Conn, account_id: int, target_ids: Sequence[int]) -> set[int]:
    """Which of `target_ids` the account features, in one query."""
    if not target_ids:
        return set()
    return await conn.run(lambda c: endorsed_among_rows(c, account_id, target_ids))


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileEndorsements:
    """What a profile page shows of endorsements: the accounts featured (newest first, live
    ones only), and whether the viewer features the profile's account."""

    accounts: list[Account]
    viewer_endorses: bool


async def profile_endorsements(
    conn: Conn, account_id: int, *, viewer_id: int | None, limit: int
) -> ProfileEndorsements:
    """The live accounts `account_id` features (up to `limit`, newest first) and whether the
    viewer features `account_id`, in one hop."""

    def work(c: sqlite3.Connection) -> ProfileEndorsements:
        rows = c.execute(
            "SELECT a.* FROM endorsements e JOIN accounts a ON a.id = e.target_account_id"
            " WHERE e.account_id = ? AND a.suspended_at IS NULL AND a.deleted_at IS NULL"
            " ORDER BY e.id DESC LIMIT ?",
            (account_id, limit),
        ).fetchall()
        endorses = viewer_id is not None and bool(
            c.execute(
                "SELECT 1 FROM endorsements WHERE account_id = ? AND target_account_id = ?",
                (viewer_id, account_id),
            ).fetchone()
        )
        return ProfileEndorsements(
            accounts=[Account.from_row(r) for r in rows], viewer_endorses=endorses
        )

    return await conn.run(work)
