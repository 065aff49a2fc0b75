"""Endorsements through the client API: `POST /api/v1/accounts/:id/pin` and `/unpin`,
`GET /api/v1/endorsements`, `GET /api/v1/accounts/:id/endorsements`, and the Relationship's
`endorsed`."""

from __future__ import annotations

from typing import Any

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from fedi.context import Services
from fedi.moderation.blocks import block_account
from fedi.outbox.interactions import follow_account
from fedi.storage import accounts as account_store
from fedi.storage.clock import now_db
from fedi.storage.rows import Account
from tests.api.test_e2e_clients import Live, live, password_session  # noqa: F401 (fixture)
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

NOT_FOLLOWING = "You must be already following the person you want to endorse."


async def _json(response: Any, status: int = 200) -> Any:
    body = await response.get_json()
    assert response.status_code == status, body
    assert response.content_type.startswith("application/json")
    return body


async def _user(svc: Services, name: str) -> tuple[Account, str]:
    _, account = await make_user(svc, name)
    return account, await make_token(svc, account)


def _links(response: Any) -> dict[str, str]:
    found = {}
    for part in response.headers["Link"].split(", "):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').rstrip('"')] = url.strip("<>")
    return found


def _path(url: str) -> str:
    return url.removeprefix("http://localhost")


async def test_pin_a_followed_account_marks_it_endorsed(client, svc):
    """Featuring a followed account answers its Relationship with `endorsed` true, and
    `/api/v1/accounts/relationships` says so too."""
    alice, token = await _user(svc, "alice")
    bob, _ = await _user(svc, "bob")
    carol, _ = await _user(svc, "carol")
    await follow_account(svc, alice, bob)
    rel = await _json(await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=bearer(token)))
    assert rel["id"] == str(bob.id) and rel["endorsed"] is True and rel["following"] is True
    again = await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=bearer(token))
    assert (await _json(again))["endorsed"] is True
    rels = await _json(
        await client.get(
            f"/api/v1/accounts/relationships?id[]={bob.id}&id[]={carol.id}", headers=bearer(token)
        )
    )
    assert [(r["id"], r["endorsed"]) for r in rels] == [(str(bob.id), True), (str(carol.id), False)]
    listed = await _json(await client.get("/api/v1/endorsements", headers=bearer(token)))
    assert [a["id"] for a in listed] == [str(bob.id)]
    assert listed[0]["acct"] == "bob" and listed[0]["followers_count"] == 1


async def test_pin_an_account_not_followed_is_refused(client, svc):
    """An account the viewer does not follow (or only asked to follow) cannot be featured: 422
    with Mastodon's message; nothing is listed."""
    alice, token = await _user(svc, "alice")
    bob, _ = await _user(svc, "bob")
    response = await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=bearer(token))
    assert (await _json(response, 422)) == {"error": NOT_FOLLOWING}
    locked, _ = await _user(svc, "dora")
    await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(await make_token(svc, locked)),
        json={"locked": True},
    )
    rel = await _json(
        await client.post(f"/api/v1/accounts/{locked.id}/follow", headers=bearer(token))
    )
    assert rel["requested"] is True
    response = await client.post(f"/api/v1/accounts/{locked.id}/pin", headers=bearer(token))
    assert (await _json(response, 422))["error"] == NOT_FOLLOWING
    assert await _json(await client.get("/api/v1/endorsements", headers=bearer(token))) == []


async def test_pin_yourself_unknown_and_without_scope(client, svc):
    """Featuring oneself is 422, an unknown account 404, a token without write:accounts 403,
    no token 401."""
    alice, token = await _user(svc, "alice")
    response = await client.post(f"/api/v1/accounts/{alice.id}/pin", headers=bearer(token))
    assert (await _json(response, 422))["error"] == "You can't feature yourself on your profile."
    response = await client.post("/api/v1/accounts/999999/pin", headers=bearer(token))
    assert (await _json(response, 404))["error"] == "Record not found"
    response = await client.post("/api/v1/accounts/999999/unpin", headers=bearer(token))
    assert (await _json(response, 404))["error"] == "Record not found"
    reader = await make_token(svc, alice, scopes="read")
    response = await client.post(f"/api/v1/accounts/{alice.id}/pin", headers=bearer(reader))
    assert (await _json(response, 403))["error"] == "This action is outside the authorized scopes"
    response = await client.get("/api/v1/endorsements")
    assert (await _json(response, 401))["error"] == "The access token is invalid"
    response = await client.get("/api/v1/accounts/999999/endorsements")
    assert (await _json(response, 404))["error"] == "Record not found"


async def test_unpin_takes_the_account_off_the_list(client, svc):
    """Unpinning answers `endorsed` false and the account is no longer listed; unpinning again
    is harmless. Mastodon 4.4's `/endorse` and `/unendorse` do the same."""
    alice, token = await _user(svc, "alice")
    bob, _ = await _user(svc, "bob")
    await follow_account(svc, alice, bob)
    await client.post(f"/api/v1/accounts/{bob.id}/pin", headers=bearer(token))
    rel = await _json(await client.post(f"/api/v1/accounts/{bob.id}/unpin", headers=bearer(token)))
    assert rel["endorsed"] is False and rel["following"] is True
    assert await _json(await client.get("/api/v1/endorsements", headers=bearer(token))) == []
    rel = await _json(await client.post(f"/api/v1/accounts/{bob.id}/unpin", headers=bearer(token)))
    assert rel["endorsed"] is False
    rel = await _json(
        await client.post(f"/api/v1/accounts/{bob.id}/endorse", headers=bearer(token))
    )
    assert rel["endorsed"] is True
    rel = await _json(
        await client.post(f"/api/v1/accounts/{bob.id}/unendorse", headers=bearer(token))
    )
    assert rel["endorsed"] is False


