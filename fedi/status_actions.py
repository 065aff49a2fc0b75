"""What the client API adds to posts: Idempotency-Key replays, bookmarks, pins, conversation mutes.

Posting itself is `outbox.posts.create_post` (the compose page's use case); `post_status` wraps it
so a retried request with the same Idempotency-Key returns the first post instead of posting
twice (the key is reserved before posting, so even a concurrent retry cannot double-post), and
records the app the post was written with. Bookmarks and conversation mutes are private to the
account; pins live in `featured_posts`, the table remote actors' pinned posts already use.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import timedelta

from fedi.context import Services
from fedi.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from fedi.media.attach import MediaChange
from fedi.outbox.boosts import boost_post, unboost_post
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.interactions import like_post, unlike_post
from fedi.outbox.pins import federate_pin
from fedi.outbox.posts import create_post, delete_post, edit_post
from fedi.polls.rules import PollDraft
from fedi.storage import bookmarks as bookmark_store
from fedi.storage import idempotency as idempotency_store
from fedi.storage import posts as post_store
from fedi.storage import remote_posts as featured_store
from fedi.storage import status_mutes as status_mute_store
from fedi.storage.clock import to_db, utcnow
from fedi.storage.db import Conn
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Post
from fedi.visibility import NOT_FOUND_MESSAGE, OPEN_VISIBILITIES, check_visible

logger = logging.getLogger(__name__)

IDEMPOTENCY_WINDOW = timedelta(hours=1)
MAX_KEY_LENGTH = 255
MAX_PINS = 5
IN_FLIGHT = "A request with this Idempotency-Key is still being processed; try again shortly."
TOO_MANY_PINS = f"You have already pinned the maximum number of posts ({MAX_PINS})."
PIN_OWN_ONLY = "You can only pin your own posts."
PIN_OPEN_ONLY = "Only public and unlisted posts can be pinned."
NO_PARENT = "The post you are replying to does not exist, or you cannot see it."
BAD_LANGUAGE = "Use a language code such as en or pt-BR."
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")


def check_language(language: str | None) -> str | None:
    """An ISO 639 code as sent (`en`, `pt-BR`), None when empty; Invalid("language") otherwise."""
    text = (language or "").strip()
    if not text:
        return None
    if not _LANGUAGE.match(text):
        raise Invalid.field("language", BAD_LANGUAGE)
    return text


def _window_start() -> str:
    return to_db(utcnow() - IDEMPOTENCY_WINDOW)


async def post_status(
    svc: Services,
    author: Account,
    draft: PostDraft,
    *,
    app_id: int | None = None,
    idempotency_key: str | None = None,
) -> Post:
    """Publish a post through the API (`create_post`), at most once per Idempotency-Key.

    The same key from the same account within an hour returns the post made the first time
    (Conflict while that first request is still running). Writes: the key reservation, the post
    (create_post's transaction), then the key's post and the app the post was written with.
    """
    draft = replace(draft, language=check_language(draft.language))
    key = (idempotency_key or "").strip()[:MAX_KEY_LENGTH] or None
    if key is not None:
        async with svc.db.write() as tx:
            earlier = await idempotency_store.claim_key(
                tx, account_id=author.id, key=key, expired_before=_window_start()
            )
            replayed = await post_store.get_post(tx, earlier) if earlier else None
        if earlier == 0:
            raise Conflict(IN_FLIGHT)
        if replayed is not None:
            logger.info("idempotent replay account=%s post=%s", author.id, replayed.id)
            return replayed
    try:
        post = await _create(svc, author, draft)
    except BaseException:
        if key is not None:
            async with svc.db.write() as tx:
                await idempotency_store.release_key(tx, account_id=author.id, key=key)
        raise
    if key is not None or app_id is not None:
        async with svc.db.write() as tx:
            if key is not None:
                await idempotency_store.complete_key(
                    tx, account_id=author.id, key=key, post_id=post.id
                )
            if app_id is not None:
                await idempotency_store.insert_post_app(tx, post_id=post.id, app_id=app_id)
    return post


async def _create(svc: Services, author: Account, draft: PostDraft) -> Post:
    try:
        return await create_post(svc, author, draft)
    except NotFound as exc:
        if draft.in_reply_to_id is None:
            raise
        raise Invalid.field("in_reply_to_id", NO_PARENT) from exc


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    """What PUT /api/v1/statuses/:id changes; None keeps the current value."""

    text: str | None = None
    content_warning: str | None = None
    sensitive: bool | None = None
    language: str | None = None
    media_ids: tuple[int, ...] | None = None
    # Mastodon: the poll is replaced by the one sent, and removed when none is (PostEdit).
    poll: PollDraft | None = None
    remove_poll: bool = False
    media_changes: tuple[MediaChange, ...] = ()


async def edit_status(svc: Services, editor: Account, post_id: int, change: StatusChange) -> Post:
    """Edit one's own post (`edit_post`), keeping what the change leaves out."""
    language = check_language(change.language)
    async with svc.db.read() as conn:
        current = await _visible(conn, editor.id, post_id)
    edit = PostEdit(
        text=current.source if change.text is None else change.text,
        content_warning=(
            current.content_warning if change.content_warning is None else change.content_warning
        ),
        sensitive=bool(current.sensitive) if change.sensitive is None else change.sensitive,
        language=language or current.language,
        media_ids=change.media_ids,
        poll=change.poll,
        remove_poll=change.remove_poll,
        media_changes=change.media_changes,
    )
    return await edit_post(svc, editor, current.id, edit)


async def purge_idempotency_keys(svc: Services) -> int:
    """Forget Idempotency-Keys older than the replay window (housekeeping)."""
    async with svc.db.write() as tx:
        return await idempotency_store.purge_keys(tx, expired_before=_window_start())


async def _visible(conn: Conn, viewer_id: int, post_id: int) -> Post:
    """The post (a boost stands for its original) if the viewer may see it; else NotFound."""
    post = await post_store.get_post(conn, post_id)
    if post is not None and post.reblog_of_id is not None:
        post = await post_store.get_post(conn, post.reblog_of_id)
    try:
        return await check_visible(conn, viewer_id, post)
    except Gone:
        raise NotFound(NOT_FOUND_MESSAGE) from None


async def _existing(conn: Conn, post_id: int) -> Post:
    """A post that exists (a boost stands for its original), visible or not; else NotFound."""
    post = await post_store.get_post(conn, post_id)
    if post is not None and post.reblog_of_id is not None:
        post = await post_store.get_post(conn, post.reblog_of_id)
    if post is None or post.deleted_at is not None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return post


# --- bookmarks ----------------------------------------------------------------------------------


async def bookmark_post(svc: Services, account: Account, post_id: int) -> Post:
    """Bookmark a post the account can see (idempotent); return the post bookmarked."""
    async with svc.db.write() as tx:
        post = await _visible(tx, account.id, post_id)
        await bookmark_store.insert_bookmark(
            tx, id=new_id(), account_id=account.id, post_id=post.id
        )
    return post


async def unbookmark_post(svc: Services, account: Account, post_id: int) -> Post:
    """Remove a bookmark (idempotent); NotFound only when the post does not exist."""
    async with svc.db.write() as tx:
        post = await _existing(tx, post_id)
        await bookmark_store.delete_bookmark(tx, account_id=account.id, post_id=post.id)
    return post


# --- conversation mutes ------------------------------------------------------------------------


async def mute_conversation(svc: Services, account: Account, post_id: int) -> Post:
    """Stop notifications about the thread of a post the account can see (idempotent)."""
    async with svc.db.write() as tx:
        post = await _visible(tx, account.id, post_id)
        await status_mute_store.insert_status_mute(
            tx, account_id=account.id, thread_id=post.thread_root_id or post.id
        )
    return post


async def unmute_conversation(svc: Services, account: Account, post_id: int) -> Post:
    """Get notifications about a thread again (idempotent)."""
    async with svc.db.write() as tx:
        post = await _existing(tx, post_id)
        await status_mute_store.delete_status_mute(
            tx, account_id=account.id, thread_id=post.thread_root_id or post.id
        )
    return post


# --- pins ---------------------------------------------------------------------------------------


async def pin_post(svc: Services, account: Account, post_id: int) -> Post:
    """Pin one's own public or unlisted post to the profile (at most five; idempotent).

    Forbidden for someone else's post (or a boost), Invalid when five are pinned already.
    A new pin queues an Add to the followers' servers (`outbox.pins.federate_pin`).
    """
    async with svc.db.write() as tx:
        post = await _visible(tx, account.id, post_id)
        if post.account_id != account.id or not post.local:
            raise Forbidden(PIN_OWN_ONLY)
        if post.visibility not in OPEN_VISIBILITIES:
            raise Invalid.field("visibility", PIN_OPEN_ONLY)
        pinned = await featured_store.list_featured_ids(tx, account.id)
        if post.id not in pinned:
            if len(pinned) >= MAX_PINS:
                raise Invalid.field("pin", TOO_MANY_PINS)
            await featured_store.insert_featured(tx, account_id=account.id, post_id=post.id)
            await federate_pin(svc, tx, account, post, pinned=True)
    return post


async def unpin_post(svc: Services, account: Account, post_id: int) -> Post:
    """Unpin a post from the profile (idempotent; a Remove goes to followers' servers)."""
    async with svc.db.write() as tx:
        post = await _existing(tx, post_id)
        if await featured_store.delete_featured(tx, account_id=account.id, post_id=post.id):
            await federate_pin(svc, tx, account, post, pinned=False)
    return post


# --- favourites and boosts, answering with the post -----------------------------------------


async def favourite_status(svc: Services, account: Account, post_id: int) -> Post:
    """Like a visible post (a boost's id stands for its original); return the liked post."""
    async with svc.db.read() as conn:
        post = await _visible(conn, account.id, post_id)
    await like_post(svc, account, post.id)
    return post


async def unfavourite_status(svc: Services, account: Account, post_id: int) -> Post:
    """Remove a like (idempotent); return the post."""
    async with svc.db.read() as conn:
        post = await _existing(conn, post_id)
    await unlike_post(svc, account, post.id)
    return post


async def reblog_status(svc: Services, account: Account, post_id: int) -> Post:
    """Boost a visible public or unlisted post (idempotent); return the boost row."""
    return await boost_post(svc, account, post_id)


async def unreblog_status(svc: Services, account: Account, post_id: int) -> Post:
    """Withdraw a boost (idempotent); return the original post."""
    async with svc.db.read() as conn:
        post = await _existing(conn, post_id)
    await unboost_post(svc, account, post.id)
    return post


async def delete_status(svc: Services, account: Account, post_id: int) -> Post:
    """Delete one's own post (`delete_post`); a boost's id withdraws the boost instead.

    Returns the post as it was before (its source text for "delete & redraft").
    """
    async with svc.db.read() as conn:
        post = await post_store.get_post(conn, post_id)
    if post is not None and post.reblog_of_id is not None and post.account_id == account.id:
        await unboost_post(svc, account, post.reblog_of_id)
        return post
    return await delete_post(svc, account, post_id)
