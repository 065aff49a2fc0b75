"""Deleting one's own account: the password confirms it; everything the account was is gone
(410), other servers are told, the username stays taken, and the key goes once they were told."""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

import html
from typing import Any

import pytest

from fedi.accounts.deletion import delete_account
from fedi.accounts.registration import NewAccount, create_local_account
from fedi.accounts.sessions import Viewer, start_session, viewer_for_token
from fedi.context import Services
from fedi.errors import Invalid
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import users as user_store
from fedi.timelines import home_timeline
from tests.api.tokens import bearer, make_token
from tests.factories import CSRF_COOKIE_VALUE, PASSWORD, make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    Peer,
    config,
    deliver,
    fast_instance_keys,
    http,
    other_peer,
    peer,
)

AP = {"Accept": "application/activity+json"}


async def _text(response: Any) -> str:
    return html.unescape(await response.get_data(as_text=True))


@pytest.fixture
async def alice(svc: Services):
    return await make_user(svc, "alice")


async def _stored(svc: Services, account_id: int):
    async with svc.db.read() as conn:
        account = await account_store.get_account(conn, account_id)
        user = await user_store.get_user(conn, account_id)
    assert account is not None and user is not None
    return account, user


async def test_a_wrong_password_deletes_nothing(app, svc, alice, csrf):
    """The form with a wrong password answers 422 with the reason next to the field; the account,
    its session and its posts stay."""
    user, account = alice
    post = await create_post(svc, account, PostDraft(text="still mine", visibility="public"))
    client = app.test_client()
    token = await start_session(svc, user.id, ip="127.0.0.1", user_agent="pytest")
    client.set_cookie("localhost", "fedi_session", token)
    client.set_cookie("localhost", "fedi_csrf", CSRF_COOKIE_VALUE)

    form = await _text(await client.get("/settings/delete"))
    assert "This cannot be undone." in form and 'type="password"' in form

    response = await client.post(
        "/settings/delete", form={"csrf_token": csrf, "password": "not my password"}
    )

    assert response.status_code == 422
    page = await _text(response)
    assert 'id="password-error"' in page
    assert "That is not your password. Your account was not deleted." in page
    stored, _ = await _stored(svc, account.id)
    assert stored.deleted_at is None
    assert await viewer_for_token(svc, token) is not None
    assert (await client.get(f"/@alice/{post.id}")).status_code == 200
    with pytest.raises(Invalid) as empty:
        await delete_account(svc, Viewer(account=account, user=user), password="")
    assert empty.value.field_errors == {"password": "Enter your password to confirm."}


async def test_deleting_the_account_makes_everything_gone(app, svc, alice, csrf):
    """With the right password: logged out with a notice; profile, posts, actor and WebFinger
    answer 410; followers' home feeds lose the posts; follows end; the user cannot log in."""
    user, account = alice
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, bob, account)
    await follow_account(svc, account, bob)
    post = await create_post(svc, account, PostDraft(text="soon gone", visibility="public"))
    assert [v.post.id for v in (await home_timeline(svc, bob.id)).posts] == [post.id]
    client = app.test_client()
    token = await start_session(svc, user.id, ip="127.0.0.1", user_agent="pytest")
    client.set_cookie("localhost", "fedi_session", token)
    client.set_cookie("localhost", "fedi_csrf", CSRF_COOKIE_VALUE)

    response = await client.post(
        "/settings/delete", form={"csrf_token": csrf, "password": PASSWORD}
    )

    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "fedi_session=;" in " ".join(response.headers.getlist("Set-Cookie"))
    landing = await _text(await client.get("/"))
    assert "Your account has been deleted." in landing
    assert await viewer_for_token(svc, token) is None
    stored, stored_user = await _stored(svc, account.id)
    assert stored.deleted_at is not None and stored_user.disabled_at is not None
    assert stored.display_name == "" and stored.private_key_pem  # the key waits for deliveries
    profile = await client.get("/@alice")
    assert profile.status_code == 410
    assert "@alice has deleted their account." in await _text(profile)
    assert (await client.get(f"/@alice/{post.id}")).status_code == 410
    actor = await client.get("/users/alice", headers=AP)
    assert actor.status_code == 410 and (await actor.get_json())["type"] == "Tombstone"
    note = await client.get(f"/users/alice/statuses/{post.id}", headers=AP)
    assert note.status_code == 410
    finger = await client.get("/.well-known/webfinger?resource=acct:alice@localhost")
    assert finger.status_code in (404, 410)
    assert (await home_timeline(svc, bob.id)).posts == []
    async with svc.db.read() as conn:
        assert await follow_store.relationship_rows(conn, account.id, bob.id) == []


async def test_the_username_stays_reserved(svc, alice):
    """Nobody can sign up with a deleted account's username; its e-mail address is free again."""
    user, account = alice
    await delete_account(svc, Viewer(account=account, user=user), password=PASSWORD)
    with pytest.raises(Invalid) as taken:
        await create_local_account(
            svc, NewAccount(username="alice", email="new@example.com", password=PASSWORD)
        )
    assert taken.value.field_errors == {"username": "That username is already taken."}
    _, again = await create_local_account(
        svc, NewAccount(username="alice2", email=user.email, password=PASSWORD)
    )
    assert again.username == "alice2"


async def test_other_servers_are_told_and_the_key_goes_afterwards(
    svc, client, run_jobs, alice, peer: Peer, other_peer: Peer
):
    """Delete{alice} goes, signed with her key, to her remote follower's server and to the server
    of the account she follows; once delivered, her private key is forgotten."""
    user, account = alice
    follower = peer.actor("fan")
    followed = other_peer.actor("idol")
    peer.fake.trust(account.public_key_id, account.public_key_pem)
    other_peer.fake.trust(account.public_key_id, account.public_key_pem)
    assert (
        await deliver(client, follower, follower.activity("Follow", account.uri))
    ).status_code == 202
    idol = await svc.extras["resolver"].get_actor(followed.uri)
    await follow_account(svc, account, idol)
    await run_jobs()

    await delete_account(svc, Viewer(account=account, user=user), password=PASSWORD)
    await run_jobs()

    for server in (peer, other_peer):
        [delete] = server.received("Delete")
        assert delete["actor"] == account.uri and delete["object"] == account.uri
        signed = [r for r in server.fake.requests if r.method == "POST"]
        assert signed and all(r.signature == "ok" for r in signed)
    stored, _ = await _stored(svc, account.id)
    assert stored.private_key_pem is None


async def test_deleting_the_account_ends_its_app_tokens(app, svc, client, alice):
    """An app logged in to the account gets 401 right after the account is deleted."""
    user, account = alice
    token = await make_token(svc, account)
    before = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert before.status_code == 200
    await delete_account(svc, Viewer(account=account, user=user), password=PASSWORD)
    after = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert after.status_code == 401
    assert (await after.get_json())["error"] == "The access token is invalid"
