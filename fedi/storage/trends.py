"""Hashtag usage and trends, counted from real rows: post_tags, likes and boosts.

Post ids are time-sortable (milliseconds << 16), so "since a time" is an id range and the day of a
post is `(id >> 16) / 86400000`: every query here is an index range scan over recent rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from fedi.storage.db import Conn

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True, kw_only=True)
class DayUse:
    """How often a hashtag was used on one UTC day (day = days since the epoch)."""

    tag: str
    day: int
    uses: int
    accounts: int


async def tag_history(conn: Conn, tags: Sequence[str], *, since_id: int) -> list[DayUse]:
    """Per tag and day since `since_id`: live public/unlisted posts and distinct authors."""
    if not tags:
        return []
    rows = await conn.fetchall(
        "SELECT t.tag, (t.post_id >> 16) / :day AS day, count(*), count(DISTINCT p.account_id)"
        " FROM post_tags t JOIN posts p ON p.id = t.post_id"
        " WHERE t.tag IN (SELECT value FROM json_each(:tags)) AND t.post_id >= :since"
        " AND p.deleted_at IS NULL AND p.visibility IN ('public', 'unlisted')"
        " GROUP BY t.tag, day",
        {"tags": json.dumps(list(tags)), "since": since_id, "day": DAY_MS},
    )
    return [DayUse(tag=r[0], day=r[1], uses=r[2], accounts=r[3]) for r in rows]


async def known_tags(conn: Conn, tags: Sequence[str]) -> set[str]:
    """Which of these hashtags were ever used here."""
    if not tags:
        return set()
    rows = await conn.fetchall(
        "SELECT value FROM json_each(?) WHERE EXISTS (SELECT 1 FROM post_tags WHERE tag = value)",
        (json.dumps(list(tags)),),
    )
    return {r[0] for r in rows}


async def search_tags(conn: Conn, prefix: str, *, limit: int, offset: int = 0) -> list[str]:
    """Hashtags used here that start with `prefix` (normalised), alphabetically."""
    rows = await conn.fetchall(
        "SELECT DISTINCT tag FROM post_tags WHERE tag >= :lo AND tag < :hi"
        " ORDER BY tag LIMIT :limit OFFSET :offset",
        {"lo": prefix, "hi": prefix + "\U0010ffff", "limit": limit, "offset": offset},
    )
    return [r[0] for r in rows]


async def trending_tags(
    conn: Conn, *, since_id: int, limit: int, offset: int = 0
) -> list[tuple[str, int, int]]:
    """(tag, distinct accounts, uses) of public posts since `since_id`, most accounts first."""
    rows = await conn.fetchall(
        "SELECT t.tag, count(DISTINCT p.account_id) AS people, count(*) AS uses"
        " FROM post_tags t JOIN posts p ON p.id = t.post_id"
        " WHERE t.post_id >= :since AND p.visibility = 'public' AND p.deleted_at IS NULL"
        " GROUP BY t.tag ORDER BY people DESC, uses DESC, t.tag LIMIT :limit OFFSET :offset",
        {"since": since_id, "limit": limit, "offset": offset},
    )
    return [(r[0], r[1], r[2]) for r in rows]


async def trending_post_ids(conn: Conn, *, since_id: int, limit: int, offset: int = 0) -> list[int]:
    """Live public original posts since `since_id` with the most favourites + boosts."""
    rows = await conn.fetchall(
        "WITH scores AS ("
        "  SELECT post_id AS id, count(*) AS n FROM likes WHERE post_id >= :since GROUP BY post_id"
        "  UNION ALL SELECT reblog_of_id, count(*) FROM posts"
        "  WHERE reblog_of_id >= :since AND deleted_at IS NULL GROUP BY reblog_of_id)"
        " SELECT s.id, sum(s.n) AS score FROM scores s JOIN posts p ON p.id = s.id"
        " WHERE p.visibility = 'public' AND p.deleted_at IS NULL AND p.reblog_of_id IS NULL"
        " GROUP BY s.id ORDER BY score DESC, s.id DESC LIMIT :limit OFFSET :offset",
        {"since": since_id, "limit": limit, "offset": offset},
    )
    return [r[0] for r in rows]
