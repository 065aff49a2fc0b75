"""Federate local actions: build the activity and queue its fan-out, inside the use case's transaction.

Called at the end of each use case's transaction (outbox/posts.py, outbox/interactions.py,
outbox/profile.py, and the inbox when it answers a Follow). Who receives what:
- a public, unlisted or followers-only post: the author's remote followers, the remote accounts it
  mentions and, for a public or unlisted reply, the remote author it replies to;
- a direct post: only the remote accounts it mentions;
- Follow, Undo(Follow), Like, Undo(Like), Block, Undo(Block): the other actor; Accept and Reject
  (of a follow request): the remote follower;
- Delete(actor): every remote account following or followed by the deleted account;
- Announce and Undo(Announce) (a boost): the booster's remote followers and the boosted post's
  remote author.
When nobody remote is concerned nothing is queued (and nothing is built). Each function returns
the fan-out job id, or None.
"""

from __future__ import annotations

from fedi.activitypub.addressing import PUBLIC, Audience
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.outbox import activities
from fedi.outbox.fanout import enqueue_activity
from fedi.outbox.render import actor_json, note_jsons
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import posts as post_store
from fedi.storage.clock import now_db
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Follow, Post

JsonDict = activities.JsonDict
POST_ACTIVITIES = ("Create", "Update", "Delete")
# Visibilities whose replies also go to the (remote) author replied to, who may not follow us.
REPLY_NOTICE_VISIBILITIES = ("public", "unlisted")


def preferred_inbox(account: Account) -> str:
    """Where to deliver to a remote account: its server's shared inbox, else its own."""
    return account.shared_inbox_uri or account.inbox_uri


def _remote(account: Account | None) -> bool:
    return account is not None and not account.local and account.deleted_at is None


# --- posts ------------------------------------------------------------------------------------


async def federate_post(svc: Services, tx: Tx, kind: str, post: Post) -> int | None:
    """Queue Create / Update / Delete of a local post for its remote audience."""
    if kind not in POST_ACTIVITIES:
        raise ValueError(f"unknown post activity {kind!r}")
    if not post.local or post.reblog_of_id is not None:
        return None
    to_followers = post.visibility != "direct"
    if not await post_store.has_remote_audience(
        tx,
        post,
        to_followers=to_followers,
        to_reply_author=post.visibility in REPLY_NOTICE_VISIBILITIES,
    ):
        return None  # the common case on a small instance: one query, nothing built
    author = await account_store.get_account(tx, post.account_id)
    if author is None or not author.local:
        return None
    mentioned_ids = (await post_store.list_mentions(tx, [post.id])).get(post.id, [])
    related = await account_store.get_accounts(
        tx,
        [*mentioned_ids, *([post.in_reply_to_account_id] if post.in_reply_to_account_id else [])],
    )
    inboxes = [preferred_inbox(a) for i in mentioned_ids if _remote(a := related.get(i))]
    parent_author = related.get(post.in_reply_to_account_id or 0)
    if post.visibility in REPLY_NOTICE_VISIBILITIES and _remote(parent_author):
        assert parent_author is not None
        inboxes.append(preferred_inbox(parent_author))
    inboxes = [i for i in dict.fromkeys(inboxes) if i]
    if not inboxes and not (
        to_followers and await follow_store.has_remote_followers(tx, author.id)
    ):
        return None
    uris = Uris(svc.base_url)
    [note] = await note_jsons(tx, svc, author, [post], with_context=False)
    if kind == "Create":
        activity = activities.create_note(note, actor=author.uri)
    elif kind == "Update":
        activity = activities.update_note(
            note,
            id=activities.update_note_id(
                uris, author.username, post.id, post.edited_at or now_db()
            ),
            actor=author.uri,
        )
    else:
        activity = activities.delete_note(
            id=activities.delete_note_id(uris, author.username, post.id),
            actor=author.uri,
            object_id=post.uri,
            audience=Audience(to=tuple(note.get("to", [])), cc=tuple(note.get("cc", []))),
        )
    return await enqueue_activity(
        tx,
        actor=author,
        activity=activity,
        inboxes=inboxes,
        to_followers=to_followers,
        wake=svc.jobs.wake,
    )


