"""Keyword and status filters (Mastodon's v2 filters; a keyword row doubles as a v1 filter)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import _Row


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterRow(_Row):
    """A filter of `account_id`; `context` is space-separated."""

    id: int
    account_id: int
    title: str
    context: str
    filter_action: str
    expires_at: str | None
    created_at: str
    updated_at: str

    @property
    def contexts(self) -> list[str]:
        """The contexts as a list (`home`, `notifications`, `public`, `thread`, `account`)."""
        return self.context.split()


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterKeyword(_Row):
    id: int
    filter_id: int
    keyword: str
    whole_word: int
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterStatus(_Row):
    id: int
    filter_id: int
    post_id: int
    created_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterBundle:
    """A filter with its keywords and statuses."""

    filter: FilterRow
    keywords: tuple[FilterKeyword, ...] = ()
    statuses: tuple[FilterStatus, ...] = ()


def _bundles(c: sqlite3.Connection, where: str, params: dict[str, object]) -> list[FilterBundle]:
    filters = [
        FilterRow.from_row(r)
        for r in c.execute(f"SELECT * FROM filters WHERE {where} ORDER BY id", params)  # noqa: S608
    ]
    if not filters:
        return []
    ids = ",".join(str(f.id) for f in filters)
    keywords: dict[int, list[FilterKeyword]] = {}
    for r in c.execute(f"SELECT * FROM filter_keywords WHERE filter_id IN ({ids}) ORDER BY id"):  # noqa: S608
        keywords.setdefault(r["filter_id"], []).append(FilterKeyword.from_row(r))
    statuses: dict[int, list[FilterStatus]] = {}
    for r in c.execute(f"SELECT * FROM filter_statuses WHERE filter_id IN ({ids}) ORDER BY id"):  # noqa: S608
        statuses.setdefault(r["filter_id"], []).append(FilterStatus.from_row(r))
    return [
        FilterBundle(
            filter=f,
            keywords=tuple(keywords.get(f.id, ())),
            statuses=tuple(statuses.get(f.id, ())),
        )
        for f in filters
    ]


async def list_filters(conn: Conn, account_id: int) -> list[FilterBundle]:
    """Every filter of an account with its keywords and statuses (one hop), oldest first."""
    return await conn.run(lambda c: _bundles(c, "account_id = :a", {"a": account_id}))


async def list_active_filters(conn: Conn, account_id: int, *, now: str) -> list[FilterBundle]:
    """The account's filters that have not expired (one hop)."""
    return await conn.run(
        lambda c: _bundles(
            c,
            "account_id = :a AND (expires_at IS NULL OR expires_at > :now)",
            {"a": account_id, "now": now},
        )
    )


async def get_filter(conn: Conn, account_id: int, filter_id: int) -> FilterBundle | None:
    """One filter of the account with its keywords and statuses, or None."""
    found = await conn.run(
        lambda c: _bundles(c, "account_id = :a AND id = :id", {"a": account_id, "id": filter_id})
    )
    return found[0] if found else None


async def insert_filter(
    tx: Tx,
    *,
    id: int,
    account_id: int,
    title: str,
    context: Sequence[str],
    filter_action: str,
    expires_at: str | None,
    keywords: Sequence[tuple[str, bool]] = (),
) -> None:
    """Create a filter and its keywords (keyword, whole_word) in one hop."""
    now = now_db()

    def work(c: sqlite3.Connection) -> None:
        c.execute(
            "INSERT INTO filters (id, account_id, title, context, filter_action, expires_at,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (id, account_id, title, " ".join(context), filter_action, expires_at, now, now),
        )
        c.executemany(
            "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [(new_id(), id, k, int(w), now) for k, w in keywords],
        )

    await tx.run(work)


async def update_filter(
    tx: Tx,
    filter_id: int,
    *,
    title: str,
    context: Sequence[str],
    filter_action: str,
    expires_at: str | None,
) -> None:
    """Change a filter's own fields."""
    await tx.execute(
        "UPDATE filters SET title = ?, context = ?, filter_action = ?, expires_at = ?,"
        " updated_at = ? WHERE id = ?",
        (title, " ".join(context), filter_action, expires_at, now_db(), filter_id),
    )


async def delete_filter(tx: Tx, filter_id: int) -> None:
    """Delete a filter with its keywords and statuses."""
    await tx.execute("DELETE FROM filters WHERE id = ?", (filter_id,))


async def insert_keyword(
    tx: Tx, *, id: int, filter_id: int, keyword: str, whole_word: bool
) -> None:
    """Add a keyword to a filter."""
    await tx.execute(
        "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (id, filter_id, keyword, int(whole_word), now_db()),
    )


async def update_keyword(tx: Tx, keyword_id: int, *, keyword: str, whole_word: bool) -> None:
    """Change a keyword."""
    await tx.execute(
        "UPDATE filter_keywords SET keyword = ?, whole_word = ? WHERE id = ?",
        (keyword, int(whole_word), keyword_id),
    )


async def delete_keywords(tx: Tx, filter_id: int, keyword_ids: Sequence[int]) -> None:
    """Remove some keywords of a filter."""
    await tx.executemany(
        "DELETE FROM filter_keywords WHERE filter_id = ? AND id = ?",
        [(filter_id, k) for k in keyword_ids],
    )


async def get_keyword(conn: Conn, account_id: int, keyword_id: int) -> FilterKeyword | None:
    """A keyword of one of the account's filters, or None."""
    row = await conn.fetchone(
        "SELECT k.* FROM filter_keywords k JOIN filters f ON f.id = k.filter_id"
        " WHERE k.id = ? AND f.account_id = ?",
        (keyword_id, account_id),
    )
    return None if row is None else FilterKeyword.from_row(row)


async def insert_filter_status(tx: Tx, *, id: int, filter_id: int, post_id: int) -> bool:
    """Add a status to a filter; False if it is there already."""
    return bool(
        await tx.execute(
            "INSERT INTO filter_statuses (id, filter_id, post_id, created_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (filter_id, post_id) DO NOTHING",
            (id, filter_id, post_id, now_db()),
        )
    )


async def get_filter_status(conn: Conn, account_id: int, status_row_id: int) -> FilterStatus | None:
    """A status entry of one of the account's filters, or None."""
    row = await conn.fetchone(
        "SELECT s.* FROM filter_statuses s JOIN filters f ON f.id = s.filter_id"
        " WHERE s.id = ? AND f.account_id = ?",
        (status_row_id, account_id),
    )
    return None if row is None else FilterStatus.from_row(row)


async def delete_filter_status(tx: Tx, status_row_id: int) -> None:
    """Remove a status from its filter."""
    await tx.execute("DELETE FROM filter_statuses WHERE id = ?", (status_row_id,))


async def touch_filter(tx: Tx, filter_id: int) -> None:
    """Note that a filter's keywords or statuses changed."""
    await tx.execute("UPDATE filters SET updated_at = ? WHERE id = ?", (now_db(), filter_id))


def active_filters(c: sqlite3.Connection, account_id: int, *, now: str) -> list[FilterBundle]:
    """`list_active_filters` on the connection's thread (to share a hop with other reads)."""
    return _bundles(
        c,
        "account_id = :a AND (expires_at IS NULL OR expires_at > :now)",
        {"a": account_id, "now": now},
    )
