"""Fan-out: who receives each local action, one delivery per inbox, nothing for local-only cases."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from fedi.accounts.sessions import Viewer
from fedi.activitypub.addressing import PUBLIC
from fedi.context import Services
from fedi.outbox import federate
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.delivery import DeliveryTuning, deliver_queue
from fedi.outbox.fanout import enqueue_activity, fanout_queue
from fedi.outbox.interactions import (
    approve_follow,
    follow_account,
    like_post,
    reject_follow,
    unfollow_account,
    unlike_post,
)
from fedi.outbox.posts import create_post, delete_post, edit_post
from fedi.outbox.profile import ProfileEdit, update_profile
from fedi.remote import open_http
from fedi.storage import follows as follow_store
from fedi.storage import hosts as host_store
from fedi.storage import posts as post_store
from fedi.storage import users as user_store
from fedi.storage.clock import now_db
from fedi.storage.ids import new_id
from fedi.storage.remote_posts import insert_remote_post
from fedi.storage.rows import Account, Post
from tests.factories import make_user
from tests.federation.fake_inbox import (
    FakeInbox,
    add_follower,
    federation_config,
    jobs_of,
    remote_account,
)

FAST = DeliveryTuning(timeout=httpx.Timeout(2.0))


@pytest.fixture
def config(tmp_path):
    return federation_config(tmp_path)


@pytest.fixture(autouse=True)
async def http(svc: Services) -> AsyncIterator[httpx.AsyncClient]:
    client = await open_http(svc.config)
    svc.extras["http"] = client
    svc.jobs.register(deliver_queue(svc, tuning=FAST))
    yield client
    await client.aclose()


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


async def _server(alice: Account) -> FakeInbox:
    server = FakeInbox({alice.public_key_id: alice.public_key_pem})
    await server.start()
    return server


@pytest.fixture
async def host_a(alice: Account) -> AsyncIterator[FakeInbox]:
    server = await _server(alice)
    yield server
    await server.stop()


@pytest.fixture
async def host_b(alice: Account) -> AsyncIterator[FakeInbox]:
    server = await _server(alice)
    yield server
    await server.stop()


async def _followers(svc: Services, alice: Account, a: FakeInbox, b: FakeInbox) -> list[Account]:
    """Three remote followers: two on host A (shared inbox), one on host B (no shared inbox)."""
    people = [
        await remote_account(svc, a, "ann"),
        await remote_account(svc, a, "abe"),
        await remote_account(svc, b, "bea", shared_inbox=False),
    ]
    for person in people:
        await add_follower(svc, person, alice)
    return people


async def _mention(svc: Services, post: Post, *accounts: Account) -> None:
    """Record remote mentions on a post (remote handle resolution is another part's job)."""
    async with svc.db.write() as tx:
        await post_store.set_mentions(tx, post.id, [a.id for a in accounts])


async def _remote_post(svc: Services, author: Account) -> Post:
    post = Post(
        id=new_id(),
        uri=f"{author.uri}/statuses/1",
        url=f"{author.uri}/statuses/1",
        account_id=author.id,
        local=0,
        visibility="public",
        content_html="<p>hi</p>",
        created_at=now_db(),
    )
    async with svc.db.write() as tx:
        await insert_remote_post(tx, post)
    return post


# --- posts ------------------------------------------------------------------------------------


async def test_a_public_post_goes_once_to_each_inbox(svc, alice, host_a, host_b):
    """3 remote followers on 2 hosts (one with a shared inbox) → exactly 2 signed deliveries."""
    await _followers(svc, alice, host_a, host_b)

    post = await create_post(svc, alice, PostDraft(text="Hello, world", visibility="public"))
    await svc.jobs.run_until_idle()

    assert [r.path for r in host_a.received] == ["/inbox"]
    assert [r.path for r in host_b.received] == ["/users/bea/inbox"]
    for received in (*host_a.received, *host_b.received):
        assert received.verified, received.reason  # signature and Digest checked by the peer
        activity = received.json
        assert activity["type"] == "Create" and activity["actor"] == alice.uri
        assert activity["id"] == post.uri + "/activity"
        note = activity["object"]
        assert note["type"] == "Note" and note["id"] == post.uri
        assert "Hello, world" in note["content"]
        assert note["to"] == [PUBLIC] and note["cc"] == [alice.uri + "/followers"]
        assert activity["to"] == note["to"] and activity["cc"] == note["cc"]
        assert "@context" in activity and "@context" not in note
    assert len(await jobs_of(svc, "deliver")) == 2


async def test_a_followers_only_post_reaches_followers_only(svc, alice, host_a, host_b):
    """A followers-only post goes to the followers' servers and to nobody else."""
    ann = await remote_account(svc, host_a, "ann")
    await add_follower(svc, ann, alice)
    await remote_account(svc, host_b, "nobody")  # known here, neither follower nor mentioned

    await create_post(svc, alice, PostDraft(text="for friends", visibility="private"))
    await svc.jobs.run_until_idle()

    [received] = host_a.received
    note = received.json["object"]
    assert note["to"] == [alice.uri + "/followers"] and note["cc"] == []
    assert PUBLIC not in str(received.json)
    assert host_b.received == []


async def test_a_followers_only_post_also_reaches_the_mentioned(svc, alice, host_a, host_b):
    """Mentioned remote accounts get a followers-only post too, addressed to them in cc."""
    ann = await remote_account(svc, host_a, "ann")
    await add_follower(svc, ann, alice)
    bea = await remote_account(svc, host_b, "bea")
    post = await create_post(svc, alice, PostDraft(text="hi bea", visibility="private"))
    await svc.jobs.run_until_idle()
    await _mention(svc, post, bea)

    async with svc.db.write() as tx:
        assert await federate.federate_post(svc, tx, "Update", post) is not None
    await svc.jobs.run_until_idle()

    [update] = [r.json for r in host_b.received]
    assert update["type"] == "Update" and update["object"]["cc"] == [bea.uri]


async def test_a_direct_post_reaches_only_the_mentioned(svc, alice, host_a, host_b):
    """A direct post goes only to the mentioned remote account, never to followers."""
    ann = await remote_account(svc, host_a, "ann")
    await add_follower(svc, ann, alice)
    bea = await remote_account(svc, host_b, "bea")
    post = await create_post(svc, alice, PostDraft(text="psst", visibility="direct"))
    assert await jobs_of(svc, "fanout") == []  # nobody remote is mentioned yet
    await _mention(svc, post, bea)

    async with svc.db.write() as tx:
        await federate.federate_post(svc, tx, "Create", post)
    await svc.jobs.run_until_idle()

    assert host_a.received == []
    [received] = host_b.received
    assert received.verified and received.path == "/inbox"  # bea's server's shared inbox
    note = received.json["object"]
    assert note["to"] == [bea.uri] and note["cc"] == []
    assert {"type": "Mention", "href": bea.uri, "name": f"@bea@{host_b.host}"} in note["tag"]


async def test_edits_and_deletes_follow_the_post(svc, alice, host_a):
    """Editing sends Update(Note) with the new text; deleting sends Delete with a Tombstone."""
    ann = await remote_account(svc, host_a, "ann")
    await add_follower(svc, ann, alice)
    post = await create_post(svc, alice, PostDraft(text="first", visibility="public"))

    await edit_post(svc, alice, post.id, PostEdit(text="second"))
    await delete_post(svc, alice, post.id)
    await svc.jobs.run_until_idle()

    create, update, delete = sorted(
        (r.json for r in host_a.received),
        key=lambda a: ["Create", "Update", "Delete"].index(a["type"]),
    )
    assert "second" in update["object"]["content"] and update["object"]["updated"]
    assert update["id"].startswith(alice.uri + "#updates/")
    assert delete["object"] == {"id": post.uri, "type": "Tombstone"}
    assert delete["to"] == [PUBLIC]
    assert len({create["id"], update["id"], delete["id"]}) == 3


async def test_local_only_actions_queue_nothing(svc, alice):
    """With only local followers, posting, following and liking enqueue no fan-out at all."""
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, bob, alice)
    post = await create_post(svc, alice, PostDraft(text="just us", visibility="public"))
    await like_post(svc, bob, post.id)

    assert await jobs_of(svc, "fanout") == []


