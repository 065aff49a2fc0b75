"""The inbox fast path: signatures verified synchronously, hostile input refused, one durable job.

The sender is a FakeRemote on 127.0.0.1 serving its actors' keys over real HTTP; activities are
signed with those keys and POSTed to our app through the test client.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from fedi.context import Services
from fedi.inbox import dispatch
from fedi.inbox.receive import MAX_BODY, Outcome, RawRequest, receive
from fedi.remote import Resolver
from fedi.storage import jobs as job_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.rows import Account
from tests.factories import TEST_KEYS, make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    AP_TYPE,
    OUR_HOST,
    Peer,
    RemoteActor,
    config,
    deliver,
    fast_instance_keys,
    http,
    peer,
    signed_headers,
)


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
def bob(peer: Peer) -> RemoteActor:
    return peer.actor("bob")


async def _inbox_jobs(svc: Services) -> list[dict]:
    async with svc.db.read() as conn:
        return [j.data for j in await job_store.list_jobs(conn, kind="inbox")]


def _follow(actor: RemoteActor, target: Account) -> dict:
    return actor.activity("Follow", target.uri)


# --- signatures ---------------------------------------------------------------------------------


async def test_a_signed_activity_is_accepted_and_queued_once(client, svc, alice, bob):
    """A correctly signed Follow answers 202 and leaves one inbox job naming the verified signer."""
    response = await deliver(client, bob, _follow(bob, alice))
    assert response.status_code == 202
    jobs = await _inbox_jobs(svc)
    assert len(jobs) == 1
    assert jobs[0]["signer"] == bob.uri
    assert json.loads(jobs[0]["body"])["type"] == "Follow"


async def test_an_unsigned_post_is_refused_with_no_signature(client, svc, alice, bob):
    """Without a Signature header the inbox answers 401 "no signature" and queues nothing."""
    body = json.dumps(_follow(bob, alice)).encode()
    response = await client.post(
        "/inbox", data=body, headers={"Content-Type": AP_TYPE, "Host": OUR_HOST}
    )
    assert response.status_code == 401
    assert await response.get_json() == {"error": "no signature"}
    assert await _inbox_jobs(svc) == []


async def test_a_signature_by_another_key_is_refused(client, svc, alice, bob):
    """A signature that does not verify with the actor's key answers 401 "bad signature"."""
    response = await deliver(client, bob, _follow(bob, alice), keys=TEST_KEYS[0])
    assert response.status_code == 401
    assert await response.get_json() == {"error": "bad signature"}
    assert await _inbox_jobs(svc) == []


async def test_a_tampered_body_is_refused_by_its_digest(client, svc, alice, bob):
    """A body changed after signing no longer matches its Digest: 401 "digest mismatch"."""
    signed = json.dumps(_follow(bob, alice)).encode()
    headers = signed_headers(bob, "/inbox", signed)
    tampered = signed.replace(b"Follow", b"Block ")
    response = await client.post("/inbox", data=tampered, headers=headers)
    assert response.status_code == 401
    assert await response.get_json() == {"error": "digest mismatch"}


async def test_a_stale_date_is_refused(client, svc, alice, bob):
    """A signature made three hours ago is refused as expired (401)."""
    old = datetime.now(UTC) - timedelta(hours=3)
    response = await deliver(client, bob, _follow(bob, alice), date=old)
    assert response.status_code == 401
    assert await response.get_json() == {"error": "signature expired"}


async def test_a_key_of_someone_else_cannot_speak_for_the_actor(client, svc, alice, bob, peer):
    """Mallory's valid signature on an activity whose actor is Bob answers 401, naming why."""
    mallory = peer.actor("mallory")
    response = await deliver(client, mallory, _follow(bob, alice))
    assert response.status_code == 401
    assert await response.get_json() == {
        "error": "the signing key does not belong to the activity's actor"
    }
    assert await _inbox_jobs(svc) == []


async def test_a_rotated_key_is_fetched_again_and_accepted(client, svc, alice, bob):
    """After a blind key rotation the stale stored key fails once, the new key is fetched: 202."""
    assert (await deliver(client, bob, _follow(bob, alice))).status_code == 202
    bob.rotate_key(TEST_KEYS[2])
    response = await deliver(client, bob, bob.activity("Undo", _follow(bob, alice)))
    assert response.status_code == 202
    assert len(await _inbox_jobs(svc)) == 2


async def test_a_delete_whose_actor_is_not_found_is_refused(client, svc, alice, bob, peer, http):
    """Only 410 lets the stored key stand in: an actor that now answers 404 cannot sign (401)."""
    assert (await deliver(client, bob, _follow(bob, alice))).status_code == 202
    svc.extras["resolver"] = Resolver(
        svc, http=http, refresh_interval=timedelta(0), actor_ttl=timedelta(0)
    )
    peer.fake.add_response("/users/bob", b"", status=404)
    response = await deliver(client, bob, bob.activity("Delete", bob.uri))
    assert response.status_code == 401
    assert await response.get_json() == {"error": "could not fetch the signing key"}


async def test_activities_claiming_a_local_actor_are_refused(client, svc, alice, bob):
    """Nobody may post to our inbox as one of our own accounts."""
    forged = bob.activity("Follow", alice.uri)
    forged["actor"] = alice.uri
    response = await deliver(client, bob, forged)
    assert response.status_code == 401
    assert await _inbox_jobs(svc) == []


# --- shape and size -----------------------------------------------------------------------------


