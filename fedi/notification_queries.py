"""Notifications as the client API reads them: Mastodon's types, type filters, paging, dismissal.

Stored types map to Mastodon's (`reply` is a `mention`, as Mastodon delivers replies). Left out
of every read: notifications from accounts the viewer blocks, is blocked by or mutes with their
notifications (`moderation.relations`), from hidden domains (kept out at write time by the
schema), those about posts that are gone or no longer visible, and those about posts a `hide`
filter of the viewer's `notifications` context matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fedi.context import Services
from fedi.errors import NotFound
from fedi.filters import FilterMatch, apply_filters
from fedi.moderation.relations import viewer_relations
from fedi.paging import Window
from fedi.storage import accounts as account_store
from fedi.storage import markers as marker_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.db import Conn
from fedi.storage.rows import Account, Notification, Post
from fedi.visibility import filter_visible

NOT_FOUND = "Record not found"

STORED_AS: dict[str, tuple[str, ...]] = {"mention": ("mention", "reply")}
"""Mastodon type -> the stored types it covers (other types are stored under their own name)."""
API_TYPE: dict[str, str] = {"reply": "mention"}
"""Stored type -> Mastodon type, where they differ."""
KNOWN_TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "severed_relationships",
    "moderation_warning",
    "quote",
    "quoted_update",
)


def api_type(stored: str) -> str:
    """The Mastodon name of a stored notification type."""
    return API_TYPE.get(stored, stored)


def stored_types(types: Sequence[str]) -> list[str]:
    """The stored types that Mastodon types cover."""
    return [s for t in dict.fromkeys(types) for s in STORED_AS.get(t, (t,))]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationItem:
    """One notification with its actor and (for post notifications) the post, visible to the viewer."""

    notification: Notification
    type: str
    account: Account
    post: Post | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationList:
    """A page of notifications, the paging ids of the rows read, and filter warnings per post."""

    items: list[NotificationItem] = field(default_factory=list)
    cursor_ids: list[int] = field(default_factory=list)
    filtered: dict[int, list[FilterMatch]] = field(default_factory=dict)


async def _items(
    conn: Conn, viewer_id: int, rows: list[Notification]
) -> tuple[list[NotificationItem], dict[int, list[FilterMatch]]]:
    """Attach actors and posts (batch), dropping what the viewer should not see."""
    if not rows:
        return [], {}
    accounts = await account_store.get_accounts(conn, sorted({n.from_account_id for n in rows}))
    found = await post_store.get_posts(conn, [n.post_id for n in rows if n.post_id is not None])
    live = [p for p in found.values() if p.deleted_at is None]
    visible = await filter_visible(conn, viewer_id, live)
    kept, filtered = await apply_filters(conn, viewer_id, visible, "notifications")
    posts = {p.id: p for p in kept}
    items = []
    for n in rows:
        actor = accounts.get(n.from_account_id)
        if actor is None or actor.suspended_at or actor.deleted_at:
            continue
        post = None
        if n.post_id is not None:
            post = posts.get(n.post_id)
            if post is None:
                continue
        items.append(
            NotificationItem(notification=n, type=api_type(n.type), account=actor, post=post)
        )
    return items, filtered


async def list_notifications(
    svc: Services,
    viewer_id: int,
    window: Window,
    *,
    types: Sequence[str] = (),
    exclude_types: Sequence[str] = (),
    account_id: int | None = None,
    include_filtered: bool = False,
) -> NotificationList:
    """The viewer's notifications, newest first: only `types` (Mastodon names) when given,
    never `exclude_types`, only from `account_id` when given; with `include_filtered`, those
    the notification policy holds back too."""
    async with svc.db.read() as conn:
        silenced = (await viewer_relations(conn, viewer_id)).silenced
        rows = await notification_store.list_notifications_filtered(
            conn,
            viewer_id,
            types=stored_types(types) if types else None,
            exclude_types=stored_types(exclude_types),
            from_account_id=account_id,
            hidden_account_ids=silenced,
            max_id=window.max_id,
            since_id=window.since_id,
            min_id=window.min_id,
            limit=window.limit,
            with_held=include_filtered,
        )
        items, filtered = await _items(conn, viewer_id, rows)
    return NotificationList(items=items, cursor_ids=[n.id for n in rows], filtered=filtered)


async def get_notification(svc: Services, viewer_id: int, notification_id: int) -> NotificationList:
    """One of the viewer's notifications (NotFound when missing, someone else's, or hidden)."""
    async with svc.db.read() as conn:
        row = await notification_store.get_notification(conn, viewer_id, notification_id)
        silenced = (await viewer_relations(conn, viewer_id)).silenced
        rows = [row] if row is not None and row.from_account_id not in silenced else []
        items, filtered = await _items(conn, viewer_id, rows)
    if not items:
        raise NotFound(NOT_FOUND)
    return NotificationList(items=items, cursor_ids=[items[0].notification.id], filtered=filtered)


async def dismiss_notification(svc: Services, viewer_id: int, notification_id: int) -> None:
    """Delete one of the viewer's notifications (NotFound when there is none)."""
    async with svc.db.write() as tx:
        if not await notification_store.delete_notification(tx, viewer_id, notification_id):
            raise NotFound(NOT_FOUND)


async def clear_notifications(svc: Services, viewer_id: int) -> None:
    """Delete every notification of the viewer."""
    async with svc.db.write() as tx:
        await notification_store.delete_all_notifications(tx, viewer_id)


async def unread_count(svc: Services, viewer_id: int, *, limit: int = 100) -> int:
    """Notifications newer than the viewer's notifications marker and not yet seen on the web,
    from accounts not hidden, counted up to `limit` (Mastodon's unread_count)."""
    async with svc.db.read() as conn:
        markers = await marker_store.get_markers(conn, viewer_id, ["notifications"])
        silenced = (await viewer_relations(conn, viewer_id)).silenced
        return await notification_store.count_unread_after(
            conn,
            viewer_id,
            after_id=markers[0].last_read_id if markers else 0,
            hidden_account_ids=silenced,
            limit=limit,
        )
