"""Inbox handlers that do their reads inside their one write: the outcomes users see stay right.

Creates, likes, boosts and follows check what they need (known post, early Delete, mentioned
accounts, visibility, earlier boosts, blocks) in the same transaction that stores them; these
tests pin the edge cases of those checks, with a FakeRemote signing and POSTing to our inbox.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

import pytest

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.clock import now_db
from fedi.storage.rows import Account, Post
from tests.factories import make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    PUBLIC,
    Peer,
    RemoteActor,
    config,
    deliver,
    fast_instance_keys,
    http,
    peer,
)


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
def bob(peer: Peer) -> RemoteActor:
    return peer.actor("bob")


async def _post(svc: Services, uri: str) -> Post | None:
    async with svc.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def _notifications(svc: Services, account: Account) -> list[tuple[str, int | None]]:
    async with svc.db.read() as conn:
        found = await notification_store.list_notifications(conn, account.id)
    return [(n.type, n.post_id) for n in found]


async def _send(client, run_jobs, actor: RemoteActor, activity: dict) -> None:
    response = await deliver(client, actor, activity)
    assert response.status_code == 202, await response.get_data()
    await run_jobs()


def _mention(account: Account) -> dict[str, str]:
    return {"type": "Mention", "href": account.uri, "name": f"@{account.username}@localhost"}


async def test_one_note_mentioning_several_locals_notifies_only_the_addressed_live_ones(
    svc, client, run_jobs, alice, bob
):
    """Of four local mentions, the suspended and the unaddressed accounts hear nothing."""
    _, carol = await make_user(svc, "carol")
    _, dave = await make_user(svc, "dave")
    _, erin = await make_user(svc, "erin")
    async with svc.db.write() as tx:
        await account_store.update_account(tx, dave.id, suspended_at=now_db())
    tags = [_mention(a) for a in (alice, carol, dave, erin)]
    tags.append({"type": "Mention", "href": "http://localhost/users/nobody", "name": "@nobody"})
    note = bob.note(
        "<p>@alice @carol @dave @erin hi</p>",
        cc=[bob.followers, alice.uri, carol.uri, dave.uri],
        tags=tags,
    )
    await _send(client, run_jobs, bob, bob.create(note))

    post = await _post(svc, note["id"])
    assert post is not None
    assert await _notifications(svc, alice) == [("mention", post.id)]
    assert await _notifications(svc, carol) == [("mention", post.id)]
    assert await _notifications(svc, dave) == []
    assert await _notifications(svc, erin) == []  # tagged but not addressed (as Mastodon)
    async with svc.db.read() as conn:
        mentioned = (await post_store.list_mentions(conn, [post.id])).get(post.id, [])
    assert sorted(mentioned) == sorted([alice.id, carol.id])


async def test_the_same_note_arriving_twice_is_stored_and_notified_once(
    svc, client, run_jobs, alice, bob
):
    """A second Create of a known note (another activity id) changes nothing."""
    note = bob.note("<p>@alice once</p>", cc=[bob.followers, alice.uri], tags=[_mention(alice)])
    await _send(client, run_jobs, bob, bob.create(note))
    first = await _post(svc, note["id"])
    await _send(client, run_jobs, bob, bob.create(note))

    assert first is not None
    assert await _post(svc, note["id"]) == first
    assert await _notifications(svc, alice) == [("mention", first.id)]


async def test_a_boost_of_a_boost_points_at_the_original(svc, client, run_jobs, alice, bob, peer):
    """An Announce naming another boost row stores a boost of the post that boost shares."""
    mine = await create_post(svc, alice, PostDraft(text="share me"))
    carol = peer.actor("carol")
    first = carol.activity("Announce", mine.uri, to=[PUBLIC])
    await _send(client, run_jobs, carol, first)
    second = bob.activity("Announce", first["id"], to=[PUBLIC])
    await _send(client, run_jobs, bob, second)

    boost = await _post(svc, second["id"])
    assert boost is not None and boost.reblog_of_id == mine.id
    assert await _notifications(svc, alice) == [("reblog", mine.id), ("reblog", mine.id)]


async def test_a_second_boost_of_the_same_post_by_the_same_actor_is_ignored(
    svc, client, run_jobs, alice, bob
):
    """Bob boosting Alice's post twice (two Announce ids) leaves one boost, one notification."""
    mine = await create_post(svc, alice, PostDraft(text="boost me once"))
    first = bob.activity("Announce", mine.uri, to=[PUBLIC])
    again = bob.activity("Announce", mine.uri, to=[PUBLIC])
    await _send(client, run_jobs, bob, first)
    await _send(client, run_jobs, bob, again)

    assert await _post(svc, first["id"]) is not None
    assert await _post(svc, again["id"]) is None
    assert await _notifications(svc, alice) == [("reblog", mine.id)]


async def test_boosts_of_unknown_or_deleted_local_posts_are_dropped(
    svc, client, run_jobs, alice, bob
):
    """Announcing a local post that does not exist, or was deleted, stores nothing."""
    gone = await create_post(svc, alice, PostDraft(text="soon gone"))
    async with svc.db.write() as tx:
        await post_store.mark_deleted(tx, gone.id)
    missing = bob.activity("Announce", "http://localhost/users/alice/statuses/1", to=[PUBLIC])
    deleted = bob.activity("Announce", gone.uri, to=[PUBLIC])
    await _send(client, run_jobs, bob, missing)
    await _send(client, run_jobs, bob, deleted)

    assert await _post(svc, missing["id"]) is None
    assert await _post(svc, deleted["id"]) is None
    assert await _notifications(svc, alice) == []


async def test_likes_and_follows_of_unknown_locals_are_dropped(svc, client, run_jobs, alice, bob):
    """A Like of a missing post and a Follow of a missing account leave no trace."""
    await _send(client, run_jobs, bob, bob.activity("Like", "http://localhost/statuses/42"))
    await _send(client, run_jobs, bob, bob.activity("Follow", "http://localhost/users/nobody"))

    assert await _notifications(svc, alice) == []
    async with svc.db.read() as conn:
        actor = await account_store.get_account_by_uri(conn, bob.uri)
        assert actor is not None
        assert await follow_store.get_follow(conn, actor.id, alice.id) is None
