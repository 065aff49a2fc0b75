"""Durable job rows: enqueue, claim the due ones, complete, retry, give up."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import timedelta
from typing import Any

from fedi.storage.clock import db_in, now_db, to_db, utcnow
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Job

# The declared state graph; every update asserts its transition is allowed.
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"running", "dead"}),
    "retry": frozenset({"running", "dead", "pending"}),
    "running": frozenset({"done", "retry", "dead", "pending"}),
    "dead": frozenset({"pending"}),
    "done": frozenset(),
}


def check_transition(old: str, new: str) -> None:
    """Raise when a job may not move from `old` to `new`."""
    if new not in TRANSITIONS[old]:
        raise ValueError(f"job state {old} -> {new} is not allowed")


async def enqueue(
    tx: Tx,
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    delay: timedelta | None = None,
) -> int | None:
    """Insert a pending job; with a dedupe_key already present, do nothing and return None."""
    now = now_db()
    job_id = new_id()
    changed = await tx.execute(
        "INSERT INTO jobs (id, kind, payload, state, next_attempt_at, dedupe_key, created_at,"
        " updated_at) VALUES (:id, :kind, :payload, 'pending', :due, :dedupe, :now, :now)"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        {
            "id": job_id,
            "kind": kind,
            "payload": json.dumps(payload, separators=(",", ":")),
            "due": db_in(delay) if delay else now,
            "dedupe": dedupe_key,
            "now": now,
        },
    )
    return job_id if changed else None


async def claim_due(tx: Tx, kinds: list[str], *, limit: int, lease: timedelta) -> list[Job]:
    """Mark up to `limit` due jobs of these kinds running (leased) and return them."""
    now = now_db()
    params: dict[str, Any] = {f"k{i}": k for i, k in enumerate(kinds)}
    params.update(now=now, limit=limit, until=db_in(lease))
    # One index range per (kind, state), each already in due order, so a claim reads about
    # `limit` rows however many finished jobs the table still holds.
    parts = []
    for i in range(len(kinds)):
        for state in ("pending", "retry"):
            parts.append(
                f"SELECT * FROM (SELECT * FROM jobs WHERE kind = :k{i} AND state = '{state}'"
                " AND next_attempt_at <= :now ORDER BY next_attempt_at LIMIT :limit)"
            )
        parts.append(
            f"SELECT * FROM (SELECT * FROM jobs WHERE kind = :k{i} AND state = 'running'"
            " AND locked_until <= :now LIMIT :limit)"
        )
    select = (
        "SELECT * FROM (" + " UNION ALL ".join(parts) + ")"
        " ORDER BY next_attempt_at, id LIMIT :limit"
    )

    def claim(conn: sqlite3.Connection) -> list[sqlite3.Row]:
        # Select and lease in one call (the job loops claim after every finished batch).
        rows = conn.execute(select, params).fetchall()
        if rows:
            conn.executemany(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1,"
                " locked_until = :until, updated_at = :now WHERE id = :id",
                [{"until": params["until"], "now": now, "id": r["id"]} for r in rows],
            )
        return rows

    return [
        dataclasses.replace(
            Job.from_row(r),
            state="running",
            attempts=r["attempts"] + 1,
            locked_until=params["until"],
        )
        for r in await tx.run(claim)
    ]


async def complete_many(tx: Tx, job_ids: list[int]) -> None:
    """Mark running jobs done, in one statement batch (the job loops' finished work)."""
    if not job_ids:
        return
    now = now_db()
    await tx.executemany(
        "UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = ?"
        " WHERE id = ? AND state = 'running'",
        [(now, job_id) for job_id in job_ids],
    )


async def complete(tx: Tx, job_id: int) -> None:
    """Mark a running job done."""
    await _move(tx, job_id, "done", {})


async def retry(tx: Tx, job_id: int, *, delay: timedelta, error: str) -> None:
    """Schedule a running job for another attempt after `delay`."""
    await _move(tx, job_id, "retry", {"next_attempt_at": db_in(delay), "last_error": error[:2000]})


async def give_up(tx: Tx, job_id: int, *, error: str) -> None:
    """Mark a job dead (no more attempts)."""
    await _move(tx, job_id, "dead", {"last_error": error[:2000]})


async def requeue(tx: Tx, job_id: int) -> bool:
    """Put a dead or retrying job back to pending, due now; False if it was not in such a state."""
    job = await get(tx, job_id)
    if job is None or job.state not in ("dead", "retry"):
        return False
    await _move(tx, job_id, "pending", {"next_attempt_at": now_db(), "attempts": 0})
    return True


async def _move(tx: Tx, job_id: int, state: str, extra: dict[str, Any]) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in extra)
    sql = "UPDATE jobs SET state = :state, locked_until = NULL, updated_at = :now"
    sql += (", " + sets if sets else "") + " WHERE id = :id"
    params = {"state": state, "now": now_db(), "id": job_id, **extra}

    def move(conn: sqlite3.Connection) -> None:
        # Read, check and update in one thread hop (every finished job passes through here).
        found = conn.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if found is None:
            raise ValueError(f"job {job_id} does not exist")
        check_transition(found[0], state)
        conn.execute(sql, params)

    await tx.run(move)


