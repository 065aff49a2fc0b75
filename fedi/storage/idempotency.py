"""What posting through the API remembers: Idempotency-Key replays and the app of each post."""

from __future__ import annotations

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx


async def claim_key(tx: Tx, *, account_id: int, key: str, expired_before: str) -> int | None:
    """Reserve an Idempotency-Key for a new post: None when reserved now (go on and post).

    An existing live key answers its post id, or 0 while its first request is still running;
    a key older than `expired_before` (or whose post is gone) is taken over. The account's
    expired keys are forgotten on the way (an index range of its own rows).
    """
    await tx.execute(
        "DELETE FROM idempotency_keys WHERE account_id = :a AND (created_at < :before"
        " OR (key = :key AND post_id IS NOT NULL AND post_id NOT IN"
        " (SELECT id FROM posts WHERE deleted_at IS NULL)))",
        {"a": account_id, "key": key, "before": expired_before},
    )
    inserted = await tx.execute(
        "INSERT INTO idempotency_keys (account_id, key, post_id, created_at)"
        " VALUES (?, ?, NULL, ?) ON CONFLICT (account_id, key) DO NOTHING",
        (account_id, key, now_db()),
    )
    if inserted:
        return None
    found = await tx.fetchval(
        "SELECT post_id FROM idempotency_keys WHERE account_id = ? AND key = ?", (account_id, key)
    )
    return int(found or 0)


async def get_key_post(conn: Conn, *, account_id: int, key: str, expired_before: str) -> int | None:
    """The post id a live Idempotency-Key made, or None."""
    found = await conn.fetchval(
        "SELECT post_id FROM idempotency_keys WHERE account_id = ? AND key = ? AND created_at >= ?",
        (account_id, key, expired_before),
    )
    return None if found is None else int(found)


async def complete_key(tx: Tx, *, account_id: int, key: str, post_id: int) -> None:
    """Record the post a reserved key made."""
    await tx.execute(
        "UPDATE idempotency_keys SET post_id = ? WHERE account_id = ? AND key = ?",
        (post_id, account_id, key),
    )


async def release_key(tx: Tx, *, account_id: int, key: str) -> None:
    """Drop a reservation whose post was not made (the request failed)."""
    await tx.execute(
        "DELETE FROM idempotency_keys WHERE account_id = ? AND key = ? AND post_id IS NULL",
        (account_id, key),
    )


async def purge_keys(tx: Tx, *, expired_before: str) -> int:
    """Forget keys older than the replay window."""
    return await tx.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (expired_before,))


async def insert_post_app(tx: Tx, *, post_id: int, app_id: int) -> None:
    """Remember the app a local post was written with."""
    await tx.execute(
        "INSERT INTO post_apps (post_id, app_id) VALUES (?, ?) ON CONFLICT (post_id) DO NOTHING",
        (post_id, app_id),
    )