async def test_endorsements_page_with_link_headers(client, svc):
    """Newest endorsement first; `limit` pages with a Link header (`next` by max_id, `prev` by
    min_id, both exclusive); no Link header on an empty page."""
    alice, token = await _user(svc, "alice")
    featured = []
    for name in ("bob", "carol", "dave", "erin", "fred"):
        other, _ = await _user(svc, name)
        await follow_account(svc, alice, other)
        await client.post(f"/api/v1/accounts/{other.id}/pin", headers=bearer(token))
        featured.append(str(other.id))
    newest_first = featured[::-1]
    first = await client.get("/api/v1/endorsements?limit=2", headers=bearer(token))
    assert [a["id"] for a in await _json(first)] == newest_first[:2]
    links = _links(first)
    assert "max_id=" in links["next"] and "limit=2" in links["next"]
    assert "min_id=" in links["prev"]
    second = await client.get(_path(links["next"]), headers=bearer(token))
    assert [a["id"] for a in await _json(second)] == newest_first[2:4]
    back = await client.get(_path(_links(second)["prev"]), headers=bearer(token))
    assert [a["id"] for a in await _json(back)] == newest_first[:2]
    third = await client.get(_path(_links(second)["next"]), headers=bearer(token))
    assert [a["id"] for a in await _json(third)] == newest_first[4:]
    newer = await client.get(_path(links["prev"]), headers=bearer(token))
    assert await _json(newer) == [] and "Link" not in newer.headers
    everything = await client.get("/api/v1/endorsements?limit=80", headers=bearer(token))
    assert [a["id"] for a in await _json(everything)] == newest_first


async def test_unfollow_and_block_remove_the_endorsement(client, svc):
    """Unfollowing a featured account, or blocking it, takes it off the profile (as Mastodon
    does); following again does not feature it again by itself."""
    alice, token = await _user(svc, "alice")
    bob, _ = await _user(svc, "bob")
    carol, carol_token = await _user(svc, "carol")
    for other in (bob, carol):
        await follow_account(svc, alice, other)
        await client.post(f"/api/v1/accounts/{other.id}/pin", headers=bearer(token))
    rel = await _json(
        await client.post(f"/api/v1/accounts/{bob.id}/unfollow", headers=bearer(token))
    )
    assert rel["following"] is False and rel["endorsed"] is False
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=bearer(token))
    listed = await _json(await client.get("/api/v1/endorsements", headers=bearer(token)))
    assert [a["id"] for a in listed] == [str(carol.id)]
    # Carol blocks alice: the follow ends both ways, and with it alice's endorsement of carol.
    await block_account(svc, carol, alice)
    assert await _json(await client.get("/api/v1/endorsements", headers=bearer(token))) == []
    rels = await _json(
        await client.get(f"/api/v1/accounts/relationships?id[]={carol.id}", headers=bearer(token))
    )
    assert rels[0]["endorsed"] is False and rels[0]["blocked_by"] is True


async def test_another_accounts_endorsements_seen_logged_out(client, svc):
    """`/api/v1/accounts/:id/endorsements` lists whom an account features, without a token;
    a suspended featured account is left out."""
    alice, token = await _user(svc, "alice")
    bob, _ = await _user(svc, "bob")
    carol, _ = await _user(svc, "carol")
    for other in (bob, carol):
        await follow_account(svc, alice, other)
        await client.post(f"/api/v1/accounts/{other.id}/pin", headers=bearer(token))
    listed = await _json(await client.get(f"/api/v1/accounts/{alice.id}/endorsements"))
    assert [a["id"] for a in listed] == [str(carol.id), str(bob.id)]
    assert listed[0]["username"] == "carol" and listed[0]["url"].endswith("/@carol")
    async with svc.db.write() as tx:
        await account_store.update_account(tx, carol.id, suspended_at=now_db())
    listed = await _json(await client.get(f"/api/v1/accounts/{alice.id}/endorsements"))
    assert [a["id"] for a in listed] == [str(bob.id)]
    assert await _json(await client.get(f"/api/v1/accounts/{bob.id}/endorsements")) == []


def test_mastodon_py_pins_lists_and_unpins(live: Live) -> None:  # noqa: F811 (fixture)
    """Mastodon.py against a running server: `account_pin` is refused (422, with the reason)
    until alice follows bob, then `endorsements()` and `account_relationships` show bob, and
    `account_unpin` takes him off."""
    alice = password_session(live, "alice@example.com")
    bob_id = alice.account_lookup("bob").id
    with pytest.raises(MastodonAPIError) as refused:
        alice.account_pin(bob_id)
    assert "already following" in str(refused.value)
    with pytest.raises(MastodonNotFoundError):
        alice.account_pin(999999)
    alice.account_follow(bob_id)
    assert alice.account_pin(bob_id).endorsed is True
    assert [a.acct for a in alice.endorsements()] == ["bob"]
    assert alice.account_relationships(bob_id)[0].endorsed is True
    assert alice.account_unpin(bob_id).endorsed is False
    assert list(alice.endorsements()) == []
