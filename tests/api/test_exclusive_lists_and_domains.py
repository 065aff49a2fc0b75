"""Exclusive lists keep their members out of home (API and web); a hidden domain shows in
relationships (`domain_blocking`) and leaves public, hashtag, home boosts and threads."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.outbox.boosts import boost_post
from fedi.outbox.interactions import follow_account
from fedi.storage import posts as post_store
from fedi.storage.rows import Account
from fedi.timelines import home_timeline
from tests.api.statuses_helpers import api_post, remote_account, remote_post
from tests.api.test_timelines import _traced
from tests.api.tokens import bearer, make_token
from tests.factories import browser_login, make_user


async def _user(svc: Services, name: str) -> tuple[Account, str]:
    _, account = await make_user(svc, name)
    return account, await make_token(svc, account)


async def _ids(client: Any, path: str, token: str | None = None) -> list[str]:
    response = await client.get(path, headers=bearer(token) if token else {})
    body = await response.get_json()
    assert response.status_code == 200, body
    return [s["id"] for s in body]


async def _text(response: Any) -> str:
    assert response.status_code == 200
    return (await response.get_data()).decode()


async def test_exclusive_list_members_leave_home_but_not_the_list(client, svc):
    """Members of an exclusive list are left out of the owner's home (API and web page), and
    stay in the list's own timeline; making the list non-exclusive brings them back."""
    alice, token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    carol, carol_token = await _user(svc, "carol")
    await follow_account(svc, alice, bob)
    await follow_account(svc, alice, carol)
    bobs = await api_post(client, bob_token, "bob writes about trains")
    carols = await api_post(client, carol_token, "carol writes about boats")
    boost = await boost_post(svc, bob, int(carols["id"]))
    headers = bearer(token)
    made = await client.post(
        "/api/v1/lists", headers=headers, json={"title": "Trains", "exclusive": True}
    )
    the_list = await made.get_json()
    assert made.status_code == 200 and the_list["exclusive"] is True
    added = await client.post(
        f"/api/v1/lists/{the_list['id']}/accounts",
        headers=headers,
        json={"account_ids": [str(bob.id)]},
    )
    assert added.status_code == 200

    # Bob's post and his boost leave home; carol's own post stays.
    assert await _ids(client, "/api/v1/timelines/home", token) == [carols["id"]]
    listed = await _ids(client, f"/api/v1/timelines/list/{the_list['id']}", token)
    assert listed == [str(boost.id), bobs["id"]]
    await browser_login(client, svc, alice)
    page = await _text(await client.get("/home"))
    assert "carol writes about boats" in page and "bob writes about trains" not in page
    web = await home_timeline(svc, alice.id)
    assert [v.id for v in web.posts] == [int(carols["id"])]

    changed = await client.put(
        f"/api/v1/lists/{the_list['id']}", headers=headers, json={"exclusive": False}
    )
    assert changed.status_code == 200 and (await changed.get_json())["exclusive"] is False
    assert await _ids(client, "/api/v1/timelines/home", token) == [
        str(boost.id),
        carols["id"],
        bobs["id"],
    ]
    assert "bob writes about trains" in await _text(await client.get("/home"))


async def test_home_without_exclusive_lists_costs_no_extra_hop(client, svc):
    """The exclusive-list check rides in the feed query: no statement of its own."""
    alice, token = await _user(svc, "alice")
    await api_post(client, token, "hello")
    await _ids(client, "/api/v1/timelines/home", token)  # the token is cached now
    statements = await _traced(svc)
    assert len(await _ids(client, "/api/v1/timelines/home", token)) == 1
    feed = [s for s in statements if "home_feed" in s]
    assert len(feed) == 1 and "exclusive" in feed[0]
    assert not [s for s in statements if "list_accounts" in s and "home_feed" not in s]


async def _hide(client: Any, token: str, domain: str) -> None:
    response = await client.post(
        "/api/v1/domain_blocks", headers=bearer(token), json={"domain": domain}
    )
    assert response.status_code == 200, await response.get_json()


async def test_relationship_shows_a_hidden_domain(client, svc):
    """`domain_blocking` is true for accounts of a domain the viewer hides, until shown again."""
    alice, token = await _user(svc, "alice")
    bob, _ = await _user(svc, "bob")
    carol = await remote_account(svc, host="far.example")
    path = f"/api/v1/accounts/relationships?id[]={carol.id}&id[]={bob.id}"

    async def blocking() -> list[bool]:
        response = await client.get(path, headers=bearer(token))
        body = await response.get_json()
        assert response.status_code == 200, body
        return [r["domain_blocking"] for r in body]

    assert await blocking() == [False, False]
    await _hide(client, token, "Far.Example")
    assert await blocking() == [True, False]
    shown = await client.delete(
        "/api/v1/domain_blocks", headers=bearer(token), json={"domain": "far.example"}
    )
    assert shown.status_code == 200
    assert await blocking() == [False, False]


async def test_a_hidden_domain_leaves_public_tag_boosts_and_threads(client, svc):
    """After hiding a domain its accounts' posts leave the viewer's public and hashtag
    timelines, boosts of them leave home, and their replies leave threads (API and web); a
    direct read still works and other readers still see everything."""
    alice, token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    await follow_account(svc, alice, bob)
    carol = await remote_account(svc, host="far.example")
    dave = await remote_account(svc, "dave", host="near.example")
    far = await remote_post(svc, carol, "<p>far away #tea</p>", tags=("tea",))
    near = await remote_post(svc, dave, "<p>nearby #tea</p>", tags=("tea",))
    boost = await boost_post(svc, bob, far.id)
    root = await api_post(client, token, "a question for everyone")
    async with svc.db.read() as conn:
        root_row = await post_store.get_post(conn, int(root["id"]))
    assert root_row is not None
    far_reply = await remote_post(svc, carol, "<p>far reply</p>", reply_to=root_row)
    bob_reply = await api_post(client, bob_token, "bob reply", in_reply_to_id=root["id"])

    before = await _ids(client, "/api/v1/timelines/public", token)
    assert str(far.id) in before and str(far_reply.id) in before
    await _hide(client, token, "far.example")

    public = await _ids(client, "/api/v1/timelines/public", token)
    assert public == [bob_reply["id"], root["id"], str(near.id)]
    assert await _ids(client, "/api/v1/timelines/tag/tea", token) == [str(near.id)]
    assert str(boost.id) not in await _ids(client, "/api/v1/timelines/home", token)
    context = await (
        await client.get(f"/api/v1/statuses/{root['id']}/context", headers=bearer(token))
    ).get_json()
    assert [s["id"] for s in context["descendants"]] == [bob_reply["id"]]
    direct = await client.get(f"/api/v1/statuses/{far.id}", headers=bearer(token))
    assert direct.status_code == 200

    await browser_login(client, svc, alice)
    page = await _text(await client.get(f"/@alice/{root['id']}"))
    assert "bob reply" in page and "far reply" not in page
    everyone = await _ids(client, "/api/v1/timelines/tag/tea")
    assert everyone == [str(near.id), str(far.id)]
