"""Scheduled statuses: the waiting rows, their reserved uploads, and the publisher's claim."""

from __future__ import annotations

import sqlite3

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Media, ScheduledStatus


async def insert_scheduled(
    tx: Tx,
    *,
    scheduled_id: int,
    account_id: int,
    scheduled_at: str,
    params_json: str,
    media_ids: list[int],
    idempotency_key: str | None = None,
) -> ScheduledStatus | None:
    """Store a scheduled status and reserve its uploads (one hop); with an Idempotency-Key the
    account already used, nothing is written and None is returned."""

    def run(conn: sqlite3.Connection) -> ScheduledStatus | None:
        inserted = conn.execute(
            "INSERT INTO scheduled_statuses"
            " (id, account_id, scheduled_at, params_json, idempotency_key, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL"
            " DO NOTHING",
            (scheduled_id, account_id, scheduled_at, params_json, idempotency_key, now_db()),
        ).rowcount
        if not inserted:
            return None
        conn.executemany(
            "UPDATE media SET scheduled_status_id = ? WHERE id = ? AND account_id = ?",
            [(scheduled_id, media_id, account_id) for media_id in media_ids],
        )
        row = conn.execute("SELECT * FROM scheduled_statuses WHERE id = ?", (scheduled_id,))
        return ScheduledStatus.from_row(row.fetchone())

    return await tx.run(run)


async def get_by_idempotency_key(conn: Conn, account_id: int, key: str) -> ScheduledStatus | None:
    """The account's scheduled status made with this Idempotency-Key, or None."""
    row = await conn.fetchone(
        "SELECT * FROM scheduled_statuses WHERE account_id = ? AND idempotency_key = ?",
        (account_id, key),
    )
    return None if row is None else ScheduledStatus.from_row(row)


async def get_scheduled(conn: Conn, scheduled_id: int) -> ScheduledStatus | None:
    """One scheduled status by id, or None."""
    row = await conn.fetchone("SELECT * FROM scheduled_statuses WHERE id = ?", (scheduled_id,))
    return None if row is None else ScheduledStatus.from_row(row)


async def list_scheduled(
    conn: Conn,
    account_id: int,
    *,
    max_id: int | None = None,
    low: int | None = None,
    ascending: bool = False,
    limit: int = 20,
) -> list[ScheduledStatus]:
    """The account's scheduled statuses by id, newest first (`ascending` reads upwards from
    `low`, for `min_id`); bounds exclusive."""
    order = "ASC" if ascending else "DESC"
    rows = await conn.fetchall(
        "SELECT * FROM scheduled_statuses WHERE account_id = :a"
        " AND (:max IS NULL OR id < :max) AND (:low IS NULL OR id > :low)"
        f" ORDER BY id {order} LIMIT :limit",
        {"a": account_id, "max": max_id, "low": low, "limit": limit},
    )
    found = [ScheduledStatus.from_row(r) for r in rows]
    return sorted(found, key=lambda s: s.id, reverse=True)


async def list_scheduled_by_time(
    conn: Conn, account_id: int, *, limit: int = 300
) -> list[ScheduledStatus]:
    """The account's scheduled statuses, soonest first (the settings page)."""
    rows = await conn.fetchall(
        "SELECT * FROM scheduled_statuses WHERE account_id = ? ORDER BY scheduled_at, id LIMIT ?",
        (account_id, limit),
    )
    return [ScheduledStatus.from_row(r) for r in rows]


async def count_scheduled(
    conn: Conn, account_id: int, *, day_start: str, day_end: str
) -> tuple[int, int]:
    """How many scheduled statuses the account has in all, and due within [day_start, day_end)."""
    row = await conn.fetchone(
        "SELECT count(*) AS total,"
        " coalesce(sum(scheduled_at >= :start AND scheduled_at < :end), 0) AS that_day"
        " FROM scheduled_statuses WHERE account_id = :a",
        {"a": account_id, "start": day_start, "end": day_end},
    )
    assert row is not None
    return int(row["total"]), int(row["that_day"])


async def media_of(conn: Conn, scheduled_ids: list[int]) -> dict[int, list[Media]]:
    """The uploads reserved by these scheduled statuses, by scheduled status id (unordered)."""
    if not scheduled_ids:
        return {}
    marks = ",".join("?" * len(scheduled_ids))
    rows = await conn.fetchall(
        f"SELECT * FROM media WHERE scheduled_status_id IN ({marks})",  # noqa: S608
        tuple(scheduled_ids),
    )
    out: dict[int, list[Media]] = {}
    for r in rows:
        media = Media.from_row(r)
        assert media.scheduled_status_id is not None
        out.setdefault(media.scheduled_status_id, []).append(media)
    return out


async def update_scheduled_at(tx: Tx, scheduled_id: int, scheduled_at: str) -> None:
    """Move a scheduled status to another time."""
    await tx.execute(
        "UPDATE scheduled_statuses SET scheduled_at = ? WHERE id = ?", (scheduled_at, scheduled_id)
    )


async def release_media(tx: Tx, scheduled_id: int) -> None:
    """Free the uploads a scheduled status reserved (so the post being published can take them)."""
    await tx.execute(
        "UPDATE media SET scheduled_status_id = NULL WHERE scheduled_status_id = ?",
        (scheduled_id,),
    )


async def delete_scheduled(tx: Tx, scheduled_id: int) -> bool:
    """Remove a scheduled status (its uploads are freed by the schema); False if it was gone."""
    return bool(await tx.execute("DELETE FROM scheduled_statuses WHERE id = ?", (scheduled_id,)))
