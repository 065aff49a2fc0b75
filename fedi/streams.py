"""Live streams (Mastodon's streaming API): channels, and what one connection's viewer receives.

A `LiveStream` is one streaming connection (WebSocket or SSE) of one viewer: a broker
subscription (`fedi.events`) and the channels subscribed on it. `next_items` waits for the next
event and turns it into `LiveItem`s, one per subscribed channel that wants it, each tagged with
that channel (Elk and Phanpy subscribe to `user` and `user:notification` on one socket and expect
a notification once under each). Before anything is handed out it is re-checked for this viewer:
the status is re-read (a deleted one is dropped), must be visible to them (`fedi.visibility`), and
must not come from (or boost, or for public channels mention) an account they block, are blocked
by or mute (`fedi.moderation`); notifications are re-read from storage. The adapter renders items
as entities.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from fedi.context import Services
from fedi.conversations import Conversation
from fedi.errors import FediError, Forbidden, NotFound
from fedi.events import (
    ANNOUNCEMENTS,
    DELETE,
    DELETE_RESTRICTED,
    DIRECT,
    FILTERS,
    HOME,
    NOTIFICATIONS,
    AnnouncementChanged,
    Broker,
    Delivery,
    FiltersChanged,
    NotificationCreated,
    StatusCreated,
    StatusDeleted,
    StatusUpdated,
    Subscription,
    broker_of,
    topic,
)
from fedi.filters import FilterMatch, apply_filters
from fedi.lists import exclusive_member_ids
from fedi.moderation.relations import viewer_relations
from fedi.notification_queries import NotificationItem, list_notifications
from fedi.oauth.scopes import allows_any
from fedi.paging import Window
from fedi.storage import accounts as account_store
from fedi.storage import conversations as conversation_store
from fedi.storage import lists as list_store
from fedi.storage import media as media_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.db import Conn
from fedi.storage.rows import Post
from fedi.timelines import normalise_tag
from fedi.visibility import filter_visible

USER = "user"
USER_NOTIFICATION = "user:notification"
HASHTAG = "hashtag"
HASHTAG_LOCAL = "hashtag:local"
LIST = "list"
PUBLIC_CHANNELS = (
    "public",
    "public:media",
    "public:local",
    "public:local:media",
    "public:remote",
    "public:remote:media",
)
CHANNELS = frozenset(
    {USER, USER_NOTIFICATION, HASHTAG, HASHTAG_LOCAL, LIST, DIRECT, *PUBLIC_CHANNELS}
)
UNKNOWN_CHANNEL = "Unknown channel requested"
NOTIFICATION_WINDOW = 2_000 << 16
"""How far (2 s of ids) behind the newest it has read a stream looks again for notifications, in
case two writes committed in another order than their ids (ids already read are remembered)."""
NOTIFICATION_BATCH = 100
REMEMBERED_NOTIFICATIONS = 500


class UnknownChannel(FediError):
    """A stream name we do not serve, or one missing its tag or list."""

    status = 400
    default_message = UNKNOWN_CHANNEL


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """One subscribed stream: its name and parameter as the client sent them."""

    name: str
    param: str = ""
    """The tag as subscribed (`Cats`) or the list id; echoed back in every event's `stream`."""
    tag: str = ""
    """The normalised tag (`cats`), for matching."""
    list_id: int | None = None

    @property
    def label(self) -> list[str]:
        """The `stream` array of this channel's events: `["hashtag", "Cats"]`, `["user"]`."""
        return [self.name, self.param] if self.param else [self.name]

    @property
    def is_public(self) -> bool:
        """A public or hashtag channel (no scope needed; mentions of hidden accounts filtered)."""
        return self.name in PUBLIC_CHANNELS or self.name in (HASHTAG, HASHTAG_LOCAL)

    @property
    def filter_context(self) -> str:
        """The keyword-filter context of the channel's statuses (`home`, `public`; none: "")."""
        if self.name in (USER, LIST):
            return "home"
        return "public" if self.is_public else ""

    @property
    def media_only(self) -> bool:
        return self.name.endswith(":media")

    @property
    def wants_notifications(self) -> bool:
        return self.name in (USER, USER_NOTIFICATION)

    def topics(self, viewer_id: int) -> set[str]:
        """The broker topics this channel listens on, for this viewer."""
        if self.name == USER:
            return {
                topic(HOME, viewer_id),
                topic(NOTIFICATIONS, viewer_id),
                topic(FILTERS, viewer_id),
                DELETE,
                DELETE_RESTRICTED,
                ANNOUNCEMENTS,
            }
        if self.name == USER_NOTIFICATION:
            return {topic(NOTIFICATIONS, viewer_id)}
        if self.name == LIST:
            return {topic(HOME, viewer_id), DELETE, DELETE_RESTRICTED}
        if self.name == DIRECT:
            return {topic(DIRECT, viewer_id), DELETE, DELETE_RESTRICTED}
        if self.name == HASHTAG:
            return {topic(HASHTAG, self.tag), DELETE}
        if self.name == HASHTAG_LOCAL:
            return {topic(HASHTAG_LOCAL, self.tag), DELETE}
        base = self.name.removesuffix(":media")
        return {base, DELETE}


