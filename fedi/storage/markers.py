"""Reading positions (markers) of the home timeline and the notifications, per account."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import _Row


@dataclass(frozen=True, slots=True, kw_only=True)
class Marker(_Row):
    account_id: int
    timeline: str
    last_read_id: int
    version: int
    updated_at: str


async def get_markers(conn: Conn, account_id: int, timelines: Sequence[str]) -> list[Marker]:
    """The account's markers for these timelines (only the ones that exist)."""
    rows = await conn.fetchall(
        "SELECT * FROM markers WHERE account_id = ?"
        " AND timeline IN (SELECT value FROM json_each(?)) ORDER BY timeline",
        (account_id, json.dumps(list(timelines))),
    )
    return [Marker.from_row(r) for r in rows]


async def save_markers(tx: Tx, account_id: int, positions: Mapping[str, int]) -> list[Marker]:
    """Set markers (the version goes up by one each time); return them, in one hop."""
    now = now_db()

    def work(c: sqlite3.Connection) -> list[Marker]:
        c.executemany(
            "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)"
            " VALUES (?, ?, ?, 1, ?) ON CONFLICT (account_id, timeline) DO UPDATE SET"
            " last_read_id = excluded.last_read_id, version = markers.version + 1,"
            " updated_at = excluded.updated_at",
            [(account_id, timeline, last, now) for timeline, last in positions.items()],
        )
        rows = c.execute(
            "SELECT * FROM markers WHERE account_id = ?"
            " AND timeline IN (SELECT value FROM json_each(?)) ORDER BY timeline",
            (account_id, json.dumps(list(positions))),
        )
        return [Marker.from_row(r) for r in rows]

    return await tx.run(work)
