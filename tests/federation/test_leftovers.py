"""Issue 3's smaller leftovers: host-meta fallback, changed actor ids, the Move cooldown, fetchable
Announce ids and the collection pages of the federation endpoints.

Other servers are FakeRemotes on 127.0.0.1 over real HTTP; activities reach our inbox signed
(cavage rsa-sha256) and the worker is drained with `run_jobs`.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from fedi.context import Services
from fedi.errors import FetchFailed
from fedi.outbox.boosts import boost_post, unboost_post
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post, delete_post
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import moves as move_store
from fedi.storage.clock import utcnow
from fedi.storage.rows import Account
from fedi.webfinger.lookup import lookup_handle, lrdd_template
from tests.factories import TEST_KEYS, make_user
from tests.fakes.remote import PLACEHOLDER, FakeRemote, mastodon_actor
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    Peer,
    RemoteActor,
    config,
    deliver,
    fast_instance_keys,
    http,
    peer,
)

AP_ACCEPT = {"Accept": "application/activity+json"}


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
async def fake() -> AsyncIterator[FakeRemote]:
    async with FakeRemote() as remote:
        yield remote


async def _account(svc: Services, uri: str) -> Account:
    async with svc.db.read() as conn:
        found = await account_store.get_account_by_uri(conn, uri)
    assert found is not None
    return found


async def _follow_state(svc: Services, follower: Account, target: Account) -> str | None:
    async with svc.db.read() as conn:
        follow = await follow_store.get_follow(conn, follower.id, target.id)
    return follow.state if follow is not None else None


async def _send(client: Any, run_jobs: Any, actor: RemoteActor, activity: dict[str, Any]) -> None:
    response = await deliver(client, actor, activity)
    assert response.status_code == 202, await response.get_data()
    await run_jobs()


async def _follows(svc, client, run_jobs, peer: Peer, local: Account, remote: RemoteActor) -> None:
    """`local` follows `remote`: our Follow is delivered, their Accept comes back."""
    target = await svc.extras["resolver"].get_actor(remote.uri)
    await follow_account(svc, local, target)
    await run_jobs()
    sent = [f for f in peer.received("Follow") if f["object"] == remote.uri][-1]
    await _send(client, run_jobs, remote, remote.activity("Accept", sent))
    assert await _follow_state(svc, local, await _account(svc, remote.uri)) == "accepted"


# --- WebFinger through host-meta ----------------------------------------------------------------

HOST_META = """<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" type="application/jrd+json" template="{template}"/>
</XRD>
"""


def _serve_behind_host_meta(fake: FakeRemote, username: str) -> dict[str, Any]:
    """An actor whose WebFinger lives at /wf (announced by host-meta), not /.well-known."""
    served = fake.add_document(
        f"/users/{username}", mastodon_actor(username, TEST_KEYS[3].public_pem)
    )
    fake.add_response(
        "/.well-known/host-meta",
        HOST_META.format(template=fake.url("/wf?resource={uri}&amp;format=jrd")).encode(),
        content_type="application/xrd+xml",
    )
    jrd = {
        "subject": f"acct:{username}@{fake.host}",
        "links": [{"rel": "self", "type": "application/activity+json", "href": served["id"]}],
    }
    fake.add_document("/wf", jrd, content_type="application/jrd+json")
    return served


async def test_a_handle_is_found_through_host_meta_when_webfinger_answers_404(svc, fake):
    """WebFinger answers 404, host-meta names another place: the account is found there."""
    served = _serve_behind_host_meta(fake, "carol")

    account = await lookup_handle(svc, f"carol@{fake.host}")

    assert account.uri == served["id"] and account.username == "carol"
    assert [r.path for r in fake.requests][:3] == [
        "/.well-known/webfinger",
        "/.well-known/host-meta",
        "/wf",
    ]
    [asked] = fake.requests_to("/wf")
    assert f"resource=acct%3Acarol%40{fake.host.replace(':', '%3A')}" in asked.query
    assert "format=jrd" in asked.query


async def test_without_host_meta_the_webfinger_404_is_reported(svc, fake):
    """No WebFinger and no host-meta: the lookup fails with the 404 of WebFinger."""
    with pytest.raises(FetchFailed) as failed:
        await lookup_handle(svc, f"nobody@{fake.host}")
    assert "webfinger" in failed.value.safe_message and "(404)" in failed.value.safe_message
    assert [r.path for r in fake.requests] == ["/.well-known/webfinger", "/.well-known/host-meta"]


def test_the_lrdd_template_is_read_from_host_meta():
    """host-meta's lrdd link gives the template; other links and templates without {uri} do not."""
    xrd = (
        '<XRD><Link rel="author" template="https://a.example/{uri}"/>'
        "<Link rel='lrdd' template='https://b.example/wf?r={uri}&amp;x=1'/></XRD>"
    )
    assert lrdd_template(xrd) == "https://b.example/wf?r={uri}&x=1"
    assert lrdd_template('<Link rel="lrdd" template="https://b.example/wf"/>') == ""
    assert lrdd_template('<Link rel="lrdd" template="javascript:{uri}"/>') == ""
    assert lrdd_template("not xml at all") == ""


