"""Posts from other servers: Create, Update (edits with history), Delete, and Announce (boosts).

Authorship is checked in every handler (CVE-2024-37903): only the author may edit or delete a
post, and an object from another server is fetched from its origin rather than believed.
"""

from __future__ import annotations

import json
import logging

from fedi.activitypub.addressing import visibility_of
from fedi.activitypub.vocab import Note
from fedi.cards.service import enqueue_card_fetch
from fedi.events import surface_deletion, surface_status
from fedi.inbox.handlers import ANY, Incoming, Routes, is_local, same_origin
from fedi.inbox.handlers.note_store import (
    content_html,
    content_warning,
    edit_time,
    fetch_note,
    hashtags,
    mentioned_locals,
    newer,
    store_note,
    stored_time,
    trusted_note,
    unchanged,
)
from fedi.media.remote_attach import (
    forget_remote_attachments,
    remote_media_rows,
    sync_remote_attachments,
)
from fedi.moderation.relations import is_blocked_between
from fedi.polls.federation import store_question
from fedi.storage import media as media_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage import remote_posts as remote_store
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Media, Post
from fedi.timelines import fan_in_mentions
from fedi.visibility import DIRECT, OPEN_VISIBILITIES

logger = logging.getLogger(__name__)


async def on_create_note(inc: Incoming) -> None:
    """Create(Note/Question/...): store the post and fan it in to local followers and mentions."""
    note = await trusted_note(inc, inc.activity.object)
    if note is None:
        return inc.drop("the object is not a note we could verify at its origin")
    if note.attributed_to == inc.actor.uri:
        author = inc.actor
    elif same_origin(note.uri, inc.actor.uri):
        return inc.drop("the note is attributed to someone else")
    else:
        # Fetched from its own origin: the content is its author's, whoever passed it on.
        author = await inc.resolver.get_actor(note.attributed_to)
    await store_note(inc, note, author=author, fan_in=True)


async def on_update_note(inc: Incoming) -> None:
    """Update(Note): an edit by the author, kept with history (Mastodon needs `updated`)."""
    note = inc.activity.object
    if not isinstance(note, Note):
        return inc.drop("an Update without an embedded note")
    if note.attributed_to != inc.actor.uri or not same_origin(note.uri, inc.actor.uri):
        return inc.drop("only the author may edit a note")
    async with inc.svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, note.uri)
        mentioned = await mentioned_locals(conn, inc.svc, note)
        media = [] if post is None else await media_store.list_post_media(conn, post.id)
    if post is None or post.deleted_at is not None or post.account_id != inc.actor.id:
        return inc.drop("no such live post of this actor")
    edited_at = edit_time(note)
    if unchanged(post, note) and (edited_at is None or same_attachments(post, note, media)):
        # Interop: Update(Question) refreshes poll tallies; nothing to keep in the history.
        # An edit of attachments only (new alt text, say) is a version of its own when the
        # update says when it was made (Mastodon's do); without that, it is applied in place.
        async with inc.svc.db.write() as tx:
            await post_store.update_post(tx, post.id, raw_json=_raw(note))
            await store_question(inc.svc, tx, post.id, note)
            await _sync_media(inc, tx, post, note)
        return None
    if edited_at is None:
        return inc.drop("an Update without `updated` is not an edit")
    if not newer(edited_at, post):
        return inc.drop("the edit is older than the version we hold")
    await _apply_edit(inc, post, note, edited_at, [a.id for a in mentioned])


def _raw(note: Note) -> str:
    return json.dumps(dict(note.raw), ensure_ascii=False)


def same_attachments(post: Post, note: Note, media: list[Media]) -> bool:
    """True when the note's attachments are the post's, in order, with the same alt text and
    focal point (as they would be stored), so an update changes none of them."""
    wanted = remote_media_rows(note.attachments, account_id=post.account_id, post_id=post.id)
    return [_shown(m) for m in media] == [_shown(m) for m in wanted]


def _shown(media: Media) -> tuple[str | None, str, float, float]:
    return (media.remote_url, media.description, media.focus_x, media.focus_y)


async def _sync_media(inc: Incoming, tx: Tx, post: Post, note: Note) -> None:
    """The edit's attachments: kept ones get the new alt text, new ones are fetched by jobs."""
    await sync_remote_attachments(
        inc.svc, tx, post_id=post.id, account_id=post.account_id, attachments=note.attachments
    )


async def _apply_edit(
    inc: Incoming, post: Post, note: Note, edited_at: str, mentioned: list[int]
) -> None:
    warning = content_warning(note)
    async with inc.svc.db.write() as tx:
        before = set((await post_store.list_mentions(tx, [post.id])).get(post.id, []))
        applied = await remote_store.update_remote_post(
            tx,
            post.id,
            content_warning=warning,
            content_html=content_html(note),
            sensitive=int(note.sensitive or bool(warning)),
            language=note.language or post.language,
            raw_json=_raw(note),
            edited_at=edited_at,
            mention_ids=mentioned,
            tags=hashtags(note),
        )
        if not applied:
            return
        await store_question(inc.svc, tx, post.id, note, new_version=True)
        await _sync_media(inc, tx, post, note)
        updated = await post_store.get_post(tx, post.id)
        assert updated is not None
        added = [a for a in mentioned if a not in before]
        for account_id in await fan_in_mentions(tx, updated, added):
            await notification_store.insert_notification(
                tx,
                account_id=account_id,
                from_account_id=post.account_id,
                type="mention",
                post_id=post.id,
            )
        await enqueue_card_fetch(inc.svc, tx, updated, edited=True)
        surface_status(inc.svc, tx, updated, edited=True, notified=added)
    logger.info("inbox note edited uri=%s post=%s", note.uri, post.id)


