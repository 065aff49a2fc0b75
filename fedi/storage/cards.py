"""Link preview cards: one row per URL, the card each post shows, and link trends."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Media, _Row
from fedi.storage.trends import DAY_MS


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewCardRow(_Row):
    """A `preview_cards` row: what a linked page says about itself (Mastodon's PreviewCard)."""

    id: int
    url: str
    state: str
    created_at: str
    updated_at: str
    card_url: str = ""
    title: str = ""
    description: str = ""
    type: str = "link"
    author_name: str = ""
    author_url: str = ""
    provider_name: str = ""
    provider_url: str = ""
    html: str = ""
    width: int = 0
    height: int = 0
    embed_url: str = ""
    image_url: str = ""
    image_media_id: int | None = None
    image_description: str = ""
    language: str | None = None
    published_at: str | None = None
    host: str = ""
    error: str = ""
    fetched_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CardWithImage:
    """A ready card and its cached image row (None when it has none or it is gone)."""

    card: PreviewCardRow
    image: Media | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CardDay:
    """How often a card was shared in public posts on one UTC day (days since the epoch)."""

    card_id: int
    day: int
    uses: int
    accounts: int


_FETCHED = (
    "card_url",
    "title",
    "description",
    "type",
    "author_name",
    "author_url",
    "provider_name",
    "provider_url",
    "html",
    "width",
    "height",
    "embed_url",
    "image_url",
    "image_media_id",
    "image_description",
    "language",
    "published_at",
)
_MEDIA_COLUMNS = tuple(Media.__dataclass_fields__)
_MEDIA_SELECT = ", ".join(f"m.{c} AS m_{c}" for c in _MEDIA_COLUMNS)


def _card_and_image(row: sqlite3.Row) -> CardWithImage:
    card = PreviewCardRow.from_row(row)
    image = None
    if row["m_id"] is not None:
        image = Media(**{c: row[f"m_{c}"] for c in _MEDIA_COLUMNS})
    return CardWithImage(card=card, image=image)


async def get_card_by_url(conn: Conn, url: str) -> PreviewCardRow | None:
    """The card of a URL (any state), or None."""
    row = await conn.fetchone("SELECT * FROM preview_cards WHERE url = ?", (url,))
    return None if row is None else PreviewCardRow.from_row(row)


async def get_card(conn: Conn, card_id: int) -> CardWithImage | None:
    """One card by id with its cached image row, or None."""
    row = await conn.fetchone(
        f"SELECT c.*, {_MEDIA_SELECT} FROM preview_cards c"  # noqa: S608 - column names only
        " LEFT JOIN media m ON m.id = c.image_media_id WHERE c.id = ?",
        (card_id,),
    )
    return None if row is None else _card_and_image(row)


async def save_fetched_card(
    tx: Tx, url: str, *, host: str, values: dict[str, object] | None, error: str = ""
) -> int:
    """Store what a fetch of `url` gave (`values`: the card's fields; None: it failed, the
    previous content is kept) and return the card id, in one round trip."""
    now = now_db()
    state = "ready" if values is not None else "failed"

    def run(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT id, state FROM preview_cards WHERE url = ?", (url,)).fetchone()
        if row is None:
            card_id = new_id()
            conn.execute(
                "INSERT INTO preview_cards (id, url, state, host, error, fetched_at, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (card_id, url, state, host, error[:500], now, now, now),
            )
        else:
            card_id = int(row["id"])
            # A refetch that fails keeps the card it had (the page may be down for a while).
            kept = "ready" if values is None and row["state"] == "ready" else state
            conn.execute(
                "UPDATE preview_cards SET state = ?, host = ?, error = ?, fetched_at = ?,"
                " updated_at = ? WHERE id = ?",
                (kept, host, error[:500], now, now, card_id),
            )
        if values is not None:
            sets = ", ".join(f"{name} = :{name}" for name in _FETCHED)
            conn.execute(
                f"UPDATE preview_cards SET {sets} WHERE id = :id",  # noqa: S608 - column names
                {**{name: values.get(name) for name in _FETCHED}, "id": card_id},
            )
        return card_id

    return await tx.run(run)


async def link_post_card(tx: Tx, post_id: int, card_id: int | None) -> None:
    """Make `card_id` the card a post shows (None: it shows none), if the post still exists."""
    if card_id is None:
        await tx.execute("DELETE FROM post_cards WHERE post_id = ?", (post_id,))
        return
    await tx.execute(
        "INSERT INTO post_cards (post_id, card_id) SELECT id, :card FROM posts WHERE id = :post"
        " ON CONFLICT (post_id) DO UPDATE SET card_id = excluded.card_id",
        {"post": post_id, "card": card_id},
    )


async def cards_for_posts(conn: Conn, post_ids: Sequence[int]) -> dict[int, CardWithImage]:
    """The ready cards of several posts with their cached images, in one query."""
    if not post_ids:
        return {}
    ids = list(post_ids)
    return await conn.run(lambda c: cards_among(c, ids))


async def trending_cards(
    conn: Conn,
    *,
    since_id: int,
    limit: int,
    offset: int = 0,
    hidden_hosts: Sequence[str] = (),
) -> list[CardWithImage]:
    """Ready cards with a title shared in live public posts since `since_id`, most distinct
    accounts first (then most posts), leaving out cards whose host is (under) a hidden domain."""
    rows = await conn.fetchall(
        "WITH ranked AS ("
        "  SELECT pc.card_id AS card_id, count(DISTINCT p.account_id) AS people,"
        "   count(*) AS uses"
        "  FROM post_cards pc JOIN posts p ON p.id = pc.post_id"
        "  WHERE pc.post_id >= :since AND p.visibility = 'public' AND p.deleted_at IS NULL"
        "   AND p.reblog_of_id IS NULL"
        "  GROUP BY pc.card_id)"
        f" SELECT c.*, {_MEDIA_SELECT} FROM ranked r"  # noqa: S608 - column names only
        " JOIN preview_cards c ON c.id = r.card_id"
        " LEFT JOIN media m ON m.id = c.image_media_id"
        " WHERE c.state = 'ready' AND c.title != ''"
        "  AND NOT EXISTS (SELECT 1 FROM json_each(:hidden) h"
        "   WHERE c.host = h.value OR c.host LIKE '%.' || h.value)"
        " ORDER BY r.people DESC, r.uses DESC, c.id DESC LIMIT :limit OFFSET :offset",
        {
            "since": since_id,
            "hidden": json.dumps(list(hidden_hosts)),
            "limit": limit,
            "offset": offset,
        },
    )
    return [_card_and_image(r) for r in rows]


async def card_history(conn: Conn, card_ids: Sequence[int], *, since_id: int) -> list[CardDay]:
    """Per card and day since `since_id`: live public posts sharing it and distinct authors."""
    if not card_ids:
        return []
    rows = await conn.fetchall(
        "SELECT pc.card_id, (pc.post_id >> 16) / :day AS day, count(*),"
        " count(DISTINCT p.account_id)"
        " FROM post_cards pc JOIN posts p ON p.id = pc.post_id"
        " WHERE pc.card_id IN (SELECT value FROM json_each(:ids)) AND pc.post_id >= :since"
        " AND p.visibility = 'public' AND p.deleted_at IS NULL AND p.reblog_of_id IS NULL"
        " GROUP BY pc.card_id, day",
        {"ids": json.dumps(list(card_ids)), "since": since_id, "day": DAY_MS},
    )
    return [CardDay(card_id=r[0], day=r[1], uses=r[2], accounts=r[3]) for r in rows]


def cards_among(c: sqlite3.Connection, post_ids: Sequence[int]) -> dict[int, CardWithImage]:
    """`cards_for_posts` on the connection's thread (for batch loaders already running there)."""
    if not post_ids:
        return {}
    rows = c.execute(
        f"SELECT pc.post_id AS pc_post_id, c.*, {_MEDIA_SELECT}"  # noqa: S608 - column names
        " FROM post_cards pc JOIN preview_cards c ON c.id = pc.card_id"
        " LEFT JOIN media m ON m.id = c.image_media_id"
        " WHERE pc.post_id IN (SELECT value FROM json_each(?)) AND c.state = 'ready'",
        (json.dumps(sorted(set(post_ids))),),
    ).fetchall()
    return {r["pc_post_id"]: _card_and_image(r) for r in rows}
