"""Remote hosts' delivery health: failure streaks, the unavailable mark, deliveries per host.

A host row exists once we have failed or succeeded to deliver there. `consecutive_failures` feeds
the circuit breaker; `first_failure_at` starts the current failure streak, and a streak that lasts
long enough sets `unavailable_since` (new deliveries to that host are dropped until it talks to us
again). Deliveries are `deliver` jobs whose payload names the `host`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from fedi.storage.clock import now_db, to_db, utcnow
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import _Row


@dataclass(frozen=True, slots=True, kw_only=True)
class Host(_Row):
    domain: str
    first_failure_at: str | None = None
    last_failure_at: str | None = None
    consecutive_failures: int = 0
    unavailable_since: str | None = None
    last_success_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HostDeliveries(_Row):
    """One line of the operator's federation view: a host's deliveries by state, and its health."""

    domain: str
    queued: int = 0
    retrying: int = 0
    dead: int = 0
    consecutive_failures: int = 0
    first_failure_at: str | None = None
    last_failure_at: str | None = None
    unavailable_since: str | None = None
    last_success_at: str | None = None


async def get_host(conn: Conn, domain: str) -> Host | None:
    """One host's delivery health, or None if we never recorded anything about it."""
    row = await conn.fetchone("SELECT * FROM hosts WHERE domain = ?", (domain,))
    return None if row is None else Host.from_row(row)


async def record_failure(tx: Tx, domain: str, *, unavailable_after: timedelta) -> Host:
    """Count a failed delivery; a streak older than `unavailable_after` marks the host unavailable.

    Writes (upserts) the host row and returns it as stored.
    """
    now = now_db()
    await tx.execute(
        "INSERT INTO hosts (domain, first_failure_at, last_failure_at, consecutive_failures)"
        " VALUES (:domain, :now, :now, 1) ON CONFLICT (domain) DO UPDATE SET"
        " first_failure_at = coalesce(first_failure_at, :now), last_failure_at = :now,"
        " consecutive_failures = consecutive_failures + 1",
        {"domain": domain, "now": now},
    )
    await tx.execute(
        "UPDATE hosts SET unavailable_since = :now WHERE domain = :domain"
        " AND unavailable_since IS NULL AND first_failure_at <= :cutoff",
        {"domain": domain, "now": now, "cutoff": to_db(utcnow() - unavailable_after)},
    )
    host = await get_host(tx, domain)
    assert host is not None
    return host


async def record_success(tx: Tx, domain: str) -> None:
    """A delivery succeeded (or the host talked to us): end any failure streak and revive it."""
    await tx.execute(
        "INSERT INTO hosts (domain, last_success_at) VALUES (:domain, :now)"
        " ON CONFLICT (domain) DO UPDATE SET first_failure_at = NULL, last_failure_at = NULL,"
        " consecutive_failures = 0, unavailable_since = NULL, last_success_at = :now",
        {"domain": domain, "now": now_db()},
    )


async def list_unavailable(conn: Conn, domains: Iterable[str]) -> set[str]:
    """Which of these hosts are marked unavailable, in one query."""
    wanted = sorted(set(domains))
    if not wanted:
        return set()
    marks = ",".join("?" for _ in wanted)
    rows = await conn.fetchall(
        f"SELECT domain FROM hosts WHERE unavailable_since IS NOT NULL"  # noqa: S608 - marks only
        f" AND domain IN ({marks})",
        wanted,
    )
    return {r[0] for r in rows}


async def list_host_deliveries(conn: Conn, *, limit: int = 200) -> list[HostDeliveries]:
    """Hosts with unfinished deliveries or a failure record, the most troubled first (one query)."""
    rows = await conn.fetchall(
        "WITH counts AS (SELECT json_extract(payload, '$.host') AS domain,"
        " sum(state IN ('pending', 'running')) AS queued, sum(state = 'retry') AS retrying,"
        " sum(state = 'dead') AS dead FROM jobs WHERE kind = 'deliver' AND state <> 'done'"
        " GROUP BY json_extract(payload, '$.host')),"
        " listed AS (SELECT domain FROM counts WHERE domain IS NOT NULL UNION SELECT domain"
        " FROM hosts WHERE consecutive_failures > 0 OR unavailable_since IS NOT NULL)"
        " SELECT l.domain, coalesce(c.queued, 0) AS queued, coalesce(c.retrying, 0) AS retrying,"
        " coalesce(c.dead, 0) AS dead, coalesce(h.consecutive_failures, 0) AS consecutive_failures,"
        " h.first_failure_at, h.last_failure_at, h.unavailable_since, h.last_success_at"
        " FROM listed l LEFT JOIN counts c ON c.domain = l.domain"
        " LEFT JOIN hosts h ON h.domain = l.domain"
        " ORDER BY h.unavailable_since IS NULL, dead DESC, consecutive_failures DESC,"
        " retrying DESC, queued DESC, l.domain LIMIT :limit",
        {"limit": limit},
    )
    return [HostDeliveries.from_row(r) for r in rows]


async def requeue_dead_deliveries(tx: Tx, domain: str) -> int:
    """Put a host's dead deliveries back to pending, due now (attempts reset); return how many."""
    return await tx.execute(
        "UPDATE jobs SET state = 'pending', attempts = 0, next_attempt_at = :now,"
        " locked_until = NULL, updated_at = :now WHERE kind = 'deliver' AND state <> 'done'"
        " AND state = 'dead' AND json_extract(payload, '$.host') = :domain",
        {"domain": domain, "now": now_db()},
    )
