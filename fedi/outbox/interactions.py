"""Follows (with approval for locked accounts) and likes: one transaction per use case.

Each use case ends with a `federate.federate_*` call, which enqueues the Follow / Accept /
Reject / Undo / Like activity for remote accounts (nothing for local ones).
"""

from __future__ import annotations

import logging

from fedi import visibility
from fedi.accounts.profiles import check_viewable
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.errors import Forbidden, Invalid, NotFound
from fedi.events import surface_notifications
from fedi.moderation.relations import relation_facts
from fedi.outbox import federate
from fedi.storage import accounts as account_store
from fedi.storage import feeds as feed_store
from fedi.storage import follows as follow_store
from fedi.storage import likes as like_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Follow, Post

logger = logging.getLogger(__name__)

# A new follower sees these of the author's recent posts in their home feed at once.
BACKFILL_VISIBILITIES = ("public", "unlisted", "private")
NO_SUCH_REQUEST = "There is no such follow request."
NO_SUCH_POST = "This post does not exist, or you cannot see it."


# --- follows --------------------------------------------------------------------------------


async def follow_account(svc: Services, follower: Account, target: Account) -> Follow:
    """Follow `target`, or ask to when it is locked; idempotent.

    One transaction: the follow row (accepted, or pending for a locked account), a `follow` or
    `follow_request` notification, and for an accepted follow the author's recent posts (followers-only
    included) copied into the follower's home feed.
    """
    if follower.id == target.id:
        raise Invalid.field("account", "You can't follow yourself.")
    follow_id = new_id()
    async with svc.db.write() as tx:
        current = check_viewable(await account_store.get_account(tx, target.id), target.username)
        await _refuse_across_block(tx, follower, current)
        existing = await follow_store.get_follow(tx, follower.id, current.id)
        if existing is not None:
            return existing
        # A remote follow stays pending until the remote server sends Accept (issue #3).
        state = "pending" if current.locked or not current.local else "accepted"
        uri = Uris(svc.base_url).activity(follower.username, "follows", follow_id)
        await follow_store.insert_follow(
            tx,
            id=follow_id,
            account_id=follower.id,
            target_account_id=current.id,
            state=state,
            uri=uri if follower.local else None,
        )
        if state == "accepted":
            await _surface_accepted(tx, follower, current)
        elif current.local:
            await notification_store.insert_notification(
                tx, account_id=current.id, from_account_id=follower.id, type="follow_request"
            )
        follow = await follow_store.get_follow(tx, follower.id, current.id)
        assert follow is not None
        await federate.federate_follow(svc, tx, follower, current, follow)
        surface_notifications(svc, tx, [current.id])
    logger.info("follow from=%s to=%s state=%s", follower.id, current.id, follow.state)
    return follow


async def _refuse_across_block(tx: Tx, follower: Account, target: Account) -> None:
    """Forbidden when either account blocks the other (moderation/blocks.py)."""
    facts = (await relation_facts(tx, follower.id, [target.id]))[target.id]
    if facts.blocking:
        raise Forbidden(f"You have blocked @{target.acct}. Unblock them to follow them.")
    if facts.blocked_by:
        raise Forbidden(f"@{target.acct} has blocked you, so you can't follow them.")


async def follow_by_username(svc: Services, follower: Account, username: str) -> Follow:
    """Follow the local account named `username` (NotFound if there is none)."""
    return await follow_account(svc, follower, await _local_target(svc, username))


async def unfollow_account(svc: Services, follower: Account, target: Account) -> Follow | None:
    """Stop following `target` or withdraw a pending request; return the removed follow, if any.

    One transaction: the follow row deleted, the author's posts taken out of the follower's home
    feed (mentions of the follower stay), and the follow / follow_request notification withdrawn.
    """
    async with svc.db.write() as tx:
        follow = await follow_store.get_follow(tx, follower.id, target.id)
        if follow is None:
            return None
        await follow_store.delete_follow(tx, follower.id, target.id)
        await feed_store.remove_author(tx, account_id=follower.id, author_id=target.id)
        for kind in ("follow", "follow_request"):
            await notification_store.delete_notifications(
                tx, account_id=target.id, from_account_id=follower.id, type=kind
            )
        await federate.federate_undo_follow(svc, tx, follower, target, follow)
    return follow


async def unfollow_by_username(svc: Services, follower: Account, username: str) -> Follow | None:
    """Unfollow (or withdraw the request to) the local account named `username`."""
    async with svc.db.read() as conn:
        target = await account_store.get_local_account(conn, username)
    if target is None:
        raise NotFound(f"No user @{username} here.")
    return await unfollow_account(svc, follower, target)


async def approve_follow(svc: Services, target: Account, follow_id: int) -> Follow:
    """The target accepts a pending request: follow accepted, home feed backfilled (idempotent).

    Only the account that was asked may answer; anyone else gets NotFound. The follow_request
    notification is removed; the follower is not notified (as in Mastodon).
    """
    async with svc.db.write() as tx:
        follow = await follow_store.get_follow_by_id(tx, follow_id)
        if follow is None or follow.target_account_id != target.id:
            raise NotFound(NO_SUCH_REQUEST)
        if follow.state == "pending":
            await _accept(svc, tx, follow)
        accepted = await follow_store.get_follow_by_id(tx, follow_id)
    assert accepted is not None
    return accepted


