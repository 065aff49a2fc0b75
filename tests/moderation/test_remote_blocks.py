"""Blocks across servers, against a fake other server: our Block and Undo(Block) go out signed,
a blocked remote's Follow is answered with Reject, and a remote Block of our user is stored."""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

import pytest

from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.moderation.blocks import block_account, unblock_account
from fedi.moderation.relations import relation_facts
from fedi.notifications import list_notifications
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import likes as like_store
from fedi.storage import posts as post_store
from fedi.storage.rows import Account
from fedi.timelines import home_timeline
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
async def alice(svc: Services):
    return await make_user(svc, "alice")


@pytest.fixture
def bob(peer: Peer) -> RemoteActor:
    return peer.actor("bob")


async def _send(client, run_jobs, actor: RemoteActor, activity: dict) -> None:
    response = await deliver(client, actor, activity)
    assert response.status_code == 202, await response.get_data()
    await run_jobs()


async def _account(svc: Services, uri: str) -> Account:
    async with svc.db.read() as conn:
        found = await account_store.get_account_by_uri(conn, uri)
    assert found is not None
    return found


async def _facts(svc: Services, viewer: Account, other: Account):
    async with svc.db.read() as conn:
        return (await relation_facts(conn, viewer.id, [other.id]))[other.id]


async def _mutual_follow(svc, client, run_jobs, peer, alice_acc: Account, bob: RemoteActor):
    """Alice follows Bob (his server accepts) and Bob follows Alice."""
    target = await svc.extras["resolver"].get_actor(bob.uri)
    await follow_account(svc, alice_acc, target)
    await run_jobs()
    sent = [f for f in peer.received("Follow") if f["object"] == bob.uri][-1]
    await _send(client, run_jobs, bob, bob.activity("Accept", sent))
    await _send(client, run_jobs, bob, bob.activity("Follow", alice_acc.uri))
    return target


async def test_blocking_a_remote_account_sends_a_signed_block_and_ends_follows(
    svc, client, run_jobs, alice, bob, peer
):
    """Alice blocks Bob: his server gets a Block signed with her key (and Undo(Follow) and Reject
    for the follows that ended); unblocking sends Undo(Block) naming the same Block."""
    _, alice_acc = alice
    peer.fake.trust(alice_acc.public_key_id, alice_acc.public_key_pem)
    bob_acc = await _mutual_follow(svc, client, run_jobs, peer, alice_acc, bob)

    await block_account(svc, alice_acc, bob_acc)
    await run_jobs()

    [block] = peer.received("Block")
    assert block["actor"] == alice_acc.uri and block["object"] == bob.uri
    posts = [r for r in peer.fake.requests if r.method == "POST"]
    assert posts and all(r.signature == "ok" for r in posts)
    assert [u["object"]["type"] for u in peer.received("Undo")] == ["Follow"]
    [reject] = peer.received("Reject")
    assert reject["object"]["actor"] == bob.uri
    async with svc.db.read() as conn:
        assert await follow_store.relationship_rows(conn, alice_acc.id, bob_acc.id) == []

    await unblock_account(svc, alice_acc, bob_acc)
    await run_jobs()

    undo = [u for u in peer.received("Undo") if u["object"]["type"] == "Block"]
    assert [u["object"]["id"] for u in undo] == [block["id"]]
    assert not (await _facts(svc, alice_acc, bob_acc)).blocking


async def test_a_follow_from_a_blocked_account_is_rejected(svc, client, run_jobs, alice, bob, peer):
    """Bob, blocked by Alice, asks to follow her: his server gets a Reject naming his Follow and
    no follow is stored."""
    _, alice_acc = alice
    bob_acc = await svc.extras["resolver"].get_actor(bob.uri)
    await block_account(svc, alice_acc, bob_acc)
    await run_jobs()

    follow = bob.activity("Follow", alice_acc.uri)
    await _send(client, run_jobs, bob, follow)

    [reject] = peer.received("Reject")
    assert reject["actor"] == alice_acc.uri
    assert reject["object"]["id"] == follow["id"] and reject["object"]["actor"] == bob.uri
    async with svc.db.read() as conn:
        assert await follow_store.get_follow(conn, bob_acc.id, alice_acc.id) is None


async def test_a_remote_block_of_our_user_is_stored_and_hides_the_blocker(
    svc, client, run_jobs, alice, bob, peer
):
    """Bob blocks Alice from his server: the block is stored as his, the follows end both ways,
    his posts and mentions no longer reach her, and his Undo(Block) lifts it."""
    alice_user, alice_acc = alice
    bob_acc = await _mutual_follow(svc, client, run_jobs, peer, alice_acc, bob)
    earlier = bob.note("<p>before the block</p>")
    await _send(client, run_jobs, bob, bob.create(earlier))
    assert [v.post.uri for v in (await home_timeline(svc, alice_acc.id)).posts] == [earlier["id"]]

    block = bob.activity("Block", alice_acc.uri)
    await _send(client, run_jobs, bob, block)

    facts = await _facts(svc, alice_acc, bob_acc)
    assert facts.blocked_by and not facts.blocking
    async with svc.db.read() as conn:
        assert await follow_store.relationship_rows(conn, alice_acc.id, bob_acc.id) == []
    assert [u["object"]["type"] for u in peer.received("Undo")] == ["Follow"]
    mention = bob.note(
        f'<p><a href="{alice_acc.uri}">@alice</a> hi</p>',
        to=[PUBLIC, alice_acc.uri],
        tags=[{"type": "Mention", "href": alice_acc.uri, "name": "@alice@localhost"}],
    )
    await _send(client, run_jobs, bob, bob.create(mention))
    assert (await home_timeline(svc, alice_acc.id)).posts == []
    assert await list_notifications(svc, Viewer(account=alice_acc, user=alice_user)) == []

    await _send(client, run_jobs, bob, bob.activity("Undo", block))

    assert not (await _facts(svc, alice_acc, bob_acc)).blocked_by


async def test_an_undo_naming_only_the_block_id_lifts_it(svc, client, run_jobs, alice, bob):
    """Undo(Block) that names the Block by id alone lifts it too."""
    _, alice_acc = alice
    block = bob.activity("Block", alice_acc.uri)
    await _send(client, run_jobs, bob, block)
    bob_acc = await _account(svc, bob.uri)
    assert (await _facts(svc, alice_acc, bob_acc)).blocked_by

    await _send(client, run_jobs, bob, bob.activity("Undo", block["id"]))

    assert not (await _facts(svc, alice_acc, bob_acc)).blocked_by


async def test_a_blocked_remote_cannot_like_or_boost(svc, client, run_jobs, alice, bob, peer):
    """Likes and boosts of Alice's post by Bob, whom she blocked, are dropped: no like, no boost
    row, no notification."""
    alice_user, alice_acc = alice
    post = await create_post(svc, alice_acc, PostDraft(text="mine", visibility="public"))
    bob_acc = await svc.extras["resolver"].get_actor(bob.uri)
    await block_account(svc, alice_acc, bob_acc)

    await _send(client, run_jobs, bob, bob.activity("Like", post.uri))
    await _send(client, run_jobs, bob, bob.activity("Announce", post.uri, to=[PUBLIC]))

    async with svc.db.read() as conn:
        assert await like_store.count_likes(conn, [post.id]) == {}
        assert await post_store.count_reblogs(conn, [post.id]) == {}
    assert await list_notifications(svc, Viewer(account=alice_acc, user=alice_user)) == []
