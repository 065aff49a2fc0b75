"""Notification policy and requests (Mastodon 4.3): who may notify the user, and what waits.

For five kinds of sender (accounts the user does not follow, accounts not following the user,
new accounts, private mentions from strangers, moderator-limited accounts) the user chooses
`accept`, `filter` or `drop`. The schema applies the policy to every new notification
(migration 0013): filtered ones wait, one request per sender, outside the notifications list,
the web page, the unread badge and the streams; dropped ones are never stored. Accepting a
request moves its notifications into the list and lets that sender through from then on;
dismissing it deletes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fedi.accounts.profiles import AccountCard, account_card
from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.moderation.relations import viewer_relations
from fedi.notifications import NotificationView
from fedi.paging import Window
from fedi.posts_view import time_label, views_with_conn
from fedi.storage import accounts as account_store
from fedi.storage import notification_policy as policy_store
from fedi.storage import posts as post_store
from fedi.storage.clock import from_db, utcnow
from fedi.storage.db import Conn
from fedi.storage.rows import Account, NotificationRequest, Post
from fedi.text import plain_text
from fedi.visibility import filter_visible

SETTINGS = policy_store.SETTINGS
VALUES = ("accept", "filter", "drop")
V1_FLAGS = {
    "filter_not_following": "for_not_following",
    "filter_not_followers": "for_not_followers",
    "filter_new_accounts": "for_new_accounts",
    "filter_private_mentions": "for_private_mentions",
}
"""The v1 API's booleans and the settings they stand for (true = filter, false = accept)."""
NOT_FOUND = "Record not found"
BAD_VALUE = "must be accept, filter or drop"
WEB_PAGE_SIZE = 30
EXCERPT_CHARS = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """The user's settings and what waits for a decision."""

    settings: dict[str, str]
    pending_requests: int = 0
    pending_notifications: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestItem:
    """A request with its sender and its latest post the user may see (if any)."""

    request: NotificationRequest
    account: Account
    last_status: Post | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestPage:
    """A page of requests and the paging ids of the rows read (newest first)."""

    items: list[RequestItem] = field(default_factory=list)
    cursor_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestPageView:
    """A request as the web page shows it: the sender's card and the held notifications."""

    request: NotificationRequest
    account: AccountCard
    notifications: list[NotificationView]


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCard:
    """A request in the web page's list: the sender's card, the count, an excerpt."""

    request: NotificationRequest
    account: AccountCard
    excerpt: str = ""


async def get_policy(svc: Services, account_id: int) -> Policy:
    """The account's policy (defaults filled in) with its pending counts."""
    async with svc.db.read() as conn:
        return await _policy(conn, account_id)


async def _policy(conn: Conn, account_id: int) -> Policy:
    settings = await policy_store.get_settings(conn, account_id)
    silenced = (await viewer_relations(conn, account_id)).silenced
    requests, held = await policy_store.summary(conn, account_id, hidden_account_ids=silenced)
    return Policy(settings=settings, pending_requests=requests, pending_notifications=held)


async def pending_requests(svc: Services, viewer_id: int) -> int:
    """How many requests wait for the viewer's decision (the notifications page's link)."""
    async with svc.db.read() as conn:
        silenced = (await viewer_relations(conn, viewer_id)).silenced
        count, _ = await policy_store.summary(conn, viewer_id, hidden_account_ids=silenced)
    return count


async def update_policy(svc: Services, account_id: int, changes: Mapping[str, str]) -> Policy:
    """Change some settings (others stay); Invalid naming each setting whose value is not
    accept, filter or drop. Applies to notifications from now on."""
    errors = {
        name: BAD_VALUE
        for name, value in changes.items()
        if name not in SETTINGS or value not in VALUES
    }
    if errors:
        raise Invalid(field_errors=errors)
    async with svc.db.write() as tx:
        settings = await policy_store.get_settings(tx, account_id)
        await policy_store.put_settings(tx, account_id, {**settings, **changes})
    return await get_policy(svc, account_id)


def v1_changes(flags: Mapping[str, bool]) -> dict[str, str]:
    """The settings the v1 API's booleans set."""
    return {V1_FLAGS[k]: ("filter" if v else "accept") for k, v in flags.items() if k in V1_FLAGS}


async def _items(conn: Conn, viewer_id: int, rows: list[NotificationRequest]) -> list[RequestItem]:
    accounts = await account_store.get_accounts(conn, sorted({r.from_account_id for r in rows}))
    last_ids = [r.last_status_id for r in rows if r.last_status_id is not None]
    found = await post_store.get_posts(conn, last_ids)
    live = [p for p in found.values() if p.deleted_at is None]
    visible = {p.id: p for p in await filter_visible(conn, viewer_id, live)}
    return [
        RequestItem(
            request=r,
            account=accounts[r.from_account_id],
            last_status=visible.get(r.last_status_id) if r.last_status_id else None,
        )
        for r in rows
        if r.from_account_id in accounts
    ]


