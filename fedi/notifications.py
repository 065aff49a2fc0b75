"""Notifications, read side: who did what, the posts involved (visibility-checked), unread counts.

Notifications from accounts the viewer blocks, is blocked by, or mutes with their notifications
are left out (a block also keeps new ones from being written at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fedi.accounts.profiles import AccountCard, account_card
from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.moderation.relations import viewer_relations
from fedi.posts_view import PostView, time_label, views_with_conn
from fedi.storage import accounts as account_store
from fedi.storage import mutes as mute_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.clock import from_db, now_db, utcnow
from fedi.storage.rows import Account, Notification
from fedi.text import plain_text

PAGE_SIZE = 30
EXCERPT_CHARS = 200

# What each type says after the actor's name; unknown types fall back to a neutral phrase.
PHRASES = {
    "follow": "followed you",
    "follow_request": "requested to follow you",
    "mention": "mentioned you",
    "reply": "replied to your post",
    "favourite": "liked your post",
    "reblog": "boosted your post",
    "status": "posted",
    "update": "edited a post you interacted with",
    "poll": "ran a poll that has ended",
    "admin.sign_up": "signed up",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationView:
    """One notification as the notifications page shows it."""

    id: int
    type: str
    account: AccountCard
    post: PostView | None
    created_at: datetime
    created_label: str
    unread: bool
    reply_to_viewer: bool = False
    """The post answers one of the viewer's posts (a reply that also mentions them is a mention)."""

    @property
    def phrase(self) -> str:
        """`followed you`, `liked your post`, `replied to your post`…"""
        if self.type == "mention" and self.reply_to_viewer:
            return PHRASES["reply"]
        return PHRASES.get(self.type, "did something")

    @property
    def excerpt(self) -> str:
        """A short plain-text excerpt of the post (its content warning when it has one)."""
        if self.post is None:
            return ""
        post = self.post.post
        if post.content_warning:
            return "Content warning: " + post.content_warning
        text = plain_text(post.content_html).replace("\n", " ")
        return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationPage:
    """A page of notifications and the `max_id` of the next (older) page, if any."""

    items: list[NotificationView]
    next_max_id: int | None


async def _load(svc: Services, viewer_id: int, max_id: int | None, limit: int) -> NotificationPage:
    async with svc.db.read() as conn:
        raw = await notification_store.list_notifications(
            conn, viewer_id, max_id=max_id, limit=limit
        )
        silenced = (await viewer_relations(conn, viewer_id)).silenced if raw else frozenset()
        rows = [n for n in raw if n.from_account_id not in silenced]
        accounts = await account_store.get_accounts(conn, [n.from_account_id for n in rows])
        posts = await post_store.get_posts(conn, [n.post_id for n in rows if n.post_id is not None])
        live = [p for p in posts.values() if p.deleted_at is None]
        views = {v.id: v for v in await views_with_conn(conn, viewer_id, live)}
    items = [item for n in rows if (item := _view(svc, viewer_id, n, accounts, views)) is not None]
    next_max_id = raw[-1].id if len(raw) >= limit else None
    return NotificationPage(items=items, next_max_id=next_max_id)


def _view(
    svc: Services,
    viewer_id: int,
    n: Notification,
    accounts: dict[int, Account],
    views: dict[int, PostView],
) -> NotificationView | None:
    actor = accounts.get(n.from_account_id)
    if actor is None or actor.suspended_at or actor.deleted_at:
        return None
    post = None
    if n.post_id is not None:
        post = views.get(n.post_id)
        if post is None:  # deleted, or no longer visible to the viewer
            return None
    return NotificationView(
        id=n.id,
        type=n.type,
        account=account_card(svc, actor),
        post=post,
        created_at=from_db(n.created_at) or utcnow(),
        created_label=time_label(n.created_at),
        unread=n.read_at is None,
        reply_to_viewer=post is not None and post.post.in_reply_to_account_id == viewer_id,
    )


async def list_notifications(
    svc: Services, viewer: Viewer, max_id: int | None = None, *, limit: int = PAGE_SIZE
) -> list[NotificationView]:
    """The viewer's notifications, newest first; those about deleted or hidden posts are left out."""
    return (await _load(svc, viewer.id, max_id, limit)).items


async def open_notifications(
    svc: Services, viewer: Viewer, max_id: int | None = None, *, limit: int = PAGE_SIZE
) -> NotificationPage:
    """A page of the viewer's notifications, then every notification is marked read.

    Items keep their `unread` flag from before, so the page can highlight what is new.
    """
    page = await _load(svc, viewer.id, max_id, limit)
    if await unread_count(svc, viewer.id):
        await mark_all_read(svc, viewer)
    return page


async def unread_count(svc: Services, viewer_id: int) -> int:
    """How many notifications the viewer has not seen yet (one count; muted accounts' left out)."""
    async with svc.db.read() as conn:
        return await mute_store.count_unread_unmuted(conn, viewer_id, now=now_db())


async def mark_all_read(svc: Services, viewer: Viewer) -> None:
    """Mark every notification of the viewer as seen (the nav badge disappears)."""
    async with svc.db.write() as tx:
        await notification_store.mark_all_read(tx, viewer.id)
