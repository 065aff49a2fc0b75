"""Lists of followed accounts, their members, and the list timeline (a slice of the home feed)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import _Row


@dataclass(frozen=True, slots=True, kw_only=True)
class UserList(_Row):
    """A list owned by `account_id`."""

    id: int
    account_id: int
    title: str
    replies_policy: str
    exclusive: int
    created_at: str


async def insert_list(
    tx: Tx, *, id: int, account_id: int, title: str, replies_policy: str, exclusive: bool
) -> UserList:
    """Create a list."""
    created = now_db()
    await tx.execute(
        "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (id, account_id, title, replies_policy, int(exclusive), created),
    )
    return UserList(
        id=id,
        account_id=account_id,
        title=title,
        replies_policy=replies_policy,
        exclusive=int(exclusive),
        created_at=created,
    )


async def update_list(
    tx: Tx, list_id: int, *, title: str, replies_policy: str, exclusive: bool
) -> None:
    """Change a list's title and options."""
    await tx.execute(
        "UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ?",
        (title, replies_policy, int(exclusive), list_id),
    )


async def delete_list(tx: Tx, list_id: int) -> None:
    """Delete a list (its memberships go with it)."""
    await tx.execute("DELETE FROM lists WHERE id = ?", (list_id,))


async def get_list(conn: Conn, owner_id: int, list_id: int) -> UserList | None:
    """One of the owner's lists, or None (someone else's list is None too)."""
    row = await conn.fetchone(
        "SELECT * FROM lists WHERE id = ? AND account_id = ?", (list_id, owner_id)
    )
    return None if row is None else UserList.from_row(row)


async def list_lists(conn: Conn, owner_id: int) -> list[UserList]:
    """Every list of an account, oldest first."""
    rows = await conn.fetchall("SELECT * FROM lists WHERE account_id = ? ORDER BY id", (owner_id,))
    return [UserList.from_row(r) for r in rows]


async def lists_with_member(conn: Conn, owner_id: int, member_id: int) -> list[UserList]:
    """The owner's lists that contain `member_id`, oldest first."""
    rows = await conn.fetchall(
        "SELECT l.* FROM lists l JOIN list_accounts m ON m.list_id = l.id"
        " WHERE l.account_id = ? AND m.account_id = ? ORDER BY l.id",
        (owner_id, member_id),
    )
    return [UserList.from_row(r) for r in rows]


async def list_members(
    conn: Conn,
    list_id: int,
    *,
    max_id: int | None = None,
    since_id: int | None = None,
    min_id: int | None = None,
    limit: int | None = 40,
) -> list[tuple[int, int]]:
    """(membership id, account id) of a list, newest membership first; limit None = all."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    low = min_id if min_id is not None else since_id
    rows = await conn.fetchall(
        "SELECT id, account_id FROM list_accounts WHERE list_id = :l"
        " AND (:max IS NULL OR id < :max) AND (:low IS NULL OR id > :low)"
        f" ORDER BY id {order} LIMIT :limit",
        {"l": list_id, "max": max_id, "low": low, "limit": -1 if limit is None else limit},
    )
    return sorted(((r[0], r[1]) for r in rows), reverse=True)


async def add_members(tx: Tx, list_id: int, account_ids: Sequence[int]) -> None:
    """Add accounts to a list (already-present ones keep their place)."""
    await tx.executemany(
        "INSERT OR IGNORE INTO list_accounts (list_id, account_id, id) VALUES (?, ?, ?)",
        [(list_id, a, new_id()) for a in dict.fromkeys(account_ids)],
    )


async def remove_members(tx: Tx, list_id: int, account_ids: Sequence[int]) -> None:
    """Take accounts out of a list."""
    await tx.execute(
        "DELETE FROM list_accounts WHERE list_id = ?"
        " AND account_id IN (SELECT value FROM json_each(?))",
        (list_id, json.dumps(list(account_ids))),
    )


async def exclusive_member_ids(conn: Conn, owner_id: int) -> set[int]:
    """Members of the owner's exclusive lists (their posts stay out of the owner's home)."""
    rows = await conn.fetchall(
        "SELECT DISTINCT m.account_id FROM lists l JOIN list_accounts m ON m.list_id = l.id"
        " WHERE l.account_id = ? AND l.exclusive = 1",
        (owner_id,),
    )
    return {r[0] for r in rows}


_LIST_FEED = (
    "SELECT f.post_id FROM home_feed f JOIN posts p ON p.id = f.post_id"
    " WHERE f.account_id = :v"
    " AND f.author_id IN (SELECT account_id FROM list_accounts WHERE list_id = :l)"
    " AND (:max IS NULL OR f.post_id < :max) AND (:low IS NULL OR f.post_id > :low)"
    " AND (p.in_reply_to_account_id IS NULL OR p.in_reply_to_account_id = p.account_id"
    "  OR p.in_reply_to_account_id = :v"
    "  OR (:policy = 'list' AND p.in_reply_to_account_id IN"
    "      (SELECT account_id FROM list_accounts WHERE list_id = :l))"
    "  OR (:policy = 'followed' AND EXISTS (SELECT 1 FROM follows WHERE account_id = :v"
    "      AND target_account_id = p.in_reply_to_account_id AND state = 'accepted')))"
    " ORDER BY f.post_id {order} LIMIT :limit"
)


async def list_feed(
    conn: Conn,
    viewer_id: int,
    user_list: UserList,
    *,
    max_id: int | None = None,
    since_id: int | None = None,
    min_id: int | None = None,
    limit: int = 20,
) -> list[int]:
    """Post ids of a list timeline, newest first: the members' posts and boosts in the owner's
    home feed, replies kept according to the list's replies_policy (one indexed scan)."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    params = {
        "v": viewer_id,
        "l": user_list.id,
        "max": max_id,
        "low": min_id if min_id is not None else since_id,
        "policy": user_list.replies_policy,
        "limit": limit,
    }

    def work(c: sqlite3.Connection) -> list[int]:
        return [r[0] for r in c.execute(_LIST_FEED.format(order=order), params)]

    return sorted(await conn.run(work), reverse=True)


async def followed_or_requested_among(
    conn: Conn, owner_id: int, account_ids: Sequence[int]
) -> set[int]:
    """Which of these accounts the owner follows or has asked to follow (one query)."""
    rows = await conn.fetchall(
        "SELECT target_account_id FROM follows WHERE account_id = ?"
        " AND target_account_id IN (SELECT value FROM json_each(?))",
        (owner_id, json.dumps(list(account_ids))),
    )
    return {r[0] for r in rows}