# --- a handle that names a new actor id ---------------------------------------------------------


async def test_a_handle_that_now_names_another_actor_id_keeps_the_account(
    svc, run_jobs, alice, fake
):
    """Dave's server gives him a new actor id: our account follows it, Alice still follows him."""
    keys = TEST_KEYS[3]
    fake.add_actor("dave", keys)
    first = await lookup_handle(svc, f"dave@{fake.host}")
    await follow_account(svc, alice, first)
    assert await _follow_state(svc, alice, first) == "pending"

    new_id = f"{PLACEHOLDER}/ap/actors/dave"
    moved = {
        **mastodon_actor("dave", keys.public_pem),
        "id": new_id,
        "name": "Dave, on new ids",
        "inbox": f"{new_id}/inbox",
        "publicKey": {"id": f"{new_id}#main-key", "owner": new_id, "publicKeyPem": keys.public_pem},
    }
    fake.actors["dave"] = fake.add_document("/ap/actors/dave", moved)

    found = await lookup_handle(svc, f"dave@{fake.host}", refresh=True)

    assert found.id == first.id
    assert found.uri == fake.url("/ap/actors/dave") and found.display_name == "Dave, on new ids"
    assert found.inbox_uri == fake.url("/ap/actors/dave/inbox")
    assert found.public_key_id == fake.url("/ap/actors/dave#main-key")
    assert await _follow_state(svc, alice, found) == "pending"
    assert (await _account(svc, fake.url("/ap/actors/dave"))).id == first.id


# --- Move: one per week -------------------------------------------------------------------------


async def test_a_second_move_within_seven_days_is_refused(svc, client, run_jobs, alice, peer):
    """Bob moves to bob2 (Alice follows bob2); his next Move within 7 days changes nothing."""
    bob = peer.actor("bob")
    await _follows(svc, client, run_jobs, peer, alice, bob)
    bob2 = peer.actor("bob2", alsoKnownAs=[bob.uri])
    await _send(client, run_jobs, bob, bob.activity("Move", bob.uri, target=bob2.uri))
    assert await _follow_state(svc, alice, await _account(svc, bob2.uri)) == "pending"

    _, carol = await make_user(svc, "carol")
    await _follows(svc, client, run_jobs, peer, carol, bob)
    bob3 = peer.actor("bob3", alsoKnownAs=[bob.uri])
    follows_before = len(peer.received("Follow"))
    await _send(client, run_jobs, bob, bob.activity("Move", bob.uri, target=bob3.uri))

    assert await _follow_state(svc, carol, await _account(svc, bob.uri)) == "accepted"
    assert await _follow_state(svc, carol, await _account(svc, bob3.uri)) is None
    assert len(peer.received("Follow")) == follows_before
    async with svc.db.read() as conn:
        last = await move_store.get_last_move(conn, (await _account(svc, bob.uri)).id)
    assert last is not None and last[1] == bob2.uri


async def test_a_move_is_allowed_again_after_seven_days(svc):
    """The move record refuses a second move for 7 days, then allows one again."""
    _, account = await make_user(svc, "mover")
    week, earlier = timedelta(days=7), utcnow() - timedelta(days=8)
    async with svc.db.write() as tx:
        first = await move_store.claim_move(
            tx, account.id, target_uri="https://a.example/1", cooldown=week, now=earlier
        )
        soon = await move_store.claim_move(
            tx, account.id, target_uri="https://a.example/2", cooldown=week, now=earlier
        )
        later = await move_store.claim_move(
            tx, account.id, target_uri="https://a.example/3", cooldown=week
        )
        again = await move_store.claim_move(
            tx, account.id, target_uri="https://a.example/4", cooldown=week
        )
    assert (first, soon, later, again) == (True, False, True, False)
    async with svc.db.read() as conn:
        last = await move_store.get_last_move(conn, account.id)
    assert last is not None and last[1] == "https://a.example/3"


