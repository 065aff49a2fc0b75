"""Likes (favourites) of posts."""

from __future__ import annotations

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Like


async def insert_like(
    tx: Tx, *, id: int, account_id: int, post_id: int, uri: str | None = None
) -> bool:
    """Like a post; False if already liked."""
    return bool(
        await tx.execute(
            "INSERT INTO likes (id, account_id, post_id, uri, created_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (account_id, post_id) DO NOTHING",
            (id, account_id, post_id, uri, now_db()),
        )
    )


async def delete_like(tx: Tx, account_id: int, post_id: int) -> bool:
    """Unlike a post; False if it was not liked."""
    return bool(
        await tx.execute(
            "DELETE FROM likes WHERE account_id = ? AND post_id = ?", (account_id, post_id)
        )
    )


async def count_likes(conn: Conn, post_ids: list[int]) -> dict[int, int]:
    """Likes per post, in one query."""
    if not post_ids:
        return {}
    marks = ",".join("?" for _ in post_ids)
    rows = await conn.fetchall(
        f"SELECT post_id, count(*) AS n FROM likes WHERE post_id IN ({marks}) GROUP BY post_id",  # noqa: S608
        post_ids,
    )
    return {r["post_id"]: r["n"] for r in rows}


async def liked_among(conn: Conn, account_id: int, post_ids: list[int]) -> set[int]:
    """Which of these posts the account has liked, in one query."""
    if not post_ids:
        return set()
    marks = ",".join("?" for _ in post_ids)
    rows = await conn.fetchall(
        f"SELECT post_id FROM likes WHERE account_id = ? AND post_id IN ({marks})",  # noqa: S608
        (account_id, *post_ids),
    )
    return {r[0] for r in rows}


async def get_like_by_uri(conn: Conn, uri: str) -> Like | None:
    """A like by the id of its Like activity, or None."""
    row = await conn.fetchone("SELECT * FROM likes WHERE uri = ?", (uri,))
    return None if row is None else Like.from_row(row)
