"""Hashtags local accounts follow (a trigger of migration 0008 fans their posts into home)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx


async def follow_tag(tx: Tx, *, id: int, account_id: int, tag: str) -> bool:
    """Follow a hashtag; False if already followed."""
    return bool(
        await tx.execute(
            "INSERT INTO followed_tags (id, account_id, tag, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (account_id, tag) DO NOTHING",
            (id, account_id, tag, now_db()),
        )
    )


async def unfollow_tag(tx: Tx, account_id: int, tag: str) -> bool:
    """Stop following a hashtag; False if it was not followed."""
    return bool(
        await tx.execute(
            "DELETE FROM followed_tags WHERE account_id = ? AND tag = ?", (account_id, tag)
        )
    )


async def followed_among(conn: Conn, account_id: int, tags: Sequence[str]) -> set[str]:
    """Which of these hashtags the account follows (one query)."""
    if not tags:
        return set()
    rows = await conn.fetchall(
        "SELECT tag FROM followed_tags WHERE account_id = ?"
        " AND tag IN (SELECT value FROM json_each(?))",
        (account_id, json.dumps(list(tags))),
    )
    return {r[0] for r in rows}


async def list_followed_tags(
    conn: Conn,
    account_id: int,
    *,
    max_id: int | None = None,
    since_id: int | None = None,
    min_id: int | None = None,
    limit: int = 100,
) -> list[tuple[int, str]]:
    """(row id, tag) the account follows, newest first, paged by row id."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        "SELECT id, tag FROM followed_tags WHERE account_id = :a"
        " AND (:max IS NULL OR id < :max) AND (:low IS NULL OR id > :low)"
        f" ORDER BY id {order} LIMIT :limit",
        {
            "a": account_id,
            "max": max_id,
            "low": min_id if min_id is not None else since_id,
            "limit": limit,
        },
    )
    return sorted(((r[0], r[1]) for r in rows), reverse=True)
