"""Live events and the in-process Broker that hands them to streaming connections.

Services surface what happened after their transaction commits, through the `surface_*` helpers
below (`tx.on_commit`), so a stream never shows a write that was rolled back. Events carry ids,
never rendered JSON: each streaming connection re-loads what an event names and renders it for its
own viewer, re-checking visibility, blocks and mutes there.

The Broker follows Quart's chat example: one bounded `asyncio.Queue` per subscriber. It routes by
topic (a subscriber listens to a set of them; an event names its own with `topics_of`):
- `home:<account id>`: statuses in that account's home feed, and their edits;
- `notifications:<account id>`, `filters:<account id>`, `direct:<account id>` (direct statuses);
- `public`, `public:local`, `public:remote`, `hashtag:<tag>`, `hashtag:local:<tag>`;
- `delete`: deleted public and unlisted statuses, `delete:restricted` the others (only an id:
  clients drop it if they hold it);
- `announcements`: instance announcements published, edited, withdrawn or reacted to.
`publish` never blocks or awaits. A subscriber whose queue is full is cut off: its queue is
emptied and it ends, so its client reconnects and refetches, and a slow client costs nothing to
the others nor holds memory.

In-process only: with several server processes an event published in one does not reach the
others (DESIGN section 1: a later issue moves events through the database or Redis, here).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fedi.context import Services
from fedi.storage import feeds as feed_store
from fedi.storage.db import Tx
from fedi.storage.rows import Post

logger = logging.getLogger(__name__)

EXTRAS_KEY = "events"
QUEUE_SIZE = 256
"""Events a subscriber may have waiting before it is cut off as too slow."""

HOME = "home"
NOTIFICATIONS = "notifications"
FILTERS = "filters"
DIRECT = "direct"
DELETE = "delete"
DELETE_RESTRICTED = "delete:restricted"
PUBLIC = "public"
PUBLIC_LOCAL = "public:local"
PUBLIC_REMOTE = "public:remote"
ANNOUNCEMENTS = "announcements"


def topic(kind: str, key: int | str) -> str:
    """A topic name: `home:12`, `hashtag:cats`, `hashtag:local:cats`."""
    return f"{kind}:{key}"


# --- events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusCreated:
    """A new status (a boost is one too) is stored; `home_recipient_ids` are the streaming
    accounts that have it in their home feed."""

    post_id: int
    author_id: int
    visibility: str
    local: bool
    reblog: bool = False
    reply_to_other: bool = False
    """A reply to someone else's post (kept out of the public streams, as Mastodon does)."""
    tags: tuple[str, ...] = ()
    mentioned_ids: tuple[int, ...] = ()
    home_recipient_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusUpdated(StatusCreated):
    """A status was edited (sent as `status.update` where the status itself would go)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusDeleted:
    """A status (or a boost) was deleted."""

    post_id: int
    author_id: int
    visibility: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationCreated:
    """The account has new notifications (up to `notification_id`, when known)."""

    account_id: int
    notification_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FiltersChanged:
    """The account's keyword filters changed (clients refetch them)."""

    account_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnouncementChanged:
    """An instance announcement was published or edited (`announcement`), unpublished or
    deleted (`announcement.delete`), or its `reaction` now has `count` reactions
    (`announcement.reaction`); every user stream receives it."""

    event: str
    announcement_id: int
    reaction: str = ""
    count: int = 0


Event = StatusCreated | StatusDeleted | NotificationCreated | FiltersChanged | AnnouncementChanged


def topics_of(event: Event) -> set[str]:
    """The topics an event is published on."""
    if isinstance(event, NotificationCreated):
        return {topic(NOTIFICATIONS, event.account_id)}
    if isinstance(event, FiltersChanged):
        return {topic(FILTERS, event.account_id)}
    if isinstance(event, AnnouncementChanged):
        return {ANNOUNCEMENTS}
    if isinstance(event, StatusDeleted):
        return {DELETE if event.visibility in ("public", "unlisted") else DELETE_RESTRICTED}
    found = {topic(HOME, a) for a in event.home_recipient_ids}
    if event.visibility == "direct":
        return found | {topic(DIRECT, a) for a in {event.author_id, *event.mentioned_ids}}
    if event.visibility != "public" or event.reblog:
        return found
    for tag in event.tags:
        found.add(topic("hashtag", tag))
        if event.local:
            found.add(topic("hashtag:local", tag))
    if not event.reply_to_other:
        found.update((PUBLIC, PUBLIC_LOCAL if event.local else PUBLIC_REMOTE))
    return found


