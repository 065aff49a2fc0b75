"""Moderation reports (local, or received from other servers as Flag)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Report


async def insert_report(
    tx: Tx,
    *,
    id: int,
    account_id: int,
    target_account_id: int,
    post_ids: Sequence[int] = (),
    comment: str = "",
    uri: str | None = None,
) -> bool:
    """File a report; False if one with this uri (a repeated Flag) exists already."""
    return bool(
        await tx.execute(
            "INSERT INTO reports (id, account_id, target_account_id, post_ids_json, comment, uri,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uri) DO NOTHING",
            (
                id,
                account_id,
                target_account_id,
                json.dumps(sorted(set(post_ids))),
                comment,
                uri,
                now_db(),
            ),
        )
    )


async def list_reports(
    conn: Conn, *, unresolved_only: bool = True, target_account_id: int | None = None
) -> list[Report]:
    """Reports, newest first, optionally only open ones or only about one account."""
    rows = await conn.fetchall(
        "SELECT * FROM reports WHERE (:open = 0 OR resolved_at IS NULL)"
        " AND (:target IS NULL OR target_account_id = :target) ORDER BY id DESC",
        {"open": int(unresolved_only), "target": target_account_id},
    )
    return [Report.from_row(r) for r in rows]


async def insert_user_report(
    tx: Tx,
    *,
    id: int,
    account_id: int,
    target_account_id: int,
    post_ids: Sequence[int],
    comment: str,
    category: str,
    forwarded: bool,
) -> None:
    """File a report from a local user, with Mastodon's category and forwarded flag."""
    await tx.execute(
        "INSERT INTO reports (id, account_id, target_account_id, post_ids_json, comment,"
        " created_at, category, forwarded) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            id,
            account_id,
            target_account_id,
            json.dumps(sorted(set(post_ids))),
            comment,
            now_db(),
            category,
            int(forwarded),
        ),
    )
