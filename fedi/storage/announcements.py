"""Instance announcements, who dismissed them, and their emoji reactions."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import _Row


@dataclass(frozen=True, slots=True, kw_only=True)
class Announcement(_Row):
    id: int
    text: str
    content_html: str
    mention_ids: str = "[]"
    tags: str = "[]"
    starts_at: str | None = None
    ends_at: str | None = None
    all_day: int = 0
    published_at: str | None = None
    created_at: str = ""
    updated_at: str = ""

    @property
    def mentioned(self) -> list[int]:
        """Ids of the local accounts the text mentions."""
        return [int(i) for i in json.loads(self.mention_ids or "[]")]

    @property
    def hashtags(self) -> list[str]:
        """The normalised hashtags of the text."""
        return [str(t) for t in json.loads(self.tags or "[]")]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionCount:
    """One emoji's reactions to an announcement, and whether the reader is among them."""

    name: str
    count: int
    me: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnouncementRead:
    """An announcement with one reader's state: dismissed or not, and the reactions."""

    announcement: Announcement
    read: bool
    reactions: list[ReactionCount]


_COLUMNS = (
    "id, text, content_html, mention_ids, tags, starts_at, ends_at, all_day, published_at,"
    " created_at, updated_at"
)


async def insert_announcement(
    tx: Tx,
    *,
    id: int,
    text: str,
    content_html: str,
    mention_ids: list[int],
    tags: list[str],
    starts_at: str | None,
    ends_at: str | None,
    all_day: bool,
    published_at: str | None,
) -> None:
    """Store a new announcement (a draft when `published_at` is None)."""
    now = now_db()
    await tx.execute(
        f"INSERT INTO announcements ({_COLUMNS}) VALUES (:id, :text, :html, :mentions, :tags,"
        " :starts, :ends, :all_day, :published, :now, :now)",
        {
            "id": id,
            "text": text,
            "html": content_html,
            "mentions": json.dumps(mention_ids),
            "tags": json.dumps(tags),
            "starts": starts_at,
            "ends": ends_at,
            "all_day": int(all_day),
            "published": published_at,
            "now": now,
        },
    )


async def update_announcement(
    tx: Tx,
    announcement_id: int,
    *,
    text: str,
    content_html: str,
    mention_ids: list[int],
    tags: list[str],
    starts_at: str | None,
    ends_at: str | None,
    all_day: bool,
) -> bool:
    """Change an announcement's text and times; False if there is no such announcement."""
    return bool(
        await tx.execute(
            "UPDATE announcements SET text = :text, content_html = :html, mention_ids = :mentions,"
            " tags = :tags, starts_at = :starts, ends_at = :ends, all_day = :all_day,"
            " updated_at = :now WHERE id = :id",
            {
                "id": announcement_id,
                "text": text,
                "html": content_html,
                "mentions": json.dumps(mention_ids),
                "tags": json.dumps(tags),
                "starts": starts_at,
                "ends": ends_at,
                "all_day": int(all_day),
                "now": now_db(),
            },
        )
    )


async def set_published(tx: Tx, announcement_id: int, published_at: str | None) -> bool:
    """Publish (a time) or unpublish (None) an announcement; False if there is none."""
    return bool(
        await tx.execute(
            "UPDATE announcements SET published_at = :published, updated_at = :now WHERE id = :id",
            {"id": announcement_id, "published": published_at, "now": now_db()},
        )
    )


async def delete_announcement(tx: Tx, announcement_id: int) -> bool:
    """Remove an announcement with its reads and reactions; False if there was none."""
    return bool(await tx.execute("DELETE FROM announcements WHERE id = ?", (announcement_id,)))


async def get_announcement(conn: Conn, announcement_id: int) -> Announcement | None:
    """One announcement by id (published or not), or None."""
    row = await conn.fetchone(
        f"SELECT {_COLUMNS} FROM announcements WHERE id = ?",  # noqa: S608
        (announcement_id,),
    )
    return None if row is None else Announcement.from_row(row)


async def list_announcements(conn: Conn) -> list[Announcement]:
    """Every announcement, newest first (the admin list)."""
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM announcements ORDER BY id DESC"  # noqa: S608
    )
    return [Announcement.from_row(r) for r in rows]


