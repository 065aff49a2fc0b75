"""Materialised home timelines: rows written at fan-in, read by one range scan."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from fedi.storage.db import Conn, Tx


async def insert_feed_rows(tx: Tx, *, post_id: int, author_id: int, account_ids: list[int]) -> None:
    """Put a post into the home feeds of these accounts."""
    await tx.executemany(
        "INSERT OR IGNORE INTO home_feed (account_id, post_id, author_id) VALUES (?, ?, ?)",
        [(a, post_id, author_id) for a in set(account_ids)],
    )


async def backfill_author(
    tx: Tx, *, account_id: int, author_id: int, visibilities: tuple[str, ...], limit: int = 40
) -> None:
    """Copy an author's recent posts into a new follower's home feed."""
    marks = ",".join("?" for _ in visibilities)
    await tx.execute(
        "INSERT OR IGNORE INTO home_feed (account_id, post_id, author_id)"
        " SELECT ?, id, account_id FROM posts WHERE account_id = ? AND deleted_at IS NULL"  # noqa: S608
        f" AND visibility IN ({marks}) ORDER BY id DESC LIMIT ?",
        (account_id, author_id, *visibilities, limit),
    )


async def remove_author(tx: Tx, *, account_id: int, author_id: int) -> None:
    """Take an author's posts out of a home feed (after an unfollow), except mentions of them."""
    await tx.execute(
        "DELETE FROM home_feed WHERE account_id = ? AND author_id = ? AND post_id NOT IN"
        " (SELECT post_id FROM post_mentions WHERE account_id = ?)",
        (account_id, author_id, account_id),
    )


async def list_feed(
    conn: Conn,
    account_id: int,
    *,
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = 20,
) -> list[int]:
    """Post ids of a home feed, newest first, paged by post id."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        "SELECT post_id FROM home_feed WHERE account_id = :a"
        " AND (:max_id IS NULL OR post_id < :max_id) AND (:min_id IS NULL OR post_id > :min_id)"
        f" ORDER BY post_id {order} LIMIT :limit",
        {"a": account_id, "max_id": max_id, "min_id": min_id, "limit": limit},
    )
    return sorted((r[0] for r in rows), reverse=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveFacts:
    """What routing a status to live streams needs: who holds it in their home feed (among the
    accounts asked about), its hashtags and the accounts it mentions."""

    home_ids: list[int]
    tags: list[str]
    mentioned_ids: list[int]


async def live_facts(conn: Conn, post_id: int, account_ids: list[int]) -> LiveFacts:
    """Home-feed holders among `account_ids`, hashtags and mentions of a post, in one hop."""
    wanted = sorted(set(account_ids))

    def work(c: sqlite3.Connection) -> LiveFacts:
        home: list[int] = []
        if wanted:
            marks = ",".join("?" for _ in wanted)
            home = [
                r[0]
                for r in c.execute(
                    "SELECT account_id FROM home_feed WHERE post_id = ?"  # noqa: S608
                    f" AND account_id IN ({marks})",
                    (post_id, *wanted),
                )
            ]
        tags = [r[0] for r in c.execute("SELECT tag FROM post_tags WHERE post_id = ?", (post_id,))]
        mentioned = [
            r[0]
            for r in c.execute("SELECT account_id FROM post_mentions WHERE post_id = ?", (post_id,))
        ]
        return LiveFacts(home_ids=sorted(home), tags=sorted(tags), mentioned_ids=sorted(mentioned))

    return await conn.run(work)