def parse_channel(name: str, *, tag: str | None = None, list_id: str | None = None) -> Channel:
    """The channel for a stream name and its `tag` / `list` parameter (UnknownChannel if none)."""
    name = (name or "").strip()
    if name not in CHANNELS:
        raise UnknownChannel()
    if name in (HASHTAG, HASHTAG_LOCAL):
        written = (tag or "").strip()
        normal = normalise_tag(written) if written else None
        if normal is None:
            raise UnknownChannel("No tag for stream provided")
        return Channel(name=name, param=written, tag=normal)
    if name == LIST:
        written = (list_id or "").strip()
        if not written.isdigit():
            raise UnknownChannel("No list for stream provided")
        return Channel(name=name, param=written, list_id=int(written))
    return Channel(name=name)


def required_scopes(channel: Channel) -> tuple[str, ...]:
    """Scopes a token needs for a channel (Mastodon: none for public ones)."""
    if channel.is_public:
        return ()
    if channel.name == USER_NOTIFICATION:
        return ("read:notifications",)
    return ("read:statuses",)


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveItem:
    """One event for one channel: `update`, `status.update`, `conversation` (with `post`),
    `notification` (with `notification`), `delete` (with `deleted_id`), `filters_changed`."""

    channel: Channel
    event: str
    post: Post | None = None
    notification: NotificationItem | None = None
    deleted_id: int | None = None
    conversation: Conversation | None = None
    announcement: AnnouncementChanged | None = None
    """For `announcement`, `announcement.reaction` and `announcement.delete`."""
    filtered: list[FilterMatch] = field(default_factory=list)
    """The viewer's `warn` filter matches of the status (for its `filtered` field)."""


@dataclass(slots=True)
class _Checked:
    """A status that passed the checks for this viewer, with what channels still ask of it."""

    post: Post
    shown: Post
    mentioned: list[int] = field(default_factory=list)
    mentions_hidden: bool = False


