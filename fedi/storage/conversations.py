"""Direct conversations: a viewer's direct posts grouped by thread, with read/hidden marks.

A conversation is keyed by its thread root (`coalesce(thread_root_id, id)`); its last status is
the newest live direct post of that thread that the viewer wrote or is mentioned in.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedi.storage.db import Conn, Tx


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationRow:
    """One conversation of a viewer: its root, its newest post, and whether it is unread."""

    root_id: int
    last_post_id: int
    unread: bool


_CONVERSATIONS = (
    "WITH mine AS ("
    "  SELECT id FROM posts WHERE account_id = :v AND visibility = 'direct'"
    "  AND deleted_at IS NULL"
    "  UNION SELECT m.post_id FROM post_mentions m JOIN posts p ON p.id = m.post_id"
    "  WHERE m.account_id = :v AND p.visibility = 'direct' AND p.deleted_at IS NULL),"
    " grouped AS ("
    "  SELECT coalesce(p.thread_root_id, p.id) AS root, max(p.id) AS last_id"
    "  FROM mine JOIN posts p ON p.id = mine.id GROUP BY root)"
    " SELECT g.root, g.last_id, (g.last_id > coalesce(m.read_up_to, 0)"
    "   AND last.account_id <> :v) AS unread"
    " FROM grouped g JOIN posts last ON last.id = g.last_id"
    " LEFT JOIN conversation_marks m ON m.account_id = :v AND m.root_id = g.root"
    " WHERE g.last_id > coalesce(m.hidden_up_to, 0)"
    " AND (:root IS NULL OR g.root = :root)"
    " AND (:max IS NULL OR g.last_id < :max) AND (:low IS NULL OR g.last_id > :low)"
    " ORDER BY g.last_id {order} LIMIT :limit"
)


async def list_conversations(
    conn: Conn,
    viewer_id: int,
    *,
    root_id: int | None = None,
    max_id: int | None = None,
    since_id: int | None = None,
    min_id: int | None = None,
    limit: int = 20,
) -> list[ConversationRow]:
    """The viewer's visible conversations, newest last post first, paged by last post id."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        _CONVERSATIONS.format(order=order),
        {
            "v": viewer_id,
            "root": root_id,
            "max": max_id,
            "low": min_id if min_id is not None else since_id,
            "limit": limit,
        },
    )
    found = [ConversationRow(root_id=r[0], last_post_id=r[1], unread=bool(r[2])) for r in rows]
    return sorted(found, key=lambda c: c.last_post_id, reverse=True)


async def mark_conversation(
    tx: Tx, viewer_id: int, root_id: int, *, read_up_to: int, hidden_up_to: int = 0
) -> None:
    """Move a conversation's read (and hidden) mark forward, never back."""
    await tx.execute(
        "INSERT INTO conversation_marks (account_id, root_id, read_up_to, hidden_up_to)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, root_id) DO UPDATE SET"
        " read_up_to = max(read_up_to, excluded.read_up_to),"
        " hidden_up_to = max(hidden_up_to, excluded.hidden_up_to)",
        (viewer_id, root_id, read_up_to, hidden_up_to),
    )