# --- follows and likes ------------------------------------------------------------------------


async def test_following_and_unfollowing_a_remote_account(svc, alice, host_a):
    """Follow goes to the account's own inbox with the follow's id; unfollow sends Undo(Follow)."""
    ann = await remote_account(svc, host_a, "ann")

    follow = await follow_account(svc, alice, ann)
    await unfollow_account(svc, alice, ann)
    await svc.jobs.run_until_idle()

    sent = [r.json for r in host_a.received]
    assert [r.path for r in host_a.received] == ["/users/ann/inbox"] * 2
    assert all(r.verified for r in host_a.received)
    by_type = {a["type"]: a for a in sent}
    assert by_type["Follow"] == {
        "@context": by_type["Follow"]["@context"],
        "id": follow.uri,
        "type": "Follow",
        "actor": alice.uri,
        "object": ann.uri,
    }
    undo = by_type["Undo"]
    assert undo["object"] == {
        "id": follow.uri,
        "type": "Follow",
        "actor": alice.uri,
        "object": ann.uri,
    }
    assert undo["id"] != follow.uri


async def test_accepting_a_remote_follow_request_embeds_the_follow(svc, alice, host_a):
    """Approving a remote request sends Accept with the original Follow (its id) embedded."""
    ann = await remote_account(svc, host_a, "ann")
    follow_uri = f"{ann.uri}/follows/abc"
    async with svc.db.write() as tx:
        await follow_store.insert_follow(
            tx,
            id=new_id(),
            account_id=ann.id,
            target_account_id=alice.id,
            state="pending",
            uri=follow_uri,
        )
        follow = await follow_store.get_follow(tx, ann.id, alice.id)
    assert follow is not None

    await approve_follow(svc, alice, follow.id)
    await svc.jobs.run_until_idle()

    [accept] = [r.json for r in host_a.received]
    assert accept["type"] == "Accept" and accept["actor"] == alice.uri
    assert accept["object"] == {
        "id": follow_uri,
        "type": "Follow",
        "actor": ann.uri,
        "object": alice.uri,
    }
    assert host_a.received[0].path == "/users/ann/inbox"