# --- Announce ids are URLs we serve -------------------------------------------------------------


async def test_an_announce_is_served_at_its_id_and_gone_once_undone(svc, client, alice):
    """Bob boosts Alice's post: the Announce id answers the Announce, then 410 after unboosting."""
    _, bob = await make_user(svc, "bob")
    post = await create_post(svc, alice, PostDraft(text="Boost me"))
    boost = await boost_post(svc, bob, post.id)
    assert boost.uri == f"{svc.base_url}/users/bob/statuses/{boost.id}/activity"

    response = await client.get(f"/users/bob/statuses/{boost.id}/activity", headers=AP_ACCEPT)
    assert response.status_code == 200
    assert response.content_type.startswith("application/activity+json")
    doc = await response.get_json()
    assert doc["id"] == boost.uri and doc["type"] == "Announce"
    assert doc["actor"] == bob.uri and doc["object"] == post.uri
    assert doc["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert doc["cc"] == [alice.uri, f"{bob.uri}/followers"]

    await unboost_post(svc, bob, post.id)
    gone = await client.get(f"/users/bob/statuses/{boost.id}/activity", headers=AP_ACCEPT)
    assert gone.status_code == 410
    tombstone = await gone.get_json()
    assert tombstone["id"] == boost.uri and tombstone["type"] == "Tombstone"
    assert tombstone["formerType"] == "Announce"


async def test_an_announce_of_a_deleted_post_is_gone(svc, client, alice):
    """When the boosted post is deleted, its Announce's id answers 410."""
    _, bob = await make_user(svc, "bob")
    post = await create_post(svc, alice, PostDraft(text="Soon gone"))
    boost = await boost_post(svc, bob, post.id)
    await delete_post(svc, alice, post.id)
    response = await client.get(f"/users/bob/statuses/{boost.id}/activity", headers=AP_ACCEPT)
    assert response.status_code == 410
    assert (await response.get_json())["type"] == "Tombstone"


async def test_an_announce_id_under_another_user_is_not_found(svc, client, alice):
    """A boost's id under someone else's name is not an Announce: 404 with a reason."""
    _, bob = await make_user(svc, "bob")
    post = await create_post(svc, alice, PostDraft(text="Mine"))
    boost = await boost_post(svc, bob, post.id)
    response = await client.get(f"/users/alice/statuses/{boost.id}/activity", headers=AP_ACCEPT)
    assert response.status_code == 404
    assert "error" in await response.get_json()


async def test_the_create_of_a_post_is_still_served_at_its_activity_url(svc, client, alice):
    """`/activity` of an ordinary post still answers its Create."""
    post = await create_post(svc, alice, PostDraft(text="Hello"))
    response = await client.get(f"/users/alice/statuses/{post.id}/activity", headers=AP_ACCEPT)
    assert response.status_code == 200
    doc = await response.get_json()
    assert doc["type"] == "Create" and doc["object"]["id"] == post.uri


# --- collection pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("collection", ["outbox", "followers", "following"])
async def test_collections_refuse_an_id_that_is_not_a_number(svc, client, alice, collection):
    """`max_id=abc` on any collection: 400 naming the parameter."""
    response = await client.get(f"/users/alice/{collection}?page=true&max_id=abc")
    assert response.status_code == 400
    assert await response.get_json() == {"error": "max_id must be a whole number."}
    response = await client.get(f"/users/alice/{collection}?page=true&min_id=x")
    assert response.status_code == 400
    assert await response.get_json() == {"error": "min_id must be a whole number."}


async def test_collection_pages_answer_as_before(svc, client, alice):
    """Outbox, followers and following: the collection, then a page of it."""
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, bob, alice)
    post = await create_post(svc, alice, PostDraft(text="In the outbox"))

    outbox = await (await client.get("/users/alice/outbox")).get_json()
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 1
    page = await (await client.get("/users/alice/outbox?page=true")).get_json()
    assert [item["object"]["id"] for item in page["orderedItems"]] == [post.uri]
    newer = await (await client.get(f"/users/alice/outbox?min_id={post.id}")).get_json()
    assert newer["orderedItems"] == []

    followers = await (await client.get("/users/alice/followers?page=true")).get_json()
    assert followers["orderedItems"] == [bob.uri] and followers["totalItems"] == 1
    following = await (await client.get("/users/bob/following?page=true")).get_json()
    assert following["orderedItems"] == [alice.uri]
