"""Follows across servers: Follow of a local account, Accept/Reject of ours, Undo(Follow).

A Follow of an open account is accepted at once (follower stored, `follow` notification, Accept
sent); of a locked one it waits as a request (`follow_request` notification) until the user
answers through `outbox.interactions`. A Follow across a block (either side blocks the other) is
answered with Reject and not stored. Accept and Reject must come from the followed actor.
"""

from __future__ import annotations

import dataclasses
import logging

from fedi.activitypub.vocab import Activity
from fedi.events import surface_notifications
from fedi.inbox.handlers import ANY, Incoming, Routes, local_account
from fedi.moderation.relations import is_blocked_between
from fedi.outbox import federate
from fedi.outbox.interactions import BACKFILL_VISIBILITIES, unfollow_account
from fedi.storage import accounts as account_store
from fedi.storage import feeds as feed_store
from fedi.storage import follows as follow_store
from fedi.storage import notifications as notification_store
from fedi.storage.clock import now_db
from fedi.storage.db import Conn
from fedi.storage.ids import new_id
from fedi.storage.rows import Follow

logger = logging.getLogger(__name__)


async def on_follow(inc: Incoming) -> None:
    """Follow of a local account: accepted (and answered with Accept) or left pending if locked."""
    activity = inc.activity
    follow_uri = activity.id or None
    # One write that does its reads too: the writer's cache is warm, a reader's is not.
    async with inc.svc.db.write() as tx:
        target = await local_account(tx, inc.svc, activity.object_id)
        if target is None:
            return inc.drop("the followed account is not one of ours")
        if await is_blocked_between(tx, inc.actor.id, target.id):
            refused = Follow(
                id=new_id(),
                account_id=inc.actor.id,
                target_account_id=target.id,
                uri=follow_uri,
                state="pending",
                created_at=now_db(),
            )
            await federate.federate_reject(inc.svc, tx, refused)
            return inc.drop("a follow across a block is rejected")
        existing = await follow_store.get_follow(tx, inc.actor.id, target.id)
        if existing is not None:
            if existing.state == "accepted":
                # Interop: a repeated Follow means the other side lost our Accept (or the follow);
                # Mastodon answers it again, naming the new Follow.
                again = dataclasses.replace(existing, uri=follow_uri or existing.uri)
                await federate.federate_accept(inc.svc, tx, again)
            return None
        state = "pending" if target.locked else "accepted"
        await follow_store.insert_follow(
            tx,
            id=new_id(),
            account_id=inc.actor.id,
            target_account_id=target.id,
            state=state,
            uri=follow_uri,
        )
        await notification_store.insert_notification(
            tx,
            account_id=target.id,
            from_account_id=inc.actor.id,
            type="follow" if state == "accepted" else "follow_request",
        )
        surface_notifications(inc.svc, tx, [target.id])
        if state == "accepted":
            follow = await follow_store.get_follow(tx, inc.actor.id, target.id)
            assert follow is not None
            await federate.federate_accept(inc.svc, tx, follow)
    logger.info("inbox follow from=%s to=%s state=%s", inc.actor.uri, target.id, state)
    return None


async def _follow_answered(conn: Conn, inc: Incoming) -> Follow | None:
    """The follow (by one of our accounts, of the actor) that an Accept or Reject answers."""
    activity = inc.activity
    follow = None
    if activity.object_id:
        follow = await follow_store.get_follow_by_uri(conn, activity.object_id)
    obj = activity.object
    if follow is None and isinstance(obj, Activity) and obj.type == "Follow":
        # Interop: some servers echo a Follow whose id we never issued; match on the actors.
        follower = await local_account(conn, inc.svc, obj.actor)
        if follower is not None and obj.object_id == inc.actor.uri:
            follow = await follow_store.get_follow(conn, follower.id, inc.actor.id)
    if follow is None or follow.target_account_id != inc.actor.id:
        return None
    return follow


async def on_accept_follow(inc: Incoming) -> None:
    """Accept of our Follow: the request becomes a follow; their recent posts fill the home feed."""
    async with inc.svc.db.read() as conn:
        follow = await _follow_answered(conn, inc)
    if follow is None:
        return inc.drop("no follow of ours that this actor could accept")
    async with inc.svc.db.write() as tx:
        if await follow_store.accept_follow(tx, follow.id):
            await feed_store.backfill_author(
                tx,
                account_id=follow.account_id,
                author_id=inc.actor.id,
                visibilities=BACKFILL_VISIBILITIES,
            )
    logger.info("inbox follow accepted follow=%s by=%s", follow.id, inc.actor.uri)
    return None


async def on_reject_follow(inc: Incoming) -> None:
    """Reject of our Follow (pending, or after the fact): the follow is removed."""
    async with inc.svc.db.read() as conn:
        follow = await _follow_answered(conn, inc)
    if follow is None:
        return inc.drop("no follow of ours that this actor could reject")
    async with inc.svc.db.write() as tx:
        await follow_store.delete_follow(tx, follow.account_id, inc.actor.id)
        await feed_store.remove_author(tx, account_id=follow.account_id, author_id=inc.actor.id)
    logger.info("inbox follow rejected follow=%s by=%s", follow.id, inc.actor.uri)
    return None


async def undo_follow(inc: Incoming, follow: Follow) -> None:
    """Remove a follow (or request) the actor made: row, notifications (Undo(Follow))."""
    if follow.account_id != inc.actor.id:
        return inc.drop("only the follower may undo a follow")
    async with inc.svc.db.read() as conn:
        target = await account_store.get_account(conn, follow.target_account_id)
    if target is not None:
        await unfollow_account(inc.svc, inc.actor, target)
    return None


async def on_undo_follow(inc: Incoming) -> None:
    """Undo(Follow): the remote follower leaves (or withdraws the request)."""
    obj = inc.activity.object
    async with inc.svc.db.read() as conn:
        follow = await follow_store.get_follow_by_uri(conn, inc.activity.object_id)
        if follow is None and isinstance(obj, Activity):
            target = await local_account(conn, inc.svc, obj.object_id)
            if target is not None and obj.actor == inc.actor.uri:
                follow = await follow_store.get_follow(conn, inc.actor.id, target.id)
    if follow is None:
        return inc.drop("no such follow")
    await undo_follow(inc, follow)
    return None


ROUTES: Routes = {
    ("Follow", ANY): on_follow,
    ("Accept", "Follow"): on_accept_follow,
    ("Accept", ""): on_accept_follow,
    ("Reject", "Follow"): on_reject_follow,
    ("Reject", ""): on_reject_follow,
    ("Undo", "Follow"): on_undo_follow,
}