async def get(conn: Conn, job_id: int) -> Job | None:
    """One job by id."""
    row = await conn.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
    return None if row is None else Job.from_row(row)


async def list_jobs(
    conn: Conn, *, state: str | None = None, kind: str | None = None, limit: int = 100
) -> list[Job]:
    """Jobs, newest first, optionally filtered by state and kind."""
    rows = await conn.fetchall(
        "SELECT * FROM jobs WHERE (:state IS NULL OR state = :state)"
        " AND (:kind IS NULL OR kind = :kind) ORDER BY id DESC LIMIT :limit",
        {"state": state, "kind": kind, "limit": limit},
    )
    return [Job.from_row(r) for r in rows]


async def next_due_at(conn: Conn, kinds: list[str]) -> str | None:
    """When the next pending/retry job of these kinds is due (None if none)."""
    marks = ",".join("?" for _ in kinds)
    return await conn.fetchval(  # type: ignore[no-any-return]
        f"SELECT min(coalesce(CASE WHEN state = 'running' THEN locked_until END,"  # noqa: S608
        f" next_attempt_at)) FROM jobs WHERE kind IN ({marks})"
        " AND state IN ('pending', 'retry', 'running')",
        kinds,
    )


async def purge_done(tx: Tx, *, older_than: timedelta) -> int:
    """Delete finished jobs older than the given age."""
    return await tx.execute(
        "DELETE FROM jobs WHERE state = 'done' AND updated_at < ?",
        (to_db(utcnow() - older_than),),
    )


async def enqueue_many(tx: Tx, kind: str, items: list[tuple[dict[str, Any], str | None]]) -> int:
    """Insert pending jobs (payload, dedupe_key) in one round trip; duplicates are skipped.

    Returns how many were inserted.
    """
    if not items:
        return 0
    now = now_db()
    rows = [
        {
            "id": new_id(),
            "kind": kind,
            "payload": json.dumps(payload, separators=(",", ":")),
            "dedupe": dedupe_key,
            "now": now,
        }
        for payload, dedupe_key in items
    ]

    def insert(conn: sqlite3.Connection) -> int:
        before = conn.total_changes
        conn.executemany(
            "INSERT INTO jobs (id, kind, payload, state, next_attempt_at, dedupe_key, created_at,"
            " updated_at) VALUES (:id, :kind, :payload, 'pending', :now, :dedupe, :now, :now)"
            " ON CONFLICT (dedupe_key) DO NOTHING",
            rows,
        )
        return conn.total_changes - before

    return await tx.run(insert)


async def count_waiting_for_actor(conn: Conn, actor_id: int, kinds: list[str]) -> int:
    """Jobs of these kinds (fanout, deliver) for one actor that are not finished yet."""
    marks = ",".join("?" for _ in kinds)
    return int(
        await conn.fetchval(
            f"SELECT count(*) FROM jobs WHERE kind IN ({marks})"  # noqa: S608 - placeholders only
            " AND state IN ('pending', 'running', 'retry')"
            " AND json_extract(payload, '$.actor_id') = ?",
            [*kinds, actor_id],
        )
    )
