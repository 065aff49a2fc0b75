"""Blocks and mutes as reads need them: the viewer's relations, loaded in one query.

`viewer_relations` loads every block by or of the viewer and every live mute by the viewer in one
query, and remembers the answer for the connection it was asked on (one borrow of a connection
is one request), so the several visibility checks of one page cost one round trip together.
`visibility.py` hides posts across a block; timelines hide muted accounts and the accounts of
domains the viewer hides (threads hide the latter too); notifications hide blocks and mutes.
`relation_facts` answers the same for a batch of accounts (the API's Relationship entity).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass

from fedi.storage import blocks as block_store
from fedi.storage.blocks import RelationRow
from fedi.storage.clock import now_db
from fedi.storage.db import Conn


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewerRelations:
    """Whom one viewer blocks, is blocked by, and mutes (live mutes only)."""

    blocking: frozenset[int] = frozenset()
    blocked_by: frozenset[int] = frozenset()
    muting: frozenset[int] = frozenset()
    muting_notifications: frozenset[int] = frozenset()
    """Muted accounts whose notifications are hidden too."""
    domain_hidden: frozenset[int] = frozenset()
    """Accounts of the domains the viewer hides (user-level domain blocks)."""

    @property
    def blocked_either_way(self) -> frozenset[int]:
        """Accounts the viewer never sees (and who never see the viewer): blocks both ways."""
        return self.blocking | self.blocked_by

    @property
    def hidden(self) -> frozenset[int]:
        """Accounts kept out of the viewer's timelines: blocked either way, muted, or of a
        domain the viewer hides."""
        return self.blocking | self.blocked_by | self.muting | self.domain_hidden

    @property
    def silenced(self) -> frozenset[int]:
        """Accounts whose notifications the viewer does not get: blocked, or muted so."""
        return self.blocking | self.blocked_by | self.muting_notifications


NO_RELATIONS = ViewerRelations()


@dataclass(frozen=True, slots=True, kw_only=True)
class RelationFacts:
    """How the viewer relates to one account through blocks and mutes."""

    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    muting_expires_at: str | None = None
    domain_blocking: bool = False
    """The account's domain is one the viewer hides."""


_remembered: weakref.WeakKeyDictionary[Conn, tuple[int, ViewerRelations]] = (
    weakref.WeakKeyDictionary()
)


async def viewer_relations(conn: Conn, viewer_id: int | None) -> ViewerRelations:
    """The viewer's blocks (both ways) and live mutes: one query per connection borrow."""
    if viewer_id is None:
        return NO_RELATIONS
    known = _remembered.get(conn)
    if known is not None and known[0] == viewer_id:
        return known[1]
    rows = await block_store.list_relations(conn, viewer_id, now=now_db())
    return remember(conn, viewer_id, rows)


def remember(conn: Conn, viewer_id: int, rows: Iterable[RelationRow]) -> ViewerRelations:
    """The viewer's relations from rows the caller loaded (`storage.blocks.relation_rows`, in a
    hop shared with other reads), remembered for this connection borrow like `viewer_relations`."""
    found = _from_rows(list(rows))
    _remembered[conn] = (viewer_id, found)
    return found


def _from_rows(rows: list[RelationRow]) -> ViewerRelations:
    return ViewerRelations(
        blocking=frozenset(r.other_id for r in rows if r.kind == "blocking"),
        blocked_by=frozenset(r.other_id for r in rows if r.kind == "blocked_by"),
        muting=frozenset(r.other_id for r in rows if r.kind == "muting"),
        muting_notifications=frozenset(
            r.other_id for r in rows if r.kind == "muting" and r.hide_notifications
        ),
        domain_hidden=frozenset(r.other_id for r in rows if r.kind == "domain_hidden"),
    )


def forget(conn: Conn) -> None:
    """Drop what `viewer_relations` remembered for this connection (after changing blocks)."""
    _remembered.pop(conn, None)


async def hidden_account_ids(conn: Conn, viewer_id: int | None) -> frozenset[int]:
    """Accounts whose posts stay out of the viewer's timelines: blocked, blocking, muted, or of
    a domain the viewer hides."""
    return (await viewer_relations(conn, viewer_id)).hidden


async def relation_facts(
    conn: Conn, viewer_id: int, target_ids: Iterable[int]
) -> dict[int, RelationFacts]:
    """Block, mute and hidden-domain facts between the viewer and each target (one query for
    the batch).

    Every target gets an entry (all False when nothing relates them).
    """
    targets = sorted(set(target_ids))
    if not targets:
        return {}
    rows = await block_store.list_relations(conn, viewer_id, now=now_db(), among=targets)
    return facts_from_rows(targets, rows)


def facts_from_rows(
    target_ids: Iterable[int], rows: Iterable[RelationRow]
) -> dict[int, RelationFacts]:
    """`relation_facts` from rows the caller loaded (`storage.blocks.relation_rows` with `among`,
    in a hop shared with other reads); every target gets an entry."""
    facts: dict[int, dict[str, object]] = {t: {} for t in target_ids}
    for row in rows:
        entry = facts.setdefault(row.other_id, {})
        if row.kind == "muting":
            entry.update(
                muting=True,
                muting_notifications=row.hide_notifications,
                muting_expires_at=row.expires_at,
            )
        elif row.kind == "domain_hidden":
            entry["domain_blocking"] = True
        else:
            entry[row.kind] = True
    return {t: RelationFacts(**values) for t, values in facts.items()}  # type: ignore[arg-type]


async def is_blocked_between(conn: Conn, a: int, b: int) -> bool:
    """True if either account blocks the other (follows, likes and mentions are refused)."""
    return await block_store.blocked_between(conn, a, b)