async def list_requests(svc: Services, viewer_id: int, window: Window) -> RequestPage:
    """The viewer's waiting requests, newest first (senders the viewer blocks or mutes left out)."""
    async with svc.db.read() as conn:
        silenced = (await viewer_relations(conn, viewer_id)).silenced
        rows = await policy_store.list_requests(
            conn,
            viewer_id,
            hidden_account_ids=silenced,
            max_id=window.max_id,
            low=window.low,
            ascending=window.min_id is not None and window.max_id is None,
            limit=window.limit,
        )
        items = await _items(conn, viewer_id, rows)
    return RequestPage(items=items, cursor_ids=[r.id for r in rows])


async def get_request(svc: Services, viewer_id: int, request_id: int) -> RequestItem:
    """One waiting request of the viewer (NotFound otherwise)."""
    async with svc.db.read() as conn:
        silenced = (await viewer_relations(conn, viewer_id)).silenced
        row = await policy_store.get_request(
            conn, viewer_id, request_id, hidden_account_ids=silenced
        )
        items = await _items(conn, viewer_id, [row]) if row is not None else []
    if not items:
        raise NotFound(NOT_FOUND)
    return items[0]


def _excerpt(post: Post | None) -> str:
    if post is None:
        return ""
    if post.content_warning:
        return "Content warning: " + post.content_warning
    text = plain_text(post.content_html).replace("\n", " ")
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


async def request_cards(
    svc: Services, viewer_id: int, max_id: int | None = None
) -> tuple[list[RequestCard], int | None]:
    """A page of the viewer's requests for the web page, and the `max_id` of the next one."""
    page = await list_requests(svc, viewer_id, Window(max_id=max_id, limit=WEB_PAGE_SIZE))
    cards = [
        RequestCard(
            request=i.request, account=account_card(svc, i.account), excerpt=_excerpt(i.last_status)
        )
        for i in page.items
    ]
    more = len(page.cursor_ids) >= WEB_PAGE_SIZE
    return cards, page.cursor_ids[-1] if more else None


async def request_page(svc: Services, viewer_id: int, request_id: int) -> RequestPageView:
    """A request and its held notifications, newest first, for the web page (those about posts
    the viewer can no longer see left out)."""
    item = await get_request(svc, viewer_id, request_id)
    async with svc.db.read() as conn:
        rows = await policy_store.list_held(conn, viewer_id, item.account.id)
        found = await post_store.get_posts(conn, [n.post_id for n in rows if n.post_id])
        live = [p for p in found.values() if p.deleted_at is None]
        views = {v.id: v for v in await views_with_conn(conn, viewer_id, live)}
    card = account_card(svc, item.account)
    held = [
        NotificationView(
            id=n.id,
            type=n.type,
            account=card,
            post=views.get(n.post_id) if n.post_id else None,
            created_at=from_db(n.created_at) or utcnow(),
            created_label=time_label(n.created_at),
            unread=False,
            reply_to_viewer=bool(
                n.post_id in views and views[n.post_id].post.in_reply_to_account_id == viewer_id
            ),
        )
        for n in rows
        if n.post_id is None or n.post_id in views
    ]
    return RequestPageView(request=item.request, account=card, notifications=held)


async def accept_requests(svc: Services, viewer_id: int, request_ids: Sequence[int]) -> int:
    """Accept requests: their notifications join the list, their senders are let through."""
    async with svc.db.write() as tx:
        return await policy_store.accept_requests(tx, viewer_id, list(request_ids))


async def dismiss_requests(svc: Services, viewer_id: int, request_ids: Sequence[int]) -> int:
    """Dismiss requests: their held notifications are deleted."""
    async with svc.db.write() as tx:
        return await policy_store.dismiss_requests(tx, viewer_id, list(request_ids))


async def accept_request(svc: Services, viewer_id: int, request_id: int) -> None:
    """Accept one request (NotFound when the viewer has no such request)."""
    if not await accept_requests(svc, viewer_id, [request_id]):
        raise NotFound(NOT_FOUND)


async def dismiss_request(svc: Services, viewer_id: int, request_id: int) -> None:
    """Dismiss one request (NotFound when the viewer has no such request)."""
    if not await dismiss_requests(svc, viewer_id, [request_id]):
        raise NotFound(NOT_FOUND)