async def reject_follow(svc: Services, target: Account, follow_id: int) -> None:
    """The target refuses a pending request: the request and its notification are removed."""
    async with svc.db.write() as tx:
        follow = await follow_store.get_follow_by_id(tx, follow_id)
        if follow is None or follow.target_account_id != target.id or follow.state != "pending":
            raise NotFound(NO_SUCH_REQUEST)
        await follow_store.delete_follow(tx, follow.account_id, target.id)
        await notification_store.delete_notifications(
            tx, account_id=target.id, from_account_id=follow.account_id, type="follow_request"
        )
        await federate.federate_reject(svc, tx, follow)


async def accept_all_pending(svc: Services, tx: Tx, target_id: int) -> int:
    """Inside the caller's transaction, accept every pending request to `target_id` (unlocking)."""
    accepted = 0
    while batch := await follow_store.list_followers(tx, target_id, state="pending", limit=200):
        for follow in batch:
            await _accept(svc, tx, follow)
            accepted += 1
    return accepted


async def _accept(svc: Services, tx: Tx, follow: Follow) -> None:
    await follow_store.accept_follow(tx, follow.id)
    await notification_store.delete_notifications(
        tx,
        account_id=follow.target_account_id,
        from_account_id=follow.account_id,
        type="follow_request",
    )
    follower = await account_store.get_account(tx, follow.account_id)
    if follower is not None and follower.local:
        await feed_store.backfill_author(
            tx,
            account_id=follower.id,
            author_id=follow.target_account_id,
            visibilities=BACKFILL_VISIBILITIES,
        )
    await federate.federate_accept(svc, tx, follow)


async def _surface_accepted(tx: Tx, follower: Account, target: Account) -> None:
    if target.local:
        await notification_store.insert_notification(
            tx, account_id=target.id, from_account_id=follower.id, type="follow"
        )
    if follower.local:
        await feed_store.backfill_author(
            tx, account_id=follower.id, author_id=target.id, visibilities=BACKFILL_VISIBILITIES
        )


async def _local_target(svc: Services, username: str) -> Account:
    async with svc.db.read() as conn:
        account = await account_store.get_local_account(conn, username)
    return check_viewable(account, username)


# --- likes ----------------------------------------------------------------------------------


async def like_post(
    svc: Services, account: Account, post_id: int, *, author_username: str | None = None
) -> bool:
    """Like a post the account can see; True if newly liked (idempotent).

    One transaction: the like row and a `favourite` notification to a local author (never for a
    self-like). A missing, deleted or invisible post, or a wrong `author_username`, is NotFound.
    """
    async with svc.db.write() as tx:
        post = await _visible_post(tx, account.id, post_id, author_username)
        liked = await like_store.insert_like(
            tx, id=new_id(), account_id=account.id, post_id=post.id
        )
        if liked:
            author = await account_store.get_account(tx, post.account_id)
            if author is not None and author.local:
                await notification_store.insert_notification(
                    tx,
                    account_id=author.id,
                    from_account_id=account.id,
                    type="favourite",
                    post_id=post.id,
                )
            await federate.federate_like(svc, tx, account, post)
            surface_notifications(svc, tx, [post.account_id])
    return liked


async def unlike_post(
    svc: Services, account: Account, post_id: int, *, author_username: str | None = None
) -> bool:
    """Remove a like and withdraw its notification; False if the post was not liked.

    A like on a post the account can no longer see may still be removed.
    """
    async with svc.db.write() as tx:
        post = await post_store.get_post(tx, post_id)
        if post is None or not await _author_matches(tx, post, author_username):
            raise NotFound(NO_SUCH_POST)
        removed = await like_store.delete_like(tx, account.id, post.id)
        if removed:
            await notification_store.delete_notifications(
                tx,
                account_id=post.account_id,
                from_account_id=account.id,
                type="favourite",
                post_id=post.id,
            )
            await federate.federate_undo_like(svc, tx, account, post)
    return removed


async def _visible_post(tx: Tx, viewer_id: int, post_id: int, author_username: str | None) -> Post:
    post = await post_store.get_post(tx, post_id)
    if post is not None and post.reblog_of_id is not None:
        post = await post_store.get_post(tx, post.reblog_of_id)
    if post is None or post.deleted_at or not await _author_matches(tx, post, author_username):
        raise NotFound(NO_SUCH_POST)
    if not await visibility.filter_visible(tx, viewer_id, [post]):
        raise NotFound(NO_SUCH_POST)
    return post


async def _author_matches(tx: Tx, post: Post, author_username: str | None) -> bool:
    if author_username is None:
        return True
    author = await account_store.get_account(tx, post.account_id)
    # Remote posts live under /@name@host/<id>, local ones under /@name/<id>.
    return author is not None and author.acct.lower() == author_username.lower()
