"""Reactions from other servers: Like and its Undo, Undo of boosts, Block and its Undo, Flag.

Likes are kept for our own posts only (as Mastodon does): the like row and a `favourite`
notification. A Block of one of our accounts is stored (moderation/blocks.py): the follows end
both ways and the blocker's posts are hidden from our user. A Flag about our accounts becomes a
report for the moderators.
"""

from __future__ import annotations

import logging

from fedi.activitypub.vocab import Activity
from fedi.events import surface_notifications
from fedi.inbox.handlers import ANY, Incoming, Routes, is_local, local_account
from fedi.inbox.handlers.follows import undo_follow
from fedi.moderation.blocks import lift_remote_block, record_remote_block
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import likes as like_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage import remote_posts as remote_store
from fedi.storage import reports as report_store
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Post
from fedi.text import plain_text
from fedi.visibility import filter_visible

logger = logging.getLogger(__name__)

MAX_REPORT_COMMENT = 5000


async def on_like(inc: Incoming) -> None:
    """Like of one of our posts the actor may see: a like row and a `favourite` notification."""
    # Interop: Misskey sends emoji reactions as Like with `content`; counted as a favourite here,
    # as Mastodon does.
    uri = inc.activity.object_id
    if not uri or not is_local(inc.svc, uri):
        return inc.drop("likes are kept for our own posts only")
    # One write that does its reads too: the writer's cache is warm, a reader's is not.
    async with inc.svc.db.write() as tx:
        post = await post_store.get_post_by_uri(tx, uri)
        visible = post is not None and bool(await filter_visible(tx, inc.actor.id, [post]))
        if post is None or not visible or post.reblog_of_id is not None:
            return inc.drop("no such post, or the actor may not see it")
        liked = await like_store.insert_like(
            tx, id=new_id(), account_id=inc.actor.id, post_id=post.id, uri=inc.activity.id or None
        )
        if liked:
            await notification_store.insert_notification(
                tx,
                account_id=post.account_id,
                from_account_id=inc.actor.id,
                type="favourite",
                post_id=post.id,
            )
            surface_notifications(inc.svc, tx, [post.account_id])
    logger.info("inbox like post=%s by=%s new=%s", post.id, inc.actor.uri, liked)
    return None


async def _unlike(inc: Incoming, post_id: int) -> None:
    async with inc.svc.db.write() as tx:
        post = await post_store.get_post(tx, post_id)
        removed = await like_store.delete_like(tx, inc.actor.id, post_id)
        if removed and post is not None:
            await notification_store.delete_notifications(
                tx,
                account_id=post.account_id,
                from_account_id=inc.actor.id,
                type="favourite",
                post_id=post_id,
            )
    logger.info("inbox unlike post=%s by=%s removed=%s", post_id, inc.actor.uri, removed)


async def on_undo_like(inc: Incoming) -> None:
    """Undo(Like): the actor's like and its notification are withdrawn."""
    obj = inc.activity.object
    async with inc.svc.db.read() as conn:
        like = None
        if inc.activity.object_id:
            like = await like_store.get_like_by_uri(conn, inc.activity.object_id)
        post_id = like.post_id if like is not None and like.account_id == inc.actor.id else None
        if post_id is None and isinstance(obj, Activity) and obj.actor == inc.actor.uri:
            post = await post_store.get_post_by_uri(conn, obj.object_id) if obj.object_id else None
            post_id = post.id if post is not None else None
    if post_id is None:
        return inc.drop("no like of this actor to undo")
    await _unlike(inc, post_id)
    return None


async def _unboost(inc: Incoming, reblog: Post) -> None:
    async with inc.svc.db.write() as tx:
        original = await post_store.get_post(tx, reblog.reblog_of_id or 0)
        await remote_store.delete_reblog(tx, reblog.id)
        if original is not None:
            await notification_store.delete_notifications(
                tx,
                account_id=original.account_id,
                from_account_id=inc.actor.id,
                type="reblog",
                post_id=original.id,
            )
    logger.info("inbox unboost post=%s by=%s", reblog.reblog_of_id, inc.actor.uri)


async def on_undo_announce(inc: Incoming) -> None:
    """Undo(Announce): the actor's boost leaves every timeline; its notification is withdrawn."""
    obj = inc.activity.object
    async with inc.svc.db.read() as conn:
        reblog = None
        if inc.activity.object_id:
            reblog = await post_store.get_post_by_uri(conn, inc.activity.object_id)
        if reblog is None and isinstance(obj, Activity) and obj.object_id:
            original = await post_store.get_post_by_uri(conn, obj.object_id)
            if original is not None:
                reblog = await remote_store.get_reblog(conn, inc.actor.id, original.id)
    if reblog is None or reblog.reblog_of_id is None or reblog.account_id != inc.actor.id:
        return inc.drop("no boost of this actor to undo")
    await _unboost(inc, reblog)
    return None