async def test_an_oversize_body_is_refused_with_413(client, svc, bob):
    """A body over 1 MB is refused before anything else is looked at."""
    body = b'{"x": "' + b"a" * MAX_BODY + b'"}'
    response = await client.post(
        "/inbox", data=body, headers={"Content-Type": AP_TYPE, "Host": OUR_HOST}
    )
    assert response.status_code == 413
    assert await response.get_json() == {"error": "the body is larger than 1 MB"}


async def test_malformed_json_is_refused_with_400(client, svc, bob):
    """A body that is not JSON answers 400 with the reason."""
    body = b'{"type": "Follow", '
    response = await client.post("/inbox", data=body, headers=signed_headers(bob, "/inbox", body))
    assert response.status_code == 400
    assert await response.get_json() == {"error": "the body is not JSON"}


async def test_a_document_without_the_activitystreams_context_is_refused(client, alice, bob):
    """Like Mastodon, we process only documents whose @context includes ActivityStreams."""
    activity = _follow(bob, alice)
    activity["@context"] = "https://example.com/other"
    response = await deliver(client, bob, activity)
    assert response.status_code == 400
    assert "ActivityStreams" in (await response.get_json())["error"]


async def test_the_inbox_of_nobody_is_404(client, bob, alice):
    """A personal inbox of a user who does not exist answers 404."""
    response = await deliver(client, bob, _follow(bob, alice), path="/users/nobody/inbox")
    assert response.status_code == 404


async def test_a_personal_inbox_takes_activities_too(client, svc, alice, bob):
    """POST /users/<name>/inbox is verified and queued like the shared inbox."""
    response = await deliver(client, bob, _follow(bob, alice), path="/users/alice/inbox")
    assert response.status_code == 202
    assert (await _inbox_jobs(svc))[0]["inbox"] == "alice"


# --- dedupe, unknown senders, the worker --------------------------------------------------------


async def test_a_duplicate_activity_is_accepted_and_processed_once(
    client, svc, run_jobs, alice, bob
):
    """The same activity id twice: 202 both times, one job, one follower and one notification."""
    follow = _follow(bob, alice)
    assert (await deliver(client, bob, follow)).status_code == 202
    assert (await deliver(client, bob, follow)).status_code == 202
    assert len(await _inbox_jobs(svc)) == 1
    await run_jobs()
    async with svc.db.read() as conn:
        notes = await notification_store.list_notifications(conn, alice.id)
    assert [n.type for n in notes] == ["follow"]


async def test_a_delete_from_an_unknown_actor_is_ignored_without_fetching(client, svc, peer):
    """Interop (Mastodon): Delete by an actor we never saw answers 202 and fetches nothing."""
    ghost = peer.actor("ghost")
    before = len(peer.fake.requests)
    response = await deliver(client, ghost, ghost.activity("Delete", ghost.uri))
    assert response.status_code == 202
    assert len(peer.fake.requests) == before
    assert await _inbox_jobs(svc) == []


async def test_an_unknown_activity_type_is_logged_and_the_worker_goes_on(
    client, svc, run_jobs, alice, bob, caplog
):
    """An activity type we do not handle answers 202, is logged and dropped; later work runs."""
    caplog.set_level(logging.INFO, logger="fedi.inbox.dispatch")
    assert (await deliver(client, bob, bob.activity("Listen", alice.uri))).status_code == 202
    assert (await deliver(client, bob, _follow(bob, alice))).status_code == 202
    await run_jobs()
    assert "inbox unhandled type=Listen" in caplog.text
    async with svc.db.read() as conn:
        jobs = await job_store.list_jobs(conn, kind="inbox")
        notes = await notification_store.list_notifications(conn, alice.id)
    assert {j.state for j in jobs} == {"done"}
    assert [n.type for n in notes] == ["follow"]


async def test_a_crashing_handler_is_retried_not_fatal(
    client, svc, run_jobs, alice, bob, monkeypatch
):
    """A handler that raises leaves its job to be retried later; the other jobs still run."""

    async def broken(incoming: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setitem(dispatch.ROUTES, ("Like", "*"), broken)
    await deliver(client, bob, bob.activity("Like", f"{svc.base_url}/users/alice/statuses/1"))
    await deliver(client, bob, _follow(bob, alice))
    await run_jobs()
    async with svc.db.read() as conn:
        jobs = {
            json.loads(j.data["body"])["type"]: j
            for j in await job_store.list_jobs(conn, kind="inbox")
        }
    assert jobs["Like"].state == "retry"
    assert "RuntimeError: bug" in jobs["Like"].last_error
    assert jobs["Follow"].state == "done"


async def test_receive_is_usable_without_the_web_layer(svc, alice, bob):
    """The service entry point takes a RawRequest and returns a verdict value."""
    body = json.dumps(_follow(bob, alice)).encode()
    request = RawRequest(
        method="POST", path="/inbox", headers=signed_headers(bob, "/inbox", body), body=body
    )
    verdict = await receive(svc, request)
    assert verdict.outcome is Outcome.ACCEPTED and not verdict.duplicate
    again = await receive(svc, request)
    assert again.outcome is Outcome.ACCEPTED and again.duplicate


async def test_an_accepted_activity_does_not_touch_posts(client, svc, alice, bob):
    """The fast path only queues: nothing is stored before the worker runs."""
    note = bob.note("<p>hi</p>")
    assert (await deliver(client, bob, bob.create(note))).status_code == 202
    async with svc.db.read() as conn:
        assert await post_store.get_post_by_uri(conn, note["id"]) is None
