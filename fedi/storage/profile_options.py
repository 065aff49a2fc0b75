"""Profile options beyond the profile form's text (bot, indexable, hidden collections) and the
posting defaults a new post reads (visibility, sensitive media, language, who is notified)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx


@dataclass(frozen=True, slots=True, kw_only=True)
class PostingContext:
    """What writing a post needs to know about its author, read in one hop."""

    visibility: str = "public"
    sensitive: bool = False
    language: str = ""
    status_subscribers: list[int] = field(default_factory=list)
    """Local accepted followers who asked to be notified of the author's posts."""


async def load_posting_context(conn: Conn, account_id: int) -> PostingContext:
    """The author's posting defaults and status subscribers, in one hop."""

    def work(c: sqlite3.Connection) -> PostingContext:
        user = c.execute(
            "SELECT default_visibility, default_sensitive, default_language FROM users"
            " WHERE id = ?",
            (account_id,),
        ).fetchone()
        subscribers = [
            r[0]
            for r in c.execute(
                "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id"
                " WHERE f.target_account_id = ? AND f.notify = 1 AND f.state = 'accepted'"
                " AND a.domain IS NULL",
                (account_id,),
            )
        ]
        if user is None:
            return PostingContext(status_subscribers=subscribers)
        return PostingContext(
            visibility=user["default_visibility"],
            sensitive=bool(user["default_sensitive"]),
            language=user["default_language"] or "",
            status_subscribers=subscribers,
        )

    return await conn.run(work)


async def update_profile_options(
    tx: Tx,
    account_id: int,
    *,
    bot: bool,
    indexable: bool,
    hide_collections: bool,
    default_sensitive: bool,
    default_language: str,
) -> None:
    """Store a local account's options and posting defaults, in one hop."""
    params = {
        "id": account_id,
        "actor_type": "Service" if bot else "Person",
        "indexable": int(indexable),
        "hide": int(hide_collections),
        "sensitive": int(default_sensitive),
        "language": default_language,
        "now": now_db(),
    }

    def work(c: sqlite3.Connection) -> None:
        c.execute(
            "UPDATE accounts SET actor_type = :actor_type, indexable = :indexable,"
            " hide_collections = :hide, updated_at = :now WHERE id = :id",
            params,
        )
        c.execute(
            "UPDATE users SET default_sensitive = :sensitive, default_language = :language"
            " WHERE id = :id",
            params,
        )

    await tx.run(work)
