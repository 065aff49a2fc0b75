"""Notification policy, held (filtered) notifications and their per-sender requests.

The verdict itself is the schema's (`notification_verdicts`, the `notifications_policy`
trigger of migration 0013): a filtered notification never stays in `notifications`, it waits
in `filtered_notifications` under its sender's `notification_requests` row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Notification, NotificationRequest

SETTINGS = (
    "for_not_following",
    "for_not_followers",
    "for_new_accounts",
    "for_private_mentions",
    "for_limited_accounts",
)


async def get_settings(conn: Conn, account_id: int) -> dict[str, str]:
    """The account's policy, defaults filled in (`accept` | `filter` | `drop` per setting)."""
    row = await conn.fetchone(
        f"SELECT {', '.join(SETTINGS)} FROM notification_policy_settings WHERE account_id = ?",
        (account_id,),
    )
    if row is None:
        return {}
    return {name: str(row[name]) for name in SETTINGS}


async def put_settings(tx: Tx, account_id: int, settings: dict[str, str]) -> None:
    """Store the account's whole policy (every setting named in SETTINGS)."""
    await tx.execute(
        f"INSERT INTO notification_policies (account_id, {', '.join(SETTINGS)}, updated_at)"
        f" VALUES (:a, {', '.join(':' + s for s in SETTINGS)}, :now)"
        " ON CONFLICT (account_id) DO UPDATE SET "
        + ", ".join(f"{s} = excluded.{s}" for s in SETTINGS)
        + ", updated_at = excluded.updated_at",
        {"a": account_id, "now": now_db(), **{s: settings[s] for s in SETTINGS}},
    )


_LIVE_REQUESTS = (
    "SELECT r.*, (SELECT count(*) FROM filtered_notifications f"
    " WHERE f.account_id = r.account_id AND f.from_account_id = r.from_account_id)"
    " AS notifications_count"
    " FROM notification_requests r JOIN accounts a ON a.id = r.from_account_id"
    " WHERE r.account_id = :a AND a.suspended_at IS NULL AND a.deleted_at IS NULL"
    " AND r.from_account_id NOT IN (SELECT value FROM json_each(:hidden))"
    " AND EXISTS (SELECT 1 FROM filtered_notifications f"
    " WHERE f.account_id = r.account_id AND f.from_account_id = r.from_account_id)"
)


async def summary(
    conn: Conn, account_id: int, *, hidden_account_ids: Iterable[int] = ()
) -> tuple[int, int]:
    """How many requests wait, and how many notifications they hold (hidden senders left out)."""
    row = await conn.fetchone(
        "SELECT count(*) AS requests, coalesce(sum(notifications_count), 0) AS held"
        f" FROM ({_LIVE_REQUESTS})",
        {"a": account_id, "hidden": json.dumps(sorted(hidden_account_ids))},
    )
    assert row is not None
    return int(row["requests"]), int(row["held"])


async def list_requests(
    conn: Conn,
    account_id: int,
    *,
    hidden_account_ids: Iterable[int] = (),
    max_id: int | None = None,
    low: int | None = None,
    ascending: bool = False,
    limit: int = 40,
) -> list[NotificationRequest]:
    """The account's waiting requests by id, newest first (`ascending` reads upwards from
    `low`, for `min_id`), each with its count of held notifications; bounds exclusive."""
    order = "ASC" if ascending else "DESC"
    rows = await conn.fetchall(
        _LIVE_REQUESTS + " AND (:max IS NULL OR r.id < :max) AND (:low IS NULL OR r.id > :low)"
        f" ORDER BY r.id {order} LIMIT :limit",
        {
            "a": account_id,
            "hidden": json.dumps(sorted(hidden_account_ids)),
            "max": max_id,
            "low": low,
            "limit": limit,
        },
    )
    found = [NotificationRequest.from_row(r) for r in rows]
    return sorted(found, key=lambda r: r.id, reverse=True)


async def get_request(
    conn: Conn, account_id: int, request_id: int, *, hidden_account_ids: Iterable[int] = ()
) -> NotificationRequest | None:
    """One waiting request of the account, or None."""
    row = await conn.fetchone(
        _LIVE_REQUESTS + " AND r.id = :id",
        {"a": account_id, "hidden": json.dumps(sorted(hidden_account_ids)), "id": request_id},
    )
    return None if row is None else NotificationRequest.from_row(row)


async def list_held(
    conn: Conn, account_id: int, from_account_id: int, *, limit: int = 40
) -> list[Notification]:
    """The held notifications from one sender, newest first."""
    rows = await conn.fetchall(
        "SELECT * FROM filtered_notifications WHERE account_id = ? AND from_account_id = ?"
        " ORDER BY id DESC LIMIT ?",
        (account_id, from_account_id, limit),
    )
    return [Notification.from_row(r) for r in rows]


def _senders(conn: sqlite3.Connection, account_id: int, request_ids: Sequence[int]) -> list[int]:
    rows = conn.execute(
        "SELECT from_account_id FROM notification_requests WHERE account_id = ?"
        " AND id IN (SELECT value FROM json_each(?))",
        (account_id, json.dumps(list(request_ids))),
    ).fetchall()
    return [int(r[0]) for r in rows]


async def accept_requests(tx: Tx, account_id: int, request_ids: Sequence[int]) -> int:
    """Accept requests (one hop): their senders are let through from now on, the held
    notifications move into the notifications list, the requests go; returns how many."""

    def run(conn: sqlite3.Connection) -> int:
        senders = _senders(conn, account_id, request_ids)
        if not senders:
            return 0
        pairs = [(account_id, s) for s in senders]
        conn.executemany(
            "INSERT INTO notification_permissions (account_id, from_account_id, created_at)"
            " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(a, s, now_db()) for a, s in pairs],
        )
        conn.executemany(
            "INSERT INTO notifications"
            " (id, account_id, from_account_id, type, post_id, created_at, read_at)"
            " SELECT id, account_id, from_account_id, type, post_id, created_at, read_at"
            " FROM filtered_notifications WHERE account_id = ? AND from_account_id = ?"
            " ORDER BY id",
            pairs,
        )
        _forget(conn, pairs)
        return len(senders)

    return await tx.run(run)


async def dismiss_requests(tx: Tx, account_id: int, request_ids: Sequence[int]) -> int:
    """Dismiss requests (one hop): their held notifications are deleted with them."""

    def run(conn: sqlite3.Connection) -> int:
        senders = _senders(conn, account_id, request_ids)
        _forget(conn, [(account_id, s) for s in senders])
        return len(senders)

    return await tx.run(run)


def _forget(conn: sqlite3.Connection, pairs: list[tuple[int, int]]) -> None:
    conn.executemany(
        "DELETE FROM filtered_notifications WHERE account_id = ? AND from_account_id = ?", pairs
    )
    conn.executemany(
        "DELETE FROM notification_requests WHERE account_id = ? AND from_account_id = ?", pairs
    )