async def test_rejecting_a_remote_follow_request(svc, alice, host_a):
    """Rejecting a remote request sends Reject embedding the original Follow."""
    ann = await remote_account(svc, host_a, "ann")
    async with svc.db.write() as tx:
        await follow_store.insert_follow(
            tx,
            id=new_id(),
            account_id=ann.id,
            target_account_id=alice.id,
            state="pending",
            uri="x:1",
        )
        follow = await follow_store.get_follow(tx, ann.id, alice.id)
    assert follow is not None

    await reject_follow(svc, alice, follow.id)
    await svc.jobs.run_until_idle()

    [reject] = [r.json for r in host_a.received]
    assert reject["type"] == "Reject" and reject["object"]["id"] == "x:1"


async def test_liking_and_unliking_a_remote_post(svc, alice, host_a):
    """Like goes to the author's server; Undo(Like) embeds the same Like (same id)."""
    ann = await remote_account(svc, host_a, "ann")
    post = await _remote_post(svc, ann)

    await like_post(svc, alice, post.id)
    await unlike_post(svc, alice, post.id)
    await svc.jobs.run_until_idle()

    by_type = {r.json["type"]: r.json for r in host_a.received}
    like = by_type["Like"]
    assert like["object"] == post.uri and like["actor"] == alice.uri
    assert by_type["Undo"]["object"] == {k: v for k, v in like.items() if k != "@context"}


# --- the fan-out job itself -------------------------------------------------------------------


async def test_a_fanout_that_runs_twice_creates_each_delivery_once(svc, alice, host_a, host_b):
    """A fan-out re-run after a crash (or explicit inboxes overlapping followers) duplicates nothing."""
    await _followers(svc, alice, host_a, host_b)
    async with svc.db.write() as tx:
        await enqueue_activity(
            tx,
            actor=alice,
            activity={"id": alice.uri + "#test/1", "type": "Test"},
            inboxes=[host_a.inbox(), svc.base_url + "/users/bob/inbox"],
            to_followers=True,
            wake=svc.jobs.wake,
        )
    [job] = await jobs_of(svc, "fanout")
    handler = fanout_queue(svc).handler

    await handler(job)
    await handler(job)

    deliveries = await jobs_of(svc, "deliver")
    assert sorted(d.data["inbox"] for d in deliveries) == sorted(
        [host_a.inbox(), host_b.inbox("/users/bea/inbox")]
    )  # our own inbox is never a target


async def test_unavailable_hosts_get_no_new_deliveries(svc, alice, host_a, host_b):
    """A host marked unavailable is left out of the fan-out."""
    await _followers(svc, alice, host_a, host_b)
    async with svc.db.write() as tx:
        await tx.execute(
            "INSERT INTO hosts (domain, unavailable_since, consecutive_failures) VALUES (?, ?, 40)",
            (host_b.host, now_db()),
        )

    await create_post(svc, alice, PostDraft(text="not for b", visibility="public"))
    await svc.jobs.run_until_idle()

    assert len(host_a.received) == 1 and host_b.received == []
    async with svc.db.read() as conn:
        assert await host_store.list_unavailable(conn, [host_a.host, host_b.host]) == {host_b.host}


async def test_a_profile_edit_is_sent_to_remote_followers(svc, alice, host_a, host_b):
    """Saving the profile sends Update(Person) with the new name to each follower's server."""
    await _followers(svc, alice, host_a, host_b)
    async with svc.db.read() as conn:
        user = await user_store.get_user(conn, alice.id)
    edit = ProfileEdit(display_name="Alice Liddell", note="Down the rabbit hole")
    await update_profile(svc, Viewer(account=alice, user=user), edit)
    await svc.jobs.run_until_idle()

    updates = [r.json for r in host_a.received + host_b.received if r.json["type"] == "Update"]
    assert len(updates) == 2 and all(r.verified for r in host_a.received + host_b.received)
    assert {u["object"]["name"] for u in updates} == {"Alice Liddell"}
    assert "rabbit hole" in updates[0]["object"]["summary"]
