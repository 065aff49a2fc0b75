"""Notifications: follow, follow_request, mention, reply, favourite, and more later."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Notification


async def insert_notification(
    tx: Tx, *, account_id: int, from_account_id: int, type: str, post_id: int | None = None
) -> int | None:
    """Notify `account_id`; nobody is notified of their own actions (returns None then)."""
    if account_id == from_account_id:
        return None
    notification_id = new_id()
    await tx.execute(
        "INSERT INTO notifications (id, account_id, from_account_id, type, post_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (notification_id, account_id, from_account_id, type, post_id, now_db()),
    )
    return notification_id


async def delete_notifications(
    tx: Tx, *, account_id: int, from_account_id: int, type: str, post_id: int | None = None
) -> int:
    """Withdraw notifications (an unlike, an unfollow, a withdrawn request), those held back
    by the notification policy too (one hop); returns how many shown ones went."""
    params = (account_id, from_account_id, type, post_id)

    def run(conn: sqlite3.Connection) -> int:
        conn.execute(
            "DELETE FROM filtered_notifications WHERE account_id = ? AND from_account_id = ?"
            " AND type = ? AND post_id IS ?",
            params,
        )
        return conn.execute(
            "DELETE FROM notifications WHERE account_id = ? AND from_account_id = ? AND type = ?"
            " AND post_id IS ?",
            params,
        ).rowcount

    return await tx.run(run)


async def list_notifications(
    conn: Conn,
    account_id: int,
    *,
    types: tuple[str, ...] | None = None,
    max_id: int | None = None,
    min_id: int | None = None,
    limit: int = 30,
) -> list[Notification]:
    """A user's notifications, newest first, optionally only some types."""
    params: dict[str, object] = {
        "a": account_id,
        "max_id": max_id,
        "min_id": min_id,
        "limit": limit,
    }
    type_sql = ""
    if types:
        type_sql = " AND type IN (" + ",".join(f":t{i}" for i in range(len(types))) + ")"
        params.update({f"t{i}": t for i, t in enumerate(types)})
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        "SELECT * FROM notifications WHERE account_id = :a"
        " AND (:max_id IS NULL OR id < :max_id) AND (:min_id IS NULL OR id > :min_id)"
        f"{type_sql} ORDER BY id {order} LIMIT :limit",
        params,
    )
    return sorted((Notification.from_row(r) for r in rows), key=lambda n: n.id, reverse=True)


async def count_unread(conn: Conn, account_id: int) -> int:
    """Notifications not yet seen."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM notifications WHERE account_id = ? AND read_at IS NULL",
            (account_id,),
        )
    )


async def mark_all_read(tx: Tx, account_id: int) -> None:
    """Mark every notification of a user as seen."""
    await tx.execute(
        "UPDATE notifications SET read_at = ? WHERE account_id = ? AND read_at IS NULL",
        (now_db(), account_id),
    )


# --- the client API's reads (issue 4) ---------------------------------------------------------

_API_LIST = (
    "SELECT * FROM notifications WHERE account_id = :a"
    " AND (:max IS NULL OR id < :max) AND (:low IS NULL OR id > :low)"
    " AND (:types IS NULL OR type IN (SELECT value FROM json_each(:types)))"
    " AND (:excluded IS NULL OR type NOT IN (SELECT value FROM json_each(:excluded)))"
    " AND (:from IS NULL OR from_account_id = :from)"
    " AND from_account_id NOT IN (SELECT value FROM json_each(:hidden))"
    " ORDER BY id {order} LIMIT :limit"
)


async def list_notifications_filtered(
    conn: Conn,
    account_id: int,
    *,
    types: Sequence[str] | None = None,
    exclude_types: Sequence[str] | None = None,
    from_account_id: int | None = None,
    hidden_account_ids: Iterable[int] = (),
    max_id: int | None = None,
    since_id: int | None = None,
    min_id: int | None = None,
    limit: int = 40,
    with_held: bool = False,
) -> list[Notification]:
    """A user's notifications, newest first, by stored type (only/except), from one account,
    leaving out the hidden accounts'; `min_id` pages upwards from the cursor, all bounds exclusive.
    With `with_held`, those the notification policy holds back are listed too."""
    order = "ASC" if min_id is not None and max_id is None else "DESC"
    rows = await conn.fetchall(
        (_WITH_HELD if with_held else _API_LIST).format(order=order),
        {
            "a": account_id,
            "max": max_id,
            "low": min_id if min_id is not None else since_id,
            "types": None if types is None else json.dumps(list(types)),
            "excluded": None if not exclude_types else json.dumps(list(exclude_types)),
            "from": from_account_id,
            "hidden": json.dumps(sorted(hidden_account_ids)),
            "limit": limit,
        },
    )
    return sorted((Notification.from_row(r) for r in rows), key=lambda n: n.id, reverse=True)


async def get_notification(
    conn: Conn, account_id: int, notification_id: int
) -> Notification | None:
    """One of the user's notifications, or None."""
    row = await conn.fetchone(
        "SELECT * FROM notifications WHERE id = ? AND account_id = ?",
        (notification_id, account_id),
    )
    return None if row is None else Notification.from_row(row)


async def delete_notification(tx: Tx, account_id: int, notification_id: int) -> bool:
    """Dismiss one of the user's notifications; False if there was none."""
    return bool(
        await tx.execute(
            "DELETE FROM notifications WHERE id = ? AND account_id = ?",
            (notification_id, account_id),
        )
    )


async def delete_all_notifications(tx: Tx, account_id: int) -> int:
    """Clear every notification of a user."""
    return await tx.execute("DELETE FROM notifications WHERE account_id = ?", (account_id,))


async def count_unread_after(
    conn: Conn,
    account_id: int,
    *,
    after_id: int,
    hidden_account_ids: Iterable[int] = (),
    limit: int = 100,
) -> int:
    """Notifications newer than `after_id` and not seen on the web, from accounts not hidden,
    counted up to `limit`."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM (SELECT 1 FROM notifications WHERE account_id = :a"
            " AND id > :after AND read_at IS NULL"
            " AND from_account_id NOT IN (SELECT value FROM json_each(:hidden)) LIMIT :limit)",
            {
                "a": account_id,
                "after": after_id,
                "hidden": json.dumps(sorted(hidden_account_ids)),
                "limit": limit,
            },
        )
    )


# --- held by the notification policy (migration 0013) -----------------------------------------

_COLUMNS = "id, account_id, from_account_id, type, post_id, created_at, read_at"
_WITH_HELD = _API_LIST.replace(
    "FROM notifications",
    f"FROM (SELECT {_COLUMNS} FROM notifications"
    f" UNION ALL SELECT {_COLUMNS} FROM filtered_notifications)",
    1,
)
