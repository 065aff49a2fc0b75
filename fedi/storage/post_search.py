"""Finding the searcher's own posts by text (until the search index exists, issue 6)."""

from __future__ import annotations

from fedi.storage.db import Conn
from fedi.storage.rows import Post


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_own_posts(
    conn: Conn,
    account_id: int,
    text: str,
    *,
    max_id: int | None = None,
    limit: int,
    offset: int = 0,
) -> list[Post]:
    """The account's own live posts whose text or content warning contains `text`, newest first."""
    pattern = "%" + _like(text) + "%"
    rows = await conn.fetchall(
        "SELECT * FROM posts WHERE account_id = :a AND deleted_at IS NULL AND reblog_of_id IS NULL"
        " AND (source LIKE :p ESCAPE '\\' OR content_warning LIKE :p ESCAPE '\\')"
        " AND (:max IS NULL OR id < :max) ORDER BY id DESC LIMIT :limit OFFSET :offset",
        {"a": account_id, "p": pattern, "max": max_id, "limit": limit, "offset": offset},
    )
    return [Post.from_row(r) for r in rows]