# --- the broker -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """An event as one subscriber receives it, with the topics of theirs it matched."""

    event: Event
    topics: frozenset[str]


class Subscription:
    """One subscriber's bounded queue and topics; `get` returns None once it has ended."""

    def __init__(self, broker: Broker, maxsize: int) -> None:
        self._broker = broker
        self._queue: asyncio.Queue[Delivery | None] = asyncio.Queue(maxsize + 1)
        self._maxsize = maxsize
        self.topics: set[str] = set()
        self.ended = False
        self.cut_off = False
        """True when the broker ended it for falling behind."""

    def listen(self, topics: Iterable[str]) -> None:
        """Start receiving events on these topics."""
        if not self.ended:
            self._broker._add(self, set(topics) - self.topics)

    def unlisten(self, topics: Iterable[str]) -> None:
        """Stop receiving events on these topics."""
        self._broker._remove(self, set(topics) & self.topics)

    async def get(self) -> Delivery | None:
        """The next delivery; None when the subscription has ended (closed, cut off, shutdown)."""
        if self.ended and self._queue.empty():
            return None
        return await self._queue.get()

    def offer(self, delivery: Delivery) -> bool:
        """Queue a delivery without waiting; a full queue ends the subscription instead."""
        if self.ended:
            return False
        if self._queue.qsize() >= self._maxsize:
            self.cut_off = True
            logger.info("stream subscriber cut off: %d events waiting", self._queue.qsize())
            self.end(discard=True)
            return False
        self._queue.put_nowait(delivery)
        return True

    def end(self, *, discard: bool = False) -> None:
        """Stop receiving; `get` returns what is queued (nothing with `discard`), then None."""
        if self.ended:
            return
        self.ended = True
        self._broker._remove(self, set(self.topics))
        self._broker._subscriptions.discard(self)
        if discard:
            while not self._queue.empty():
                self._queue.get_nowait()
        self._queue.put_nowait(None)  # the slot kept free by maxsize + 1