@dataclass(slots=True, kw_only=True)
class LiveStream:
    """One viewer's streaming connection: its subscription and channels."""

    svc: Services
    viewer_id: int
    scopes: tuple[str, ...]
    subscription: Subscription
    channels: dict[tuple[str, str], Channel] = field(default_factory=dict)
    _cursor: int | None = None
    _sent: deque[int] = field(default_factory=lambda: deque(maxlen=REMEMBERED_NOTIFICATIONS))

    @property
    def cut_off(self) -> bool:
        """Whether the broker ended the stream because it fell behind."""
        return self.subscription.cut_off

    async def subscribe(self, channel: Channel) -> None:
        """Add a channel: Forbidden without the scopes, NotFound for a list that is not theirs."""
        needed = required_scopes(channel)
        if needed and not allows_any(self.scopes, ("read", *needed)):
            raise Forbidden("This action is outside the authorized scopes")
        if channel.list_id is not None:
            async with self.svc.db.read() as conn:
                if await list_store.get_list(conn, self.viewer_id, channel.list_id) is None:
                    raise NotFound("Record not found")
        key = (channel.name, channel.param.lower())
        if key in self.channels:
            return
        if channel.wants_notifications and self._cursor is None:
            # Only notifications newer than this are live; read before listening, so that no
            # notification event can find the cursor unset.
            async with self.svc.db.read() as conn:
                newest = await notification_store.list_notifications(conn, self.viewer_id, limit=1)
            self._cursor = newest[0].id if newest else 0
        self.channels[key] = channel
        self.subscription.listen(channel.topics(self.viewer_id))

    def unsubscribe(self, channel: Channel) -> None:
        """Drop a channel (and the topics no other channel needs)."""
        if self.channels.pop((channel.name, channel.param.lower()), None) is None:
            return
        still = set().union(*(c.topics(self.viewer_id) for c in self.channels.values()))
        self.subscription.unlisten(channel.topics(self.viewer_id) - still)

    def close(self) -> None:
        """End the stream (the connection closed)."""
        self.subscription.end(discard=True)

    async def next_items(self, idle_after: float) -> list[LiveItem] | None:
        """The items of the next event ([] when none came within `idle_after` s; None: ended)."""
        try:
            delivery = await asyncio.wait_for(self.subscription.get(), idle_after)
        except TimeoutError:
            return []
        if delivery is None:
            return None
        return await self.items_for(delivery)

    async def items_for(self, delivery: Delivery) -> list[LiveItem]:
        """Turn one delivered event into items for the channels that want it, re-checked."""
        wanting = [
            c for c in list(self.channels.values()) if c.topics(self.viewer_id) & delivery.topics
        ]
        event = delivery.event
        if not wanting:
            return []
        if isinstance(event, StatusDeleted):
            return [LiveItem(channel=c, event="delete", deleted_id=event.post_id) for c in wanting]
        if isinstance(event, FiltersChanged):
            return [LiveItem(channel=c, event="filters_changed") for c in wanting if c.name == USER]
        if isinstance(event, AnnouncementChanged):
            return [
                LiveItem(channel=c, event=event.event, announcement=event)
                for c in wanting
                if c.name == USER
            ]
        if isinstance(event, NotificationCreated):
            return await self._notification_items(wanting)
        return await self._status_items(event, wanting)

    async def _status_items(self, event: StatusCreated, wanting: list[Channel]) -> list[LiveItem]:
        async with self.svc.db.read() as conn:
            checked = await self._check_status(conn, event.post_id)
            if checked is None:
                return []
            kept = [c for c in wanting if await self._channel_takes(conn, c, checked)]
            conversation = None
            if any(c.name == DIRECT for c in kept):
                conversation = await self._conversation(conn, checked)
            matches: dict[str, list[FilterMatch] | None] = {}
            for context in sorted({c.filter_context for c in kept if c.filter_context}):
                shown, found = await apply_filters(conn, self.viewer_id, [checked.post], context)
                matches[context] = found.get(checked.post.id, []) if shown else None
        name = "status.update" if isinstance(event, StatusUpdated) else "update"
        items = []
        for channel in kept:
            filtered = matches.get(channel.filter_context, [])
            if filtered is None:  # a `hide` filter of this context matches
                continue
            if channel.name == DIRECT and conversation is None:
                continue
            items.append(
                LiveItem(
                    channel=channel,
                    event="conversation" if channel.name == DIRECT else name,
                    post=checked.post,
                    conversation=conversation if channel.name == DIRECT else None,
                    filtered=filtered,
                )
            )
        return items

    async def _check_status(self, conn: Conn, post_id: int) -> _Checked | None:
        post = await post_store.get_post(conn, post_id)
        if post is None or post.deleted_at is not None:
            return None
        shown: Post | None = post
        if post.reblog_of_id is not None:
            shown = await post_store.get_post(conn, post.reblog_of_id)
        if shown is None or shown.deleted_at is not None:
            return None
        both = [post] if shown is post else [post, shown]
        if len(await filter_visible(conn, self.viewer_id, both)) != len(both):
            return None
        relations = await viewer_relations(conn, self.viewer_id)
        if {post.account_id, shown.account_id} & relations.hidden:
            return None
        mentioned = (await post_store.list_mentions(conn, [shown.id])).get(shown.id, [])
        if shown.account_id != self.viewer_id and set(mentioned) & relations.blocking:
            return None
        checked = _Checked(post=post, shown=shown, mentioned=mentioned)
        checked.mentions_hidden = bool(set(mentioned) & relations.hidden)
        return checked

    async def _conversation(self, conn: Conn, checked: _Checked) -> Conversation | None:
        """The viewer's conversation (direct thread) this direct status now leads."""
        post = checked.post
        rows = await conversation_store.list_conversations(
            conn, self.viewer_id, root_id=post.thread_root_id or post.id, limit=1
        )
        if not rows:
            return None
        others = [
            a for a in dict.fromkeys([post.account_id, *checked.mentioned]) if a != self.viewer_id
        ]
        found = await account_store.get_accounts(conn, others)
        return Conversation(
            id=rows[0].root_id,
            unread=rows[0].unread,
            accounts=[found[a] for a in others if a in found],
            last_post=post,
        )

    async def _channel_takes(self, conn: Conn, channel: Channel, checked: _Checked) -> bool:
        if channel.is_public and checked.mentions_hidden:
            return False
        if channel.name == USER and checked.post.account_id != self.viewer_id:
            # Exclusive lists keep their members out of the home timeline (fedi.lists).
            return checked.post.account_id not in await exclusive_member_ids(conn, self.viewer_id)
        if channel.media_only:
            found = await media_store.get_many_by_post_ids(conn, [checked.shown.id])
            return bool(found.get(checked.shown.id))
        if channel.list_id is not None:
            user_list = await list_store.get_list(conn, self.viewer_id, channel.list_id)
            if user_list is None:
                return False
            post_id = checked.post.id
            ids = await list_store.list_feed(
                conn, self.viewer_id, user_list, min_id=post_id - 1, max_id=post_id + 1, limit=1
            )
            return post_id in ids
        return True

    async def _notification_items(self, wanting: list[Channel]) -> list[LiveItem]:
        if self._cursor is None or not allows_any(self.scopes, ("read", "read:notifications")):
            return []
        floor = max(0, (self._cursor or 0) - NOTIFICATION_WINDOW)
        found = await list_notifications(
            self.svc, self.viewer_id, Window(min_id=floor, limit=NOTIFICATION_BATCH)
        )
        fresh = [i for i in reversed(found.items) if i.notification.id not in self._sent]
        self._sent.extend(i for i in found.cursor_ids if i not in self._sent)
        self._cursor = max([self._cursor or 0, *found.cursor_ids])
        return [
            LiveItem(
                channel=c,
                event="notification",
                notification=item,
                filtered=found.filtered.get(item.post.id, []) if item.post else [],
            )
            for item in fresh
            for c in wanting
            if c.wants_notifications
        ]


def open_stream(svc: Services, viewer_id: int, scopes: Iterable[str]) -> LiveStream:
    """A new live stream for a viewer (no channels yet); `close()` it when the connection ends."""
    broker = broker_of(svc)
    subscription = (broker or Broker()).open()
    if broker is None:
        subscription.end()
    return LiveStream(svc=svc, viewer_id=viewer_id, scopes=tuple(scopes), subscription=subscription)
