"""The options of a follow: boosts shown, new posts notified, languages (JSON or NULL).

The home feed side is enforced by the `home_feed_follow_options` trigger (migration 0015);
these functions change the options and find who wants to hear of an account's new posts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from fedi.storage.db import Conn, Tx


async def update_follow_options(
    tx: Tx,
    account_id: int,
    target_account_id: int,
    *,
    show_reblogs: bool,
    notify: bool,
    languages: Sequence[str] | None,
) -> bool:
    """Set the options of a follow or request; False if there is none."""
    return bool(
        await tx.execute(
            "UPDATE follows SET show_reblogs = :reblogs, notify = :notify, languages = :languages"
            " WHERE account_id = :a AND target_account_id = :t",
            {
                "reblogs": int(show_reblogs),
                "notify": int(notify),
                "languages": json.dumps(list(languages)) if languages else None,
                "a": account_id,
                "t": target_account_id,
            },
        )
    )


async def remove_boosts_from_feed(tx: Tx, account_id: int, author_id: int) -> int:
    """Take an author's boosts out of a home feed (the follower stopped showing them)."""
    return await tx.execute(
        "DELETE FROM home_feed WHERE account_id = :a AND author_id = :author AND post_id IN"
        " (SELECT id FROM posts WHERE account_id = :author AND reblog_of_id IS NOT NULL)",
        {"a": account_id, "author": author_id},
    )


async def list_status_subscribers(conn: Conn, author_id: int) -> list[int]:
    """Local accounts following this one (accepted) that asked to hear of its new posts."""
    rows = await conn.fetchall(
        "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id"
        " WHERE f.target_account_id = ? AND f.state = 'accepted' AND f.notify = 1"
        " AND a.domain IS NULL",
        (author_id,),
    )
    return [r[0] for r in rows]
