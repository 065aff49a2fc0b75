"""Blocks between local users: what disappears, what is refused, and what stays after unblocking."""

from __future__ import annotations

import pytest

from fedi.accounts.remote_profiles import search
from fedi.accounts.sessions import Viewer
from fedi.errors import Forbidden, Invalid, NotFound
from fedi.moderation.blocks import block_account, list_blocked, unblock_account
from fedi.moderation.relations import hidden_account_ids, relation_facts, viewer_relations
from fedi.notifications import list_notifications, unread_count
from fedi.outbox.boosts import boost_post
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account, like_post
from fedi.outbox.posts import create_post
from fedi.storage import follows as follow_store
from fedi.storage.rows import Account, User
from fedi.timelines import account_posts, home_timeline, local_timeline, tag_timeline, thread
from tests.factories import make_user


@pytest.fixture
async def alice(svc) -> tuple[User, Account]:
    return await make_user(svc, "alice")


@pytest.fixture
async def bob(svc) -> tuple[User, Account]:
    return await make_user(svc, "bob")


async def _post(svc, author: Account, text: str, **draft: object):
    return await create_post(svc, author, PostDraft(text=text, **draft))  # type: ignore[arg-type]


async def _home_ids(svc, account: Account) -> list[int]:
    return [v.post.id for v in (await home_timeline(svc, account.id)).posts]


async def _notices(svc, user: User, account: Account) -> list[tuple[str, str]]:
    items = await list_notifications(svc, Viewer(account=account, user=user))
    return [(n.type, n.account.account.username) for n in items]


async def test_a_block_hides_the_blocked_account_everywhere(svc, alice, bob):
    """After Alice blocks Bob, his posts leave her home, local, tag and profile views, threads and
    search, and hers leave his: a block works both ways."""
    _, alice_acc = alice
    _, bob_acc = bob
    await follow_account(svc, alice_acc, bob_acc)
    await follow_account(svc, bob_acc, alice_acc)
    his = await _post(svc, bob_acc, "bob says #hello", visibility="public")
    hers = await _post(svc, alice_acc, "alice says #hello", visibility="public")
    assert his.id in await _home_ids(svc, alice_acc)

    await block_account(svc, alice_acc, bob_acc)

    assert his.id not in await _home_ids(svc, alice_acc)
    assert [v.post.id for v in (await local_timeline(svc, alice_acc.id)).posts] == [hers.id]
    assert [v.post.id for v in (await tag_timeline(svc, alice_acc.id, "hello")).posts] == [hers.id]
    assert await account_posts(svc, alice_acc.id, bob_acc) == []
    with pytest.raises(NotFound):
        await thread(svc, alice_acc.id, "bob", his.id)
    found = await search(svc, alice_acc, svc.url(f"/@bob/{his.id}"))
    assert found.post is None and found.error == f"Could not find {svc.url(f'/@bob/{his.id}')}."
    # The other way round: Bob no longer sees Alice.
    assert hers.id not in await _home_ids(svc, bob_acc)
    assert [v.post.id for v in (await local_timeline(svc, bob_acc.id)).posts] == [his.id]
    with pytest.raises(NotFound):
        await thread(svc, bob_acc.id, "alice", hers.id)
    # Logged out, both are still public.
    assert {v.post.id for v in (await local_timeline(svc, None)).posts} == {his.id, hers.id}


async def test_a_block_ends_follows_both_ways_and_pending_requests(svc, alice, bob):
    """Blocking removes the follow each way, and a request waiting for approval."""
    _, alice_acc = alice
    carol_user, carol = await make_user(svc, "carol")
    _, bob_acc = bob
    await follow_account(svc, alice_acc, bob_acc)
    await follow_account(svc, bob_acc, alice_acc)
    async with svc.db.write() as tx:
        await tx.execute("UPDATE accounts SET locked = 1 WHERE id = ?", (alice_acc.id,))
    await follow_account(svc, carol, alice_acc)  # a pending request

    await block_account(svc, alice_acc, bob_acc)
    await block_account(svc, alice_acc, carol)

    async with svc.db.read() as conn:
        assert await follow_store.relationship_rows(conn, alice_acc.id, bob_acc.id) == []
        assert await follow_store.relationship_rows(conn, alice_acc.id, carol.id) == []
    assert await _notices(svc, *alice) == []


async def test_the_blocked_account_cannot_follow_like_boost_or_reply(svc, alice, bob):
    """Bob, blocked by Alice, is refused a follow with a clear message and cannot like, boost or
    answer her posts; Alice is told to unblock Bob before following him."""
    _, alice_acc = alice
    _, bob_acc = bob
    hers = await _post(svc, alice_acc, "mine", visibility="public")
    await block_account(svc, alice_acc, bob_acc)

    with pytest.raises(Forbidden) as refused:
        await follow_account(svc, bob_acc, alice_acc)
    assert refused.value.safe_message == "@alice has blocked you, so you can't follow them."
    with pytest.raises(Forbidden) as own:
        await follow_account(svc, alice_acc, bob_acc)
    assert own.value.safe_message == "You have blocked @bob. Unblock them to follow them."
    with pytest.raises(NotFound):
        await like_post(svc, bob_acc, hers.id)
    with pytest.raises(NotFound):
        await boost_post(svc, bob_acc, hers.id)
    with pytest.raises(NotFound):
        await _post(svc, bob_acc, "@alice hi", in_reply_to_id=hers.id)
    async with svc.db.read() as conn:
        assert await follow_store.relationship_rows(conn, alice_acc.id, bob_acc.id) == []