class Broker:
    """Routes events to subscriptions by topic, in this process."""

    def __init__(self, *, queue_size: int = QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._topics: dict[str, set[Subscription]] = {}
        self._subscriptions: set[Subscription] = set()
        self.closed = False

    def open(self) -> Subscription:
        """A new subscription (end it with `end()`); already ended when the broker is closed."""
        sub = Subscription(self, self.queue_size)
        if self.closed:
            sub.end()
        else:
            self._subscriptions.add(sub)
        return sub

    @asynccontextmanager
    async def subscription(self) -> AsyncIterator[Subscription]:
        """A subscription for the duration of a block, ended on the way out."""
        sub = self.open()
        try:
            yield sub
        finally:
            sub.end(discard=True)

    def publish(self, event: Event) -> int:
        """Hand an event to every subscription listening on one of its topics; never blocks.

        Returns how many subscriptions received it.
        """
        matched: dict[Subscription, set[str]] = {}
        for name in topics_of(event):
            for sub in self._topics.get(name, ()):
                matched.setdefault(sub, set()).add(name)
        delivered = 0
        for sub, names in matched.items():
            delivered += sub.offer(Delivery(event=event, topics=frozenset(names)))
        return delivered

    def listening(self, name: str) -> bool:
        """Whether any subscription listens on this topic."""
        return bool(self._topics.get(name))

    def listening_kind(self, kind: str) -> bool:
        """Whether any subscription listens on `kind` or a `kind:...` topic."""
        prefix = kind + ":"
        return any(name == kind or name.startswith(prefix) for name in self._topics)

    def listeners(self, kind: str) -> list[int]:
        """Account ids with a subscription on `<kind>:<account id>` (e.g. every `home:` topic)."""
        prefix = kind + ":"
        return sorted(int(name[len(prefix) :]) for name in self._topics if name.startswith(prefix))

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    def close(self) -> None:
        """End every subscription (server shutdown); later subscriptions end at once."""
        self.closed = True
        for sub in list(self._subscriptions):
            sub.end()

    def _add(self, sub: Subscription, names: set[str]) -> None:
        for name in names:
            self._topics.setdefault(name, set()).add(sub)
        sub.topics |= names

    def _remove(self, sub: Subscription, names: set[str]) -> None:
        for name in names:
            subs = self._topics.get(name)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._topics[name]
        sub.topics -= names


# --- publishing from services ------------------------------------------------------------------


def broker_of(svc: Services) -> Broker | None:
    """The process's broker (None in tools that run without one)."""
    found = svc.extras.get(EXTRAS_KEY)
    return found if isinstance(found, Broker) else None


def publish(svc: Services, event: Event) -> None:
    """Publish an event now (call it after commit, or use `publish_after_commit`)."""
    broker = broker_of(svc)
    if broker is not None:
        broker.publish(event)


def publish_after_commit(svc: Services, tx: Tx, event: Event) -> None:
    """Publish an event once the transaction commits (`FiltersChanged` and the like)."""
    tx.on_commit(lambda: publish(svc, event))


def surface_status(
    svc: Services, tx: Tx, post: Post, *, edited: bool = False, notified: Iterable[int] = ()
) -> None:
    """After commit: publish a new (or `edited`) status, and the notifications of `notified`.

    Home recipients, hashtags and mentions are read after commit, in one hop, and only when some
    subscriber could want them; nothing is read when nobody streams.
    """
    surface_notifications(svc, tx, notified)

    async def after_commit() -> None:
        broker = broker_of(svc)
        homes = [] if broker is None else broker.listeners(HOME)
        if broker is None or not (homes or _may_interest(broker, post)):
            return
        async with svc.db.read() as conn:
            facts = await feed_store.live_facts(conn, post.id, homes)
        kind = StatusUpdated if edited else StatusCreated
        broker.publish(
            kind(
                post_id=post.id,
                author_id=post.account_id,
                visibility=post.visibility,
                local=bool(post.local),
                reblog=post.reblog_of_id is not None,
                reply_to_other=post.in_reply_to_id is not None
                and post.in_reply_to_account_id != post.account_id,
                tags=tuple(facts.tags),
                mentioned_ids=tuple(facts.mentioned_ids),
                home_recipient_ids=tuple(facts.home_ids),
            )
        )

    tx.on_commit(after_commit)


def _may_interest(broker: Broker, post: Post) -> bool:
    """Whether a status could matter to a stream other than home ones (before reading more)."""
    if post.visibility == "direct":
        return broker.listening_kind(DIRECT)
    if post.visibility != "public" or post.reblog_of_id is not None:
        return False
    return broker.listening_kind(PUBLIC) or broker.listening_kind("hashtag")


def surface_deletion(svc: Services, tx: Tx, post: Post) -> None:
    """After commit: publish that a status (or a boost) was deleted."""
    deleted = StatusDeleted(post_id=post.id, author_id=post.account_id, visibility=post.visibility)
    publish_after_commit(svc, tx, deleted)


def surface_notifications(svc: Services, tx: Tx, account_ids: Iterable[int]) -> None:
    """After commit: tell these accounts' streams (and notification listeners, such as Web
    Push) that they have new notifications."""
    ids = sorted(set(account_ids))
    for account_id in ids:
        publish_after_commit(svc, tx, NotificationCreated(account_id=account_id))
    for listener in svc.extras.get(NOTIFICATION_LISTENERS, ()) if ids else ():
        tx.on_commit(_call_listener(listener, svc, ids))


NotificationListener = Callable[[Services, Sequence[int]], Awaitable[None]]
NOTIFICATION_LISTENERS = "notification_listeners"


def listen_for_notifications(svc: Services, listener: NotificationListener) -> None:
    """Have `listener(svc, account_ids)` awaited after every commit that surfaced notifications
    (app wiring: Web Push). A service above this layer plugs in here without being imported."""
    svc.extras.setdefault(NOTIFICATION_LISTENERS, []).append(listener)


def _call_listener(
    listener: NotificationListener, svc: Services, ids: list[int]
) -> Callable[[], Awaitable[None]]:
    return lambda: listener(svc, ids)


def open_broker(svc: Services) -> Broker:
    """Create the process's broker in `svc.extras` (app wiring)."""
    broker = Broker()
    svc.extras[EXTRAS_KEY] = broker
    return broker


def close_broker(svc: Services) -> None:
    """End every stream (server shutdown); safe to call twice."""
    broker = broker_of(svc)
    if broker is not None:
        broker.close()
