"""Changes to remote actors: Update (profile, key), Delete (the account), Move, Add/Remove (pins).

Each acts only on the signing actor itself: an actor may update, delete or move only its own
account, and pin only its own posts.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from fedi.activitypub.parse import parse_document
from fedi.activitypub.vocab import Actor
from fedi.errors import BadDocument, Conflict, Forbidden, RemoteError
from fedi.inbox.handlers import ACTOR, ANY, Incoming, Routes, same_origin
from fedi.inbox.handlers.note_store import fetch_note, store_note
from fedi.media.remote_attach import enqueue_profile_images, refresh_profile_images
from fedi.netguard import Unreachable
from fedi.outbox.interactions import follow_account, unfollow_account
from fedi.remote import actor_fields
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import moves as move_store
from fedi.storage import posts as post_store
from fedi.storage import remote_accounts as remote_account_store
from fedi.storage import remote_posts as remote_store
from fedi.storage.clock import now_db
from fedi.storage.rows import Account, Post

logger = logging.getLogger(__name__)

MOVE_COOLDOWN = timedelta(days=7)


async def on_update_actor(inc: Incoming) -> None:
    """Update(Person...): the actor's profile and key are refreshed from the signed document."""
    if inc.activity.object_id != inc.actor.uri:
        return inc.drop("an actor may update only itself")
    obj = inc.activity.object
    if not isinstance(obj, Actor):
        refreshed = await inc.resolver.get_actor(inc.actor.uri, refresh=True)
        await refresh_profile_images(inc.svc, refreshed)
        return None
    # Interop: Mastodon takes the embedded actor as sent: it is the signer's own document.
    try:
        fields = actor_fields(dict(obj.raw), inc.actor.uri)
        async with inc.svc.db.write() as tx:
            account = await remote_account_store.upsert_remote_account(tx, fields)
            # A new avatar or header is fetched by a job, and replaces the cached one when it is.
            await enqueue_profile_images(inc.svc, tx, account)
    except (BadDocument, Conflict) as exc:
        return inc.drop(f"unusable actor document: {exc.safe_message}")
    logger.info("inbox actor updated uri=%s", inc.actor.uri)
    return None


async def on_delete_actor(inc: Incoming) -> None:
    """Delete(actor): the account is marked deleted, its follows end, its posts disappear."""
    if inc.activity.object_id != inc.actor.uri:
        return inc.drop("an actor may delete only itself")
    async with inc.svc.db.write() as tx:
        await account_store.update_account(tx, inc.actor.id, deleted_at=now_db())
        follows = await follow_store.delete_all_follows_of(tx, inc.actor.id)
        posts = await remote_store.mark_account_posts_deleted(tx, inc.actor.id)
    logger.info("inbox actor deleted uri=%s follows=%s posts=%s", inc.actor.uri, follows, posts)
    return None


def _aliases(account: Account) -> tuple[str, ...]:
    """The `alsoKnownAs` of a stored remote actor (from its document)."""
    try:
        found = parse_document(json.loads(account.raw_json or "{}"))
    except (ValueError, BadDocument):
        return ()
    return found.also_known_as if isinstance(found, Actor) else ()


async def on_move(inc: Incoming) -> None:
    """Move: local followers of the old account follow the new one, if it names the old as alias
    and the old account has not moved within the last 7 days."""
    activity = inc.activity
    if activity.object_id != inc.actor.uri or not activity.target:
        return inc.drop("an actor may move only itself, and only somewhere")
    try:
        new = await inc.resolver.get_actor(activity.target, refresh=True)
    except Unreachable:
        raise
    except RemoteError as exc:
        return inc.drop(f"the move target is unavailable: {exc.safe_message}")
    if new.id == inc.actor.id or new.deleted_at or new.suspended_at:
        return inc.drop("the move target is not a live account")
    if inc.actor.uri not in _aliases(new):
        return inc.drop("the move target does not list the old account in alsoKnownAs")
    # Interop: Mastodon and GoToSocial allow one move per 7 days (so followers cannot be bounced
    # between accounts). TODO(#7): they also refuse targets that moved themselves.
    async with inc.svc.db.write() as tx:
        claimed = await move_store.claim_move(
            tx, inc.actor.id, target_uri=new.uri, cooldown=MOVE_COOLDOWN
        )
    if not claimed:
        return inc.drop("the account already moved within the last 7 days")
    async with inc.svc.db.read() as conn:
        follower_ids = await follow_store.list_local_follower_ids(conn, inc.actor.id)
        followers = await account_store.get_accounts(conn, follower_ids)
    for follower in followers.values():
        await unfollow_account(inc.svc, follower, inc.actor)
        try:
            await follow_account(inc.svc, follower, new)
        except Forbidden:  # a block between the follower and the new account: no follow
            continue
    logger.info("inbox move from=%s to=%s followers=%s", inc.actor.uri, new.uri, len(followers))
    return None


async def _own_post(inc: Incoming, uri: str, *, fetch: bool) -> Post | None:
    """A post of the actor by uri: stored, or (with `fetch`) fetched and stored quietly."""
    async with inc.svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, uri)
    if post is None and fetch:
        note = await fetch_note(inc.resolver, uri)
        if note is not None and note.attributed_to == inc.actor.uri:
            post = await store_note(inc, note, author=inc.actor, fan_in=False)
    if post is None or post.account_id != inc.actor.id or post.deleted_at is not None:
        return None
    return post


def _featured_target(inc: Incoming) -> bool:
    featured = inc.actor.featured_uri
    return bool(featured) and inc.activity.target == featured


async def on_add(inc: Incoming) -> None:
    """Add to the actor's `featured` collection: the post is pinned to the profile."""
    uri = inc.activity.object_id
    if not _featured_target(inc) or not uri or not same_origin(uri, inc.actor.uri):
        return inc.drop("only adding one's own post to one's featured collection is understood")
    post = await _own_post(inc, uri, fetch=True)
    if post is None:
        return inc.drop("no such post of the actor")
    async with inc.svc.db.write() as tx:
        await remote_store.insert_featured(tx, account_id=inc.actor.id, post_id=post.id)
    return None


async def on_remove(inc: Incoming) -> None:
    """Remove from the actor's `featured` collection: the post is unpinned."""
    uri = inc.activity.object_id
    if not _featured_target(inc) or not uri:
        return inc.drop("only removing from one's featured collection is understood")
    post = await _own_post(inc, uri, fetch=False)
    if post is None:
        return None
    async with inc.svc.db.write() as tx:
        await remote_store.delete_featured(tx, account_id=inc.actor.id, post_id=post.id)
    return None


ROUTES: Routes = {
    ("Update", ACTOR): on_update_actor,
    ("Delete", ACTOR): on_delete_actor,
    ("Move", ANY): on_move,
    ("Add", ANY): on_add,
    ("Remove", ANY): on_remove,
}
