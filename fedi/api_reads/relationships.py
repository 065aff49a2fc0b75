"""How one viewer relates to a batch of accounts: follows both ways, requests, blocks, mutes and
endorsements."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from fedi.context import Services
from fedi.follow_options import follow_languages
from fedi.moderation.relations import RelationFacts, facts_from_rows
from fedi.storage import blocks as block_store
from fedi.storage import endorsements as endorsement_store
from fedi.storage import follows as follow_store
from fedi.storage.blocks import RelationRow
from fedi.storage.clock import now_db
from fedi.storage.db import Conn
from fedi.storage.rows import Follow


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRelationship:
    """The Relationship entity's facts about one account, for one viewer."""

    account_id: int
    following: bool = False
    requested: bool = False
    followed_by: bool = False
    requested_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    muting_expires_at: str | None = None
    domain_blocking: bool = False
    showing_reblogs: bool = False
    """The viewer shows this account's boosts (follow options; False when not following)."""
    notifying: bool = False
    languages: list[str] | None = None
    endorsed: bool = False
    """The viewer features this account on its profile."""


async def relationships_with_conn(
    conn: Conn, viewer_id: int, account_ids: Sequence[int]
) -> list[AccountRelationship]:
    """`load_relationships` on a connection the caller holds."""
    if not account_ids:
        return []
    targets = sorted(set(account_ids))
    now = now_db()

    def load(c: sqlite3.Connection) -> tuple[list[Follow], list[RelationRow], set[int]]:
        return (
            follow_store.follows_between_rows(c, viewer_id, targets),
            block_store.relation_rows(c, viewer_id, now=now, among=targets),
            endorsement_store.endorsed_among_rows(c, viewer_id, targets),
        )

    follows, relation_rows, endorsed = await conn.run(load)
    moderation = facts_from_rows(targets, relation_rows)
    outgoing = {f.target_account_id: f for f in follows if f.account_id == viewer_id}
    incoming = {f.account_id: f for f in follows if f.target_account_id == viewer_id}
    found = []
    for account_id in account_ids:
        out, inc = outgoing.get(account_id), incoming.get(account_id)
        facts = moderation.get(account_id, RelationFacts())
        found.append(
            AccountRelationship(
                account_id=account_id,
                following=out is not None and out.state == "accepted",
                requested=out is not None and out.state == "pending",
                followed_by=inc is not None and inc.state == "accepted",
                requested_by=inc is not None and inc.state == "pending",
                blocking=facts.blocking,
                blocked_by=facts.blocked_by,
                muting=facts.muting,
                muting_notifications=facts.muting_notifications,
                muting_expires_at=facts.muting_expires_at,
                domain_blocking=facts.domain_blocking,
                showing_reblogs=out is not None and bool(out.show_reblogs),
                notifying=out is not None and bool(out.notify),
                languages=follow_languages(out),
                endorsed=account_id in endorsed,
            )
        )
    return found


async def load_relationships(
    svc: Services, viewer_id: int, account_ids: Sequence[int], *, conn: Conn | None = None
) -> list[AccountRelationship]:
    """One relationship per id, in the order asked (repeats kept), in one hop (three queries)."""
    if conn is not None:
        return await relationships_with_conn(conn, viewer_id, account_ids)
    async with svc.db.read() as borrowed:
        return await relationships_with_conn(borrowed, viewer_id, account_ids)