async def on_delete_note(inc: Incoming) -> None:
    """Delete(Note/Tombstone/IRI): the author's post is soft-deleted (its page then says 410)."""
    uri = inc.activity.object_id
    if not uri or not same_origin(uri, inc.actor.uri):
        return inc.drop("an actor may delete only objects of its own server")
    async with inc.svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, uri)
    if post is None:
        # Delete-before-Create (reference section 4): remember it, so a late Create is dropped.
        async with inc.svc.db.write() as tx:
            await remote_store.remember_deleted_uri(tx, uri)
        return None
    if post.account_id != inc.actor.id:
        return inc.drop("only the author may delete a post")
    if post.deleted_at is not None:
        return None
    async with inc.svc.db.write() as tx:
        if post.reblog_of_id is not None:
            await remote_store.delete_reblog(tx, post.id)
        else:
            await post_store.mark_deleted(tx, post.id)
            await forget_remote_attachments(inc.svc, tx, post.id)
        surface_deletion(inc.svc, tx, post)
    logger.info("inbox note deleted uri=%s post=%s", uri, post.id)
    return None


async def _boosted(inc: Incoming, known: Post | None) -> Post | None:
    """The other server's post an Announce boosts: `known` (looked up by the caller), or
    fetched from its origin and stored quietly."""
    activity = inc.activity
    uri = activity.object_id
    if known is not None or not uri:
        return known
    obj = activity.object
    # Interop: an embedded object is believed only as a self-boost from the booster's server.
    if (
        isinstance(obj, Note)
        and obj.attributed_to == inc.actor.uri
        and same_origin(uri, inc.actor.uri)
    ):
        note: Note | None = obj
    else:
        note = await fetch_note(inc.resolver, uri)
    if note is None:
        return None
    author = (
        inc.actor
        if note.attributed_to == inc.actor.uri
        else await inc.resolver.get_actor(note.attributed_to)
    )
    return await store_note(inc, note, author=author, fan_in=False)


async def on_announce(inc: Incoming) -> None:
    """Announce: a boost row pointing at the (fetched if unknown) original, fanned in to followers."""
    activity = inc.activity
    if activity.id and not same_origin(activity.id, inc.actor.uri):
        return inc.drop("the Announce id is not on the actor's server")
    uri = activity.object_id
    fetched: Post | None = None
    if uri and not is_local(inc.svc, uri):
        # Another server's post may have to be fetched (network before the write): look first.
        async with inc.svc.db.read() as conn:
            known = await remote_store.get_posts_by_uris(conn, [u for u in (activity.id, uri) if u])
        if activity.id and activity.id in known:
            return None
        fetched = await _boosted(inc, known.get(uri))
        if fetched is None:
            return inc.drop("the boosted post is unknown or deleted")
    # One write that does its reads too: the writer's cache is warm, a reader's is not.
    async with inc.svc.db.write() as tx:
        if activity.id and await post_store.get_post_by_uri(tx, activity.id) is not None:
            return None
        original = fetched or (await post_store.get_post_by_uri(tx, uri) if uri else None)
        if original is not None and original.reblog_of_id is not None:
            original = await post_store.get_post(tx, original.reblog_of_id)
        if original is None or original.deleted_at is not None:
            return inc.drop("the boosted post is unknown or deleted")
        if original.visibility not in OPEN_VISIBILITIES and original.account_id != inc.actor.id:
            return inc.drop("only public and unlisted posts may be boosted")
        if await remote_store.get_reblog(tx, inc.actor.id, original.id) is not None:
            return None
        if await is_blocked_between(tx, inc.actor.id, original.account_id):
            return inc.drop("the booster and the boosted post's author are blocked")
        reblog = _reblog(inc, original)
        notices = [(original.account_id, "reblog", original.id)] if original.local else []
        await remote_store.insert_remote_post(
            tx,
            reblog,
            include_local_followers=reblog.visibility != DIRECT,
            notifications=notices,
        )
        surface_status(inc.svc, tx, reblog, notified=[a for a, _, _ in notices])
    logger.info("inbox boost stored uri=%s of=%s", reblog.uri, original.id)
    return None


def _reblog(inc: Incoming, original: Post) -> Post:
    """The boost row of an Announce (not yet stored)."""
    activity = inc.activity
    return Post(
        id=new_id(),
        uri=activity.id or f"{inc.actor.uri}#announces/{original.id}",
        url=activity.id or original.url,
        account_id=inc.actor.id,
        local=0,
        visibility=visibility_of(
            activity.to, activity.cc, followers=inc.actor.followers_uri or None
        ),
        reblog_of_id=original.id,
        created_at=stored_time(activity.published),
    )


NOTE_KINDS = ("Note", "Question", "Article", "Page", "Image", "Video", "Audio", "Event")

ROUTES: Routes = {
    ("Create", ""): on_create_note,
    **{("Create", kind): on_create_note for kind in NOTE_KINDS},
    **{("Update", kind): on_update_note for kind in NOTE_KINDS},
    ("Delete", ""): on_delete_note,
    ("Delete", "Tombstone"): on_delete_note,
    **{("Delete", kind): on_delete_note for kind in NOTE_KINDS},
    ("Announce", ANY): on_announce,
}