# --- follows ----------------------------------------------------------------------------------


def _follow_of(uris: Uris, follower: Account, target: Account, follow: Follow) -> JsonDict:
    """The Follow a follow row stands for (our own id for a local follower, theirs otherwise)."""
    follow_uri = follow.uri
    if follow_uri is None and follower.local:
        follow_uri = activities.follow_id(uris, follower.username, follow.id)
    return activities.follow_object(id=follow_uri, actor=follower.uri, object=target.uri)


async def federate_follow(
    svc: Services, tx: Tx, follower: Account, target: Account, follow: Follow
) -> int | None:
    """Queue a Follow of a remote account, to its inbox."""
    if not follower.local or not _remote(target):
        return None
    body = _follow_of(Uris(svc.base_url), follower, target, follow)
    activity = activities.follow(id=str(body["id"]), actor=follower.uri, object=target.uri)
    return await enqueue_activity(
        tx, actor=follower, activity=activity, inboxes=[target.inbox_uri], wake=svc.jobs.wake
    )


async def federate_undo_follow(
    svc: Services, tx: Tx, follower: Account, target: Account, follow: Follow
) -> int | None:
    """Queue Undo(Follow) to a remote account we followed (or asked to)."""
    if not follower.local or not _remote(target):
        return None
    body = _follow_of(Uris(svc.base_url), follower, target, follow)
    activity = activities.undo(
        id=activities.undo_id(str(body["id"]), new_id()), actor=follower.uri, object=body
    )
    return await enqueue_activity(
        tx, actor=follower, activity=activity, inboxes=[target.inbox_uri], wake=svc.jobs.wake
    )


async def _answer_follow(svc: Services, tx: Tx, follow: Follow, kind: str) -> int | None:
    accounts = await account_store.get_accounts(tx, [follow.account_id, follow.target_account_id])
    follower, target = accounts.get(follow.account_id), accounts.get(follow.target_account_id)
    if target is None or not target.local or follower is None or not _remote(follower):
        return None
    uris = Uris(svc.base_url)
    body = _follow_of(uris, follower, target, follow)
    if kind == "Accept":
        activity = activities.accept_follow(
            id=activities.accept_id(uris, target.username, follow.id), actor=target.uri, follow=body
        )
    else:
        activity = activities.reject_follow(
            id=activities.reject_id(uris, target.username, follow.id), actor=target.uri, follow=body
        )
    return await enqueue_activity(
        tx,
        actor=target,
        activity=activity,
        inboxes=[follower.inbox_uri or follower.shared_inbox_uri],
        wake=svc.jobs.wake,
    )


async def federate_accept(svc: Services, tx: Tx, follow: Follow) -> int | None:
    """Queue Accept(Follow) to a remote follower of a local account."""
    return await _answer_follow(svc, tx, follow, "Accept")


async def federate_reject(svc: Services, tx: Tx, follow: Follow) -> int | None:
    """Queue Reject(Follow) to a remote account whose request (or follow) was refused."""
    return await _answer_follow(svc, tx, follow, "Reject")


# --- likes and blocks -------------------------------------------------------------------------


async def _remote_author(tx: Tx, account: Account, post: Post) -> Account | None:
    if not account.local or post.local:
        return None
    author = await account_store.get_account(tx, post.account_id)
    return author if _remote(author) else None


async def federate_like(svc: Services, tx: Tx, account: Account, post: Post) -> int | None:
    """Queue a Like of a remote post, to its author."""
    author = await _remote_author(tx, account, post)
    if author is None:
        return None
    activity = activities.like(
        id=activities.like_id(Uris(svc.base_url), account.username, post.id),
        actor=account.uri,
        object=post.uri,
    )
    return await enqueue_activity(
        tx, actor=account, activity=activity, inboxes=[preferred_inbox(author)], wake=svc.jobs.wake
    )