async def get_current(conn: Conn, announcement_id: int, now: str) -> Announcement | None:
    """The announcement if it is published and has not ended at `now`, else None."""
    row = await conn.fetchone(
        f"SELECT {_COLUMNS} FROM announcements WHERE id = :id"  # noqa: S608
        " AND published_at IS NOT NULL AND (ends_at IS NULL OR ends_at > :now)",
        {"id": announcement_id, "now": now},
    )
    return None if row is None else Announcement.from_row(row)


async def list_current(
    conn: Conn, account_id: int | None, now: str, *, with_dismissed: bool = True
) -> list[AnnouncementRead]:
    """Published announcements that have not ended, oldest first (as Mastodon orders them),
    with the reader's `read` state and the reactions (`me` for the reader), in one hop.

    Without `with_dismissed`, the ones the reader dismissed are left out.
    """

    def work(c: sqlite3.Connection) -> list[AnnouncementRead]:
        rows = c.execute(
            f"SELECT {_COLUMNS}, EXISTS (SELECT 1 FROM announcement_reads r"  # noqa: S608
            "  WHERE r.announcement_id = a.id AND r.account_id = :account) AS is_read"
            " FROM announcements a WHERE published_at IS NOT NULL"
            " AND (ends_at IS NULL OR ends_at > :now)"
            " ORDER BY coalesce(starts_at, published_at) ASC, id ASC",
            {"account": account_id, "now": now},
        ).fetchall()
        kept = [r for r in rows if with_dismissed or not r["is_read"]]
        if not kept:
            return []
        ids = [r["id"] for r in kept]
        marks = ",".join("?" for _ in ids)
        reactions: dict[int, list[ReactionCount]] = {}
        for r in c.execute(
            "SELECT announcement_id, name, count(*) AS n, max(account_id = ?) AS me,"  # noqa: S608
            " min(created_at) AS first FROM announcement_reactions"
            f" WHERE announcement_id IN ({marks}) GROUP BY announcement_id, name"
            " ORDER BY first, name",
            (account_id if account_id is not None else -1, *ids),
        ):
            reactions.setdefault(r["announcement_id"], []).append(
                ReactionCount(name=r["name"], count=r["n"], me=bool(r["me"]))
            )
        return [
            AnnouncementRead(
                announcement=Announcement.from_row(r),
                read=bool(r["is_read"]),
                reactions=reactions.get(r["id"], []),
            )
            for r in kept
        ]

    return await conn.run(work)


async def mark_read(tx: Tx, account_id: int, announcement_id: int) -> None:
    """Record that an account dismissed an announcement (idempotent)."""
    await tx.execute(
        "INSERT OR IGNORE INTO announcement_reads (account_id, announcement_id) VALUES (?, ?)",
        (account_id, announcement_id),
    )


async def reaction_names(conn: Conn, announcement_id: int) -> set[str]:
    """The distinct emoji anyone has reacted with to an announcement."""
    rows = await conn.fetchall(
        "SELECT DISTINCT name FROM announcement_reactions WHERE announcement_id = ?",
        (announcement_id,),
    )
    return {r[0] for r in rows}


async def add_reaction(tx: Tx, announcement_id: int, account_id: int, name: str) -> int:
    """Add an account's reaction (idempotent); return how many reacted with that emoji now."""

    def work(c: sqlite3.Connection) -> int:
        c.execute(
            "INSERT OR IGNORE INTO announcement_reactions"
            " (announcement_id, account_id, name, created_at) VALUES (?, ?, ?, ?)",
            (announcement_id, account_id, name, now_db()),
        )
        return _count(c, announcement_id, name)

    return await tx.run(work)


async def remove_reaction(tx: Tx, announcement_id: int, account_id: int, name: str) -> int | None:
    """Withdraw an account's reaction; the emoji's count afterwards, None if it had none."""

    def work(c: sqlite3.Connection) -> int | None:
        removed = c.execute(
            "DELETE FROM announcement_reactions"
            " WHERE announcement_id = ? AND account_id = ? AND name = ?",
            (announcement_id, account_id, name),
        ).rowcount
        return _count(c, announcement_id, name) if removed else None

    return await tx.run(work)


def _count(c: sqlite3.Connection, announcement_id: int, name: str) -> int:
    row = c.execute(
        "SELECT count(*) FROM announcement_reactions WHERE announcement_id = ? AND name = ?",
        (announcement_id, name),
    ).fetchone()
    return int(row[0])
