"""The live-event broker: topic routing, bounded queues, slow subscribers, shutdown."""

from __future__ import annotations

from fedi.events import (
    DELETE,
    DELETE_RESTRICTED,
    Broker,
    FiltersChanged,
    NotificationCreated,
    StatusCreated,
    StatusDeleted,
    StatusUpdated,
    topics_of,
)


def _status(**overrides: object) -> StatusCreated:
    values: dict[str, object] = {
        "post_id": 1,
        "author_id": 10,
        "visibility": "public",
        "local": True,
        "tags": ("cats",),
        "home_recipient_ids": (10, 11),
    }
    values.update(overrides)
    return StatusCreated(**values)  # type: ignore[arg-type]


def test_public_local_post_goes_to_homes_public_and_hashtag_topics():
    """A public local post reaches its home recipients, the public streams and its hashtags."""
    assert topics_of(_status()) == {
        "home:10",
        "home:11",
        "public",
        "public:local",
        "hashtag:cats",
        "hashtag:local:cats",
    }


def test_remote_post_goes_to_public_remote_and_hashtag_only():
    """A remote post is on public:remote and the federated hashtag, not the local ones."""
    assert topics_of(_status(local=False, home_recipient_ids=())) == {
        "public",
        "public:remote",
        "hashtag:cats",
    }


def test_followers_only_post_reaches_homes_only():
    """A followers-only post never lands on a public or hashtag topic."""
    assert topics_of(_status(visibility="private")) == {"home:10", "home:11"}


def test_unlisted_post_and_boost_stay_out_of_public_topics():
    """Unlisted posts and boosts go to home feeds only (Mastodon streams neither publicly)."""
    assert topics_of(_status(visibility="unlisted")) == {"home:10", "home:11"}
    assert topics_of(_status(reblog=True)) == {"home:10", "home:11"}


def test_reply_to_someone_else_skips_public_but_keeps_hashtags():
    """A reply to another account is left out of the public streams, not the hashtag ones."""
    assert topics_of(_status(reply_to_other=True)) == {
        "home:10",
        "home:11",
        "hashtag:cats",
        "hashtag:local:cats",
    }


def test_direct_post_goes_to_direct_topics_of_author_and_mentioned():
    """A direct post reaches the direct streams of its author and the mentioned accounts."""
    event = _status(visibility="direct", mentioned_ids=(12,), home_recipient_ids=(10, 12))
    assert topics_of(event) == {"home:10", "home:12", "direct:10", "direct:12"}


def test_deletes_notifications_and_filter_changes_have_their_own_topics():
    """Deletes of open posts go to everyone, others to private streams; the rest per account."""
    assert topics_of(StatusDeleted(post_id=1, author_id=2, visibility="public")) == {DELETE}
    assert topics_of(StatusDeleted(post_id=1, author_id=2, visibility="private")) == {
        DELETE_RESTRICTED
    }
    assert topics_of(NotificationCreated(account_id=5)) == {"notifications:5"}
    assert topics_of(FiltersChanged(account_id=5)) == {"filters:5"}


async def test_subscriber_gets_event_once_with_every_matching_topic():
    """An event matching two topics of one subscriber is queued once, naming both topics."""
    broker = Broker()
    sub = broker.open()
    sub.listen({"home:10", "public"})
    assert broker.publish(_status()) == 1
    delivery = await sub.get()
    assert delivery is not None
    assert delivery.topics == frozenset({"home:10", "public"})
    assert isinstance(delivery.event, StatusCreated)


async def test_unrelated_subscribers_get_nothing():
    """Subscribers of other topics (another account's home) receive nothing."""
    broker = Broker()
    other = broker.open()
    other.listen({"home:99", "hashtag:dogs"})
    assert broker.publish(_status()) == 0
    assert (
        broker.publish(StatusUpdated(post_id=1, author_id=2, visibility="private", local=True)) == 0
    )


async def test_unlisten_and_listeners():
    """Topics can be dropped; `listeners` lists accounts with a topic of a kind."""
    broker = Broker()
    a, b = broker.open(), broker.open()
    a.listen({"home:3", "notifications:3"})
    b.listen({"home:1"})
    assert broker.listeners("home") == [1, 3]
    a.unlisten({"home:3"})
    assert broker.listeners("home") == [1]
    assert broker.listening("notifications:3")
    assert broker.listening_kind("notifications") and not broker.listening_kind("public")
    b.end()
    assert broker.listeners("home") == []
    assert broker.subscriber_count == 1


async def test_slow_subscriber_is_cut_off_without_blocking_publish():
    """A subscriber whose queue is full is ended (and emptied); publishing never waits."""
    broker = Broker(queue_size=3)
    slow, fast = broker.open(), broker.open()
    slow.listen({"notifications:1"})
    fast.listen({"notifications:1"})
    for n in range(3):
        broker.publish(NotificationCreated(account_id=1, notification_id=n))
        assert await fast.get() is not None
    assert not slow.cut_off
    broker.publish(NotificationCreated(account_id=1, notification_id=4))
    assert slow.cut_off and slow.ended
    assert await slow.get() is None
    assert await fast.get() is not None
    assert broker.subscriber_count == 1
    assert broker.publish(NotificationCreated(account_id=1)) == 1


async def test_close_ends_every_subscription_and_later_ones():
    """At shutdown every subscriber's `get` returns None after what was queued."""
    broker = Broker()
    sub = broker.open()
    sub.listen({"filters:1"})
    broker.publish(FiltersChanged(account_id=1))
    broker.close()
    assert await sub.get() is not None
    assert await sub.get() is None
    late = broker.open()
    assert late.ended and await late.get() is None


async def test_subscription_context_ends_on_exit():
    """`async with broker.subscription()` unsubscribes when the block ends."""
    broker = Broker()
    async with broker.subscription() as sub:
        sub.listen({"public"})
        assert broker.listening("public")
    assert not broker.listening("public")
    assert broker.subscriber_count == 0
