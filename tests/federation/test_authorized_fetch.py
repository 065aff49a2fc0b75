"""Authorized fetch: ActivityPub documents answer only signed GETs; followers see their posts."""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from fedi.activitypub import httpsig
from fedi.config import Config
from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage import follows as follow_store
from fedi.storage.ids import new_id
from fedi.storage.remote_accounts import get_remote_account_by_uri
from tests.conftest import make_config
from tests.factories import TEST_KEYS, make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    AP_TYPE,
    OUR_HOST,
    RemoteActor,
    fast_instance_keys,
    http,
    peer,
)


@pytest.fixture
def config(tmp_path) -> Config:
    return make_config(
        tmp_path,
        federation={"allow_private_addresses": True, "allow_http": True, "authorized_fetch": True},
    )


def signed_get(actor: RemoteActor, path: str, *, private_pem: str | None = None) -> dict[str, str]:
    """Headers of a GET of our `path`, signed (cavage) by `actor`."""
    when = datetime.now(UTC)
    headers = {"Host": OUR_HOST, "Accept": AP_TYPE, "Date": format_datetime(when, usegmt=True)}
    headers.update(
        httpsig.sign_cavage(
            method="GET",
            url=f"http://{OUR_HOST}{path}",
            headers=headers,
            body=None,
            key_id=actor.key_id,
            private_key=private_pem or actor.keys.private_pem,
            now=when,
        )
    )
    return headers


async def test_unsigned_fetches_are_refused_but_the_instance_actor_answers(client, svc):
    """Under authorized fetch an unsigned GET gets 401 with a reason; /actor stays open for keys."""
    await make_user(svc, "alice")
    response = await client.get("/users/alice", headers={"Accept": AP_TYPE})
    assert response.status_code == 401
    assert "signed requests" in (await response.get_json())["error"]
    assert (await client.get("/actor", headers={"Accept": AP_TYPE})).status_code == 200
    followers = await client.get("/users/alice/followers", headers={"Accept": AP_TYPE})
    assert followers.status_code == 401


async def test_a_signed_fetch_is_served_and_a_forged_one_refused(client, svc, peer):
    """A GET signed by a real remote actor gets the document; a wrong key gets 401."""
    await make_user(svc, "alice")
    rita = peer.actor("rita")
    response = await client.get("/users/alice", headers=signed_get(rita, "/users/alice"))
    assert response.status_code == 200
    assert (await response.get_json())["preferredUsername"] == "alice"
    forged = signed_get(rita, "/users/alice", private_pem=TEST_KEYS[0].private_pem)
    refused = await client.get("/users/alice", headers=forged)
    assert refused.status_code == 401
    assert "could not be verified" in (await refused.get_json())["error"]


async def test_followers_only_posts_go_to_signed_fetches_by_followers(client, svc: Services, peer):
    """A followers-only Note is 404 to a non-follower's signed GET and served once they follow."""
    _, alice = await make_user(svc, "alice")
    post = await create_post(svc, alice, PostDraft(text="for my followers", visibility="private"))
    rita = peer.actor("rita")
    path = f"/users/alice/statuses/{post.id}"
    assert (await client.get(path, headers=signed_get(rita, path))).status_code == 404

    async with svc.db.read() as conn:
        remote = await get_remote_account_by_uri(conn, rita.uri)
    assert remote is not None  # the signature check fetched and stored her actor
    async with svc.db.write() as tx:
        await follow_store.insert_follow(
            tx, id=new_id(), account_id=remote.id, target_account_id=alice.id, state="accepted"
        )
    response = await client.get(path, headers=signed_get(rita, path))
    assert response.status_code == 200
    note = await response.get_json()
    assert note["content"] == "<p>for my followers</p>" and note["to"] == [alice.followers_uri]