async def test_no_notification_crosses_a_block(svc, alice, bob):
    """Old notifications from Bob disappear when Alice blocks him; his mentions make no new ones,
    and his mention does not reach her home feed."""
    alice_user, alice_acc = alice
    _, bob_acc = bob
    await follow_account(svc, bob_acc, alice_acc)
    await _post(svc, bob_acc, "hi @alice")
    assert await _notices(svc, alice_user, alice_acc) == [("mention", "bob"), ("follow", "bob")]

    await block_account(svc, alice_acc, bob_acc)
    mention = await _post(svc, bob_acc, "hello again @alice")

    assert await _notices(svc, alice_user, alice_acc) == []
    assert await unread_count(svc, alice_acc.id) == 0
    assert mention.id not in await _home_ids(svc, alice_acc)


async def test_boosts_of_and_by_blocked_accounts_are_hidden(svc, alice, bob):
    """Carol's boost of Bob's post leaves Alice's home when Alice blocks Bob; Bob's boost of
    Carol's post too."""
    _, alice_acc = alice
    _, bob_acc = bob
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, alice_acc, carol)
    await follow_account(svc, alice_acc, bob_acc)
    his = await _post(svc, bob_acc, "bob's words", visibility="public")
    theirs = await _post(svc, carol, "carol's words", visibility="public")
    await boost_post(svc, carol, his.id)
    await boost_post(svc, bob_acc, theirs.id)
    before = (await home_timeline(svc, alice_acc.id)).posts
    assert any(v.reblog is not None and v.post.id == his.id for v in before)

    await block_account(svc, alice_acc, bob_acc)

    after = (await home_timeline(svc, alice_acc.id)).posts
    assert all(v.post.account_id != bob_acc.id for v in after)
    assert all(v.boosted_by is None or v.boosted_by.id != bob_acc.id for v in after)
    assert [v.post.id for v in after] == [theirs.id]  # Carol's own post still shows


async def test_blocking_is_idempotent_and_never_oneself(svc, alice, bob):
    """Blocking twice keeps one block; blocking oneself is refused with a message."""
    _, alice_acc = alice
    _, bob_acc = bob
    await block_account(svc, alice_acc, bob_acc)
    await block_account(svc, alice_acc, bob_acc)
    assert [(i > 0, a.username) for i, a in await list_blocked(svc, alice_acc.id)] == [
        (True, "bob")
    ]
    with pytest.raises(Invalid) as refused:
        await block_account(svc, alice_acc, alice_acc)
    assert refused.value.field_errors == {"account": "You can't block yourself."}


async def test_unblocking_shows_posts_again_but_restores_no_follow(svc, alice, bob):
    """After an unblock, Bob's public posts show to Alice again; nobody follows anyone."""
    _, alice_acc = alice
    _, bob_acc = bob
    await follow_account(svc, alice_acc, bob_acc)
    his = await _post(svc, bob_acc, "still here", visibility="public")
    await block_account(svc, alice_acc, bob_acc)
    await unblock_account(svc, alice_acc, bob_acc)
    await unblock_account(svc, alice_acc, bob_acc)  # nothing left to lift: no error

    assert [v.post.id for v in (await local_timeline(svc, alice_acc.id)).posts] == [his.id]
    assert (await thread(svc, alice_acc.id, "bob", his.id)).focus.id == his.id
    assert await list_blocked(svc, alice_acc.id) == []
    async with svc.db.read() as conn:
        assert not await follow_store.is_following(conn, alice_acc.id, bob_acc.id)
    await follow_account(svc, alice_acc, bob_acc)  # allowed again


async def test_list_blocked_pages_newest_first(svc, alice):
    """The blocked list comes newest first, paged by block id."""
    _, alice_acc = alice
    others = [(await make_user(svc, f"user{i}"))[1] for i in range(3)]
    for other in others:
        await block_account(svc, alice_acc, other)
    first = await list_blocked(svc, alice_acc.id, limit=2)
    assert [a.username for _, a in first] == ["user2", "user1"]
    rest = await list_blocked(svc, alice_acc.id, max_id=first[-1][0], limit=2)
    assert [a.username for _, a in rest] == ["user0"]


async def test_relation_facts_and_hidden_ids(svc, alice, bob):
    """The relationship facts name blocks both ways; hidden ids cover blocks both ways."""
    _, alice_acc = alice
    _, bob_acc = bob
    _, carol = await make_user(svc, "carol")
    await block_account(svc, alice_acc, bob_acc)
    await block_account(svc, carol, alice_acc)
    async with svc.db.read() as conn:
        facts = await relation_facts(conn, alice_acc.id, [bob_acc.id, carol.id, alice_acc.id])
        hidden = await hidden_account_ids(conn, alice_acc.id)
        relations = await viewer_relations(conn, alice_acc.id)
    assert facts[bob_acc.id].blocking and not facts[bob_acc.id].blocked_by
    assert facts[carol.id].blocked_by and not facts[carol.id].blocking
    assert not facts[alice_acc.id].blocking and not facts[alice_acc.id].muting
    assert hidden == {bob_acc.id, carol.id}
    assert relations.blocking == {bob_acc.id} and relations.blocked_by == {carol.id}
