"""Blocks and account deletion between two fedi instances (real HTTP, real signatures).

alice lives on A, bob on B. Users act through their instance's services, as the web pages do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from fedi.accounts.deletion import delete_account
from fedi.errors import Forbidden
from fedi.moderation.blocks import block_account, unblock_account
from fedi.moderation.relations import relation_facts
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage import accounts as account_store
from fedi.storage import blocks as block_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.rows import Account
from tests.factories import PASSWORD

if TYPE_CHECKING:
    from tests.federation.conftest import Instance, Pair

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _follow_across(
    pair: Pair, follower: Account, target: Account, *, on: Instance
) -> Account:
    """`follower` (of instance `on`) follows open `target` of the other instance; accepted."""
    target_here = await on.remote(target)
    await follow_account(on.svc, follower, target_here)
    await pair.settle()
    assert await on.follow_state(follower, target_here) == "accepted"
    return target_here


async def _facts(inst: Instance, viewer: Account, other: Account):
    async with inst.svc.db.read() as conn:
        return (await relation_facts(conn, viewer.id, [other.id]))[other.id]


async def test_block_across_servers(two_instances: Pair) -> None:
    """alice@A blocks bob@B: B stores the (signed, verified) Block, the follows end on both sides,
    bob's new posts and mentions do not reach alice, and bob cannot follow her again: refused on
    B, and answered with Reject by A when B asks anyway."""
    pair = two_instances
    a, b = pair.a, pair.b
    alice, bob = await a.user("alice_blk"), await b.user("bob_blk")
    bob_on_a = await _follow_across(pair, alice, bob, on=a)
    alice_on_b = await _follow_across(pair, bob, alice, on=b)

    await block_account(a.svc, alice, bob_on_a)
    await pair.settle()

    assert (await _facts(b, bob, alice_on_b)).blocked_by
    assert await a.follow_state(alice, bob_on_a) is None
    assert await a.follow_state(bob_on_a, alice) is None
    assert await b.follow_state(bob, alice_on_b) is None
    assert await b.follow_state(alice_on_b, bob) is None

    post = await create_post(
        b.svc, bob, PostDraft(text=f"@{a.handle(alice)} are you there?", visibility="public")
    )
    await pair.settle()
    async with a.svc.db.read() as conn:
        assert await post_store.get_post_by_uri(conn, post.uri) is not None  # it did arrive
        assert await notification_store.list_notifications(conn, alice.id) == []
    assert await a.seen_at_home(alice, post.uri) is None

    with pytest.raises(Forbidden):
        await follow_account(b.svc, bob, alice_on_b)
    # A server that ignores Blocks asks anyway: A answers Reject and stores nothing.
    async with b.svc.db.write() as tx:
        stored = await block_store.get_block(tx, alice_on_b.id, bob.id)
        assert stored is not None
        await block_store.delete_block(tx, stored.id)
    follow = await follow_account(b.svc, bob, alice_on_b)
    assert follow.state == "pending"
    await pair.settle()
    assert await b.follow_state(bob, alice_on_b) is None
    assert await a.follow_state(bob_on_a, alice) is None


async def test_unblock_sends_undo_block(two_instances: Pair) -> None:
    """alice@A unblocks bob@B: B receives Undo(Block) and forgets the block."""
    pair = two_instances
    a, b = pair.a, pair.b
    alice, bob = await a.user("alice_unblk"), await b.user("bob_unblk")
    bob_on_a = await a.remote(bob)
    alice_on_b = await b.remote(alice)
    await block_account(a.svc, alice, bob_on_a)
    await pair.settle()
    assert (await _facts(b, bob, alice_on_b)).blocked_by

    await unblock_account(a.svc, alice, bob_on_a)
    await pair.settle()

    assert not (await _facts(b, bob, alice_on_b)).blocked_by
    await follow_account(b.svc, bob, alice_on_b)
    await pair.settle()
    assert await b.follow_state(bob, alice_on_b) == "accepted"


async def test_account_deletion_reaches_the_other_server(two_instances: Pair) -> None:
    """alice@A deletes her account: B receives Delete{alice}, marks her deleted and her posts
    gone (out of bob's home); A forgets her key once the delivery is done."""
    pair = two_instances
    a, b = pair.a, pair.b
    alice, bob = await a.user("alice_del"), await b.user("bob_del")
    await _follow_across(pair, bob, alice, on=b)
    post = await create_post(a.svc, alice, PostDraft(text="soon gone", visibility="public"))
    await b.eventually(lambda: b.seen_at_home(bob, post.uri), "alice's post reaches bob")

    await delete_account(a.svc, await a.viewer(alice), password=PASSWORD)

    async def removed_on_b() -> bool:
        async with b.svc.db.read() as conn:
            gone = await account_store.get_account_by_uri(conn, alice.uri)
            stored = await post_store.get_post_by_uri(conn, post.uri)
        return bool(gone and gone.deleted_at and stored and stored.deleted_at)

    await b.eventually(removed_on_b, "B marks alice and her post deleted")
    assert await b.seen_at_home(bob, post.uri) is None

    async def key_forgotten() -> bool:
        await a.make_due()  # the purge job may have been told to look again later
        async with a.svc.db.read() as conn:
            account = await account_store.get_account(conn, alice.id)
        return account is not None and account.private_key_pem is None

    await a.eventually(key_forgotten, "A forgets alice's key after the delivery")
    await pair.settle()