async def federate_undo_like(svc: Services, tx: Tx, account: Account, post: Post) -> int | None:
    """Queue Undo(Like) of a remote post, to its author."""
    author = await _remote_author(tx, account, post)
    if author is None:
        return None
    liked = activities.like(
        id=activities.like_id(Uris(svc.base_url), account.username, post.id),
        actor=account.uri,
        object=post.uri,
    )
    activity = activities.undo(
        id=activities.undo_id(str(liked["id"]), new_id()), actor=account.uri, object=liked
    )
    return await enqueue_activity(
        tx, actor=account, activity=activity, inboxes=[preferred_inbox(author)], wake=svc.jobs.wake
    )


async def federate_block(
    svc: Services,
    tx: Tx,
    blocker: Account,
    target: Account,
    block_row_id: int,
    *,
    undo: bool = False,
) -> int | None:
    """Queue Block (or Undo(Block)) of a remote account, to that account (as Mastodon does)."""
    if not blocker.local or not _remote(target):
        return None
    blocked = activities.block(
        id=activities.block_id(Uris(svc.base_url), blocker.username, block_row_id),
        actor=blocker.uri,
        object=target.uri,
    )
    activity = (
        activities.undo(
            id=activities.undo_id(str(blocked["id"]), new_id()), actor=blocker.uri, object=blocked
        )
        if undo
        else blocked
    )
    return await enqueue_activity(
        tx, actor=blocker, activity=activity, inboxes=[target.inbox_uri], wake=svc.jobs.wake
    )


# --- the account itself -----------------------------------------------------------------------


async def federate_profile_update(svc: Services, tx: Tx, account: Account) -> int | None:
    """Queue Update(Person) of a local account (profile or key change) to its remote followers."""
    if not account.local or not await follow_store.has_remote_followers(tx, account.id):
        return None
    uris = Uris(svc.base_url)
    current = await account_store.get_account(tx, account.id) or account
    activity = activities.update_actor(
        actor_json(uris, current),
        id=activities.update_actor_id(uris, current.username, current.updated_at or now_db()),
    )
    return await enqueue_activity(
        tx, actor=current, activity=activity, to_followers=True, wake=svc.jobs.wake
    )


async def federate_account_deletion(svc: Services, tx: Tx, account: Account) -> int | None:
    """Queue Delete(actor) of a local account to every server that knew it: the inboxes of its
    remote followers and of the remote accounts it follows (shared inboxes preferred).

    Call it before the account's follows are removed: the inboxes are listed now, into the job.
    """
    if not account.local:
        return None
    inboxes = await follow_store.list_remote_relation_inboxes(tx, account.id)
    if not inboxes:
        return None
    activity = activities.delete_actor(
        id=activities.delete_actor_id(Uris(svc.base_url), account.username), actor=account.uri
    )
    return await enqueue_activity(
        tx, actor=account, activity=activity, inboxes=inboxes, wake=svc.jobs.wake
    )


# --- boosts -----------------------------------------------------------------------------------


async def federate_boost(
    svc: Services, tx: Tx, account: Account, reblog: Post, original: Post, *, undo: bool = False
) -> int | None:
    """Queue Announce (or Undo(Announce)) of a boost to the booster's remote followers and the
    boosted post's remote author."""
    if not account.local or reblog.reblog_of_id != original.id:
        return None
    author = await account_store.get_account(tx, original.account_id)
    inboxes = [preferred_inbox(author)] if author is not None and _remote(author) else []
    if not inboxes and not await follow_store.has_remote_followers(tx, account.id):
        return None
    followers = Uris(svc.base_url).actor_collections(account.username)["followers"]
    cc = [author.uri] if author is not None else []
    announced = activities.announce(
        id=reblog.uri,
        actor=account.uri,
        object=original.uri,
        published=reblog.created_at,
        audience=Audience(to=(PUBLIC,), cc=tuple(dict.fromkeys([*cc, followers]))),
    )
    activity = activities.undo_announce(announce=announced, ident=new_id()) if undo else announced
    return await enqueue_activity(
        tx, actor=account, activity=activity, inboxes=inboxes, to_followers=True, wake=svc.jobs.wake
    )
