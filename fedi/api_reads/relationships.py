"""How one viewer relates to a batch of accounts: follows both ways, requests, blocks and mutes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fedi.context import Services
from fedi.follow_options import follow_languages
from fedi.moderation.relations import RelationFacts, relation_facts
from fedi.storage import follows as follow_store
from fedi.storage.db import Conn


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


async def relationships_with_conn(
    conn: Conn, viewer_id: int, account_ids: Sequence[int]
) -> list[AccountRelationship]:
    """`load_relationships` on a connection the caller holds."""
    if not account_ids:
        return []
    follows = await follow_store.list_follows_between(conn, viewer_id, list(account_ids))
    moderation = await relation_facts(conn, viewer_id, account_ids)
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
            )
        )
    return found


async def load_relationships(
    svc: Services, viewer_id: int, account_ids: Sequence[int], *, conn: Conn | None = None
) -> list[AccountRelationship]:
    """One relationship per id, in the order asked (repeats kept), in two queries."""
    if conn is not None:
        return await relationships_with_conn(conn, viewer_id, account_ids)
    async with svc.db.read() as borrowed:
        return await relationships_with_conn(borrowed, viewer_id, account_ids)