async def on_undo_by_id(inc: Incoming) -> None:
    """Undo naming only the undone activity's id: a follow, like, boost or block of this actor."""
    uri = inc.activity.object_id
    if not uri:
        return inc.drop("an Undo of nothing")
    async with inc.svc.db.read() as conn:
        follow = await follow_store.get_follow_by_uri(conn, uri)
        like = None if follow else await like_store.get_like_by_uri(conn, uri)
        reblog = None if follow or like else await post_store.get_post_by_uri(conn, uri)
    if follow is not None:
        return await undo_follow(inc, follow)
    if like is not None and like.account_id == inc.actor.id:
        return await _unlike(inc, like.post_id)
    if reblog is not None and reblog.reblog_of_id is not None and reblog.account_id == inc.actor.id:
        return await _unboost(inc, reblog)
    if await lift_remote_block(inc.svc, inc.actor, uri=uri, target=None):
        return None
    return inc.drop("nothing of this actor with that id to undo")


async def on_block(inc: Incoming) -> None:
    """Block of a local account: stored; the follows between them end, both ways (as Mastodon
    does); the blocker's posts are hidden from our user and no notification crosses the block."""
    async with inc.svc.db.read() as conn:
        target = await local_account(conn, inc.svc, inc.activity.object_id)
    if target is None:
        return inc.drop("the blocked account is not one of ours")
    await record_remote_block(inc.svc, inc.actor, target, uri=inc.activity.id or None)
    logger.info("inbox block of=%s by=%s", target.id, inc.actor.uri)
    return None


async def on_undo_block(inc: Incoming) -> None:
    """Undo(Block): the actor's block is lifted (found by the Block's id, else by its object);
    follows are not restored."""
    obj = inc.activity.object
    target = None
    if isinstance(obj, Activity) and obj.actor == inc.actor.uri and obj.object_id:
        async with inc.svc.db.read() as conn:
            target = await local_account(conn, inc.svc, obj.object_id)
    lifted = await lift_remote_block(
        inc.svc, inc.actor, uri=inc.activity.object_id or None, target=target
    )
    if not lifted:
        return inc.drop("no block of this actor to undo")
    logger.info("inbox unblock by=%s", inc.actor.uri)
    return None


async def _report_target(inc: Incoming, uris: tuple[str, ...]) -> tuple[Account | None, list[int]]:
    """The reported local account (named, or the author of the first reported post) and posts."""
    async with inc.svc.db.read() as conn:
        named = [a for u in uris if (a := await local_account(conn, inc.svc, u)) is not None]
        found = await remote_store.get_posts_by_uris(
            conn, [u for u in uris if is_local(inc.svc, u)]
        )
        ours = sorted((p for p in found.values() if p.local == 1), key=lambda p: uris.index(p.uri))
        target = named[0] if named else None
        if target is None and ours:
            target = await account_store.get_account(conn, ours[0].account_id)
    if target is None or not target.local:
        return None, []
    return target, sorted(p.id for p in ours if p.account_id == target.id)


async def on_flag(inc: Incoming) -> None:
    """Flag: a report about one of our accounts (and some of its posts) for the moderators."""
    target, post_ids = await _report_target(inc, inc.activity.object_ids)
    if target is None:
        return inc.drop("the report is not about one of our accounts")
    comment = plain_text(inc.activity.content)[:MAX_REPORT_COMMENT]
    async with inc.svc.db.write() as tx:
        filed = await report_store.insert_report(
            tx,
            id=new_id(),
            account_id=inc.actor.id,
            target_account_id=target.id,
            post_ids=post_ids,
            comment=comment,
            uri=inc.activity.id or None,
        )
    logger.info("inbox report about=%s by=%s new=%s", target.id, inc.actor.uri, filed)
    return None


ROUTES: Routes = {
    ("Like", ANY): on_like,
    ("Undo", "Like"): on_undo_like,
    ("Undo", "Announce"): on_undo_announce,
    ("Undo", "Block"): on_undo_block,
    ("Undo", ""): on_undo_by_id,
    ("Block", ANY): on_block,
    ("Flag", ANY): on_flag,
}
