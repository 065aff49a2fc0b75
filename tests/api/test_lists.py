"""Lists through the client API: CRUD, members (followed accounts only), the accounts' lists,
and the list timeline with its replies policy and paging."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.moderation.mutes import mute_account
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account, unfollow_account
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account, Post
from tests.api.entity_schema import account_problems, status_problems
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


async def post(svc: Services, author: Account, text: str, **fields: Any) -> Post:
    return await create_post(svc, author, PostDraft(text=text, **fields))


async def make_list(client: Any, headers: dict[str, str], title: str, **fields: Any) -> dict:
    response = await client.post("/api/v1/lists", headers=headers, json={"title": title, **fields})
    assert response.status_code == 200, await response.get_json()
    return await response.get_json()  # type: ignore[no-any-return]


async def test_lists_can_be_created_read_changed_and_deleted(client, svc):
    """A list has title, replies_policy and exclusive; it can be renamed and deleted."""
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    created = await make_list(client, headers, "Friends")
    assert set(created) == {"id", "title", "replies_policy", "exclusive"}
    assert created["id"].isdigit()
    assert (created["title"], created["replies_policy"], created["exclusive"]) == (
        "Friends",
        "list",
        False,
    )
    other = await make_list(client, headers, "Work", replies_policy="none", exclusive=True)
    assert (other["replies_policy"], other["exclusive"]) == ("none", True)
    everything = await (await client.get("/api/v1/lists", headers=headers)).get_json()
    assert [x["title"] for x in everything] == ["Friends", "Work"]
    changed = await client.put(
        f"/api/v1/lists/{created['id']}",
        headers=headers,
        form={"title": "Close friends", "replies_policy": "followed"},
    )
    assert (await changed.get_json())["title"] == "Close friends"
    one = await (await client.get(f"/api/v1/lists/{created['id']}", headers=headers)).get_json()
    assert (one["title"], one["replies_policy"], one["exclusive"]) == (
        "Close friends",
        "followed",
        False,
    )
    deleted = await client.delete(f"/api/v1/lists/{created['id']}", headers=headers)
    assert deleted.status_code == 200
    assert await deleted.get_json() == {}
    gone = await client.get(f"/api/v1/lists/{created['id']}", headers=headers)
    assert gone.status_code == 404
    assert (await gone.get_json())["error"] == "Record not found"


async def test_bad_list_input_is_refused_and_others_lists_are_not_found(client, svc):
    """A blank title or unknown replies_policy is 422; someone else's list is 404."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    headers = bearer(await make_token(svc, alice))
    blank = await client.post("/api/v1/lists", headers=headers, json={"title": "  "})
    assert blank.status_code == 422
    assert (await blank.get_json())["error"] == "Validation failed: title: can't be blank"
    policy = await client.post(
        "/api/v1/lists", headers=headers, json={"title": "x", "replies_policy": "all"}
    )
    assert policy.status_code == 422
    assert "replies_policy" in (await policy.get_json())["error"]
    mine = await make_list(client, headers, "Mine")
    bobs = bearer(await make_token(svc, bob))
    for response in (
        await client.get(f"/api/v1/lists/{mine['id']}", headers=bobs),
        await client.put(f"/api/v1/lists/{mine['id']}", headers=bobs, json={"title": "x"}),
        await client.delete(f"/api/v1/lists/{mine['id']}", headers=bobs),
        await client.get(f"/api/v1/lists/{mine['id']}/accounts", headers=bobs),
        await client.get(f"/api/v1/timelines/list/{mine['id']}", headers=bobs),
    ):
        assert response.status_code == 404
        assert (await response.get_json())["error"] == "Record not found"


async def test_members_are_followed_accounts_paged_and_removable(client, svc):
    """Followed accounts can be added (others: 422, unknown: 404), listed with a Link header,
    listed all at once with limit=0, and removed."""
    _, alice = await make_user(svc, "alice")
    friends = [(await make_user(svc, name))[1] for name in ("bob", "carol", "dave")]
    _, stranger = await make_user(svc, "erin")
    for friend in friends:
        await follow_account(svc, alice, friend)
    headers = bearer(await make_token(svc, alice))
    the_list = await make_list(client, headers, "Friends")
    url = f"/api/v1/lists/{the_list['id']}/accounts"
    added = await client.post(url, headers=headers, form={"account_ids[]": str(friends[0].id)})
    assert added.status_code == 200
    await client.post(url, headers=headers, json={"account_ids": [str(f.id) for f in friends]})
    refused = await client.post(url, headers=headers, json={"account_ids": [str(stranger.id)]})
    assert refused.status_code == 422
    assert (await refused.get_json())["error"] == (
        "Validation failed: account_ids: You must follow an account before adding it to a list"
    )
    unknown = await client.post(url, headers=headers, json={"account_ids": ["999999"]})
    assert unknown.status_code == 404
    page = await client.get(url + "?limit=2", headers=headers)
    body = await page.get_json()
    assert [a["username"] for a in body] == ["dave", "carol"]
    assert all(account_problems(a) == [] for a in body)
    assert 'rel="next"' in page.headers["Link"]
    next_url = page.headers["Link"].split(">")[0].lstrip("<").replace("http://localhost", "")
    rest = await (await client.get(next_url, headers=headers)).get_json()
    assert [a["username"] for a in rest] == ["bob"]
    every = await client.get(url + "?limit=0", headers=headers)
    assert [a["username"] for a in await every.get_json()] == ["dave", "carol", "bob"]
    assert "Link" not in every.headers
    lists_of = await client.get(f"/api/v1/accounts/{friends[1].id}/lists", headers=headers)
    assert [x["title"] for x in await lists_of.get_json()] == ["Friends"]
    removed = await client.delete(url, headers=headers, json={"account_ids": [str(friends[1].id)]})
    assert removed.status_code == 200
    after = await (await client.get(url + "?limit=0", headers=headers)).get_json()
    assert [a["username"] for a in after] == ["dave", "bob"]
    none = await client.get(f"/api/v1/accounts/{friends[1].id}/lists", headers=headers)
    assert await none.get_json() == []


async def test_unfollowing_takes_the_account_out_of_lists(client, svc):
    """Ending a follow removes that account from the follower's lists."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, alice, bob)
    headers = bearer(await make_token(svc, alice))
    the_list = await make_list(client, headers, "Friends")
    url = f"/api/v1/lists/{the_list['id']}/accounts"
    await client.post(url, headers=headers, json={"account_ids": [str(bob.id)]})
    await unfollow_account(svc, alice, bob)
    assert await (await client.get(url, headers=headers)).get_json() == []


async def test_list_timeline_shows_members_posts_with_the_replies_policy(client, svc):
    """Members' posts and boosts only; replies to non-members follow the replies policy;
    replies to the owner always show."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    _, dave = await make_user(svc, "dave")
    for other in (bob, carol, dave):
        await follow_account(svc, alice, other)
    headers = bearer(await make_token(svc, alice))
    the_list = await make_list(client, headers, "Bob")
    await client.post(
        f"/api/v1/lists/{the_list['id']}/accounts",
        headers=headers,
        json={"account_ids": [str(bob.id)]},
    )
    carols = await post(svc, carol, "carol speaks")
    daves = await post(svc, dave, "dave speaks")
    own = await post(svc, alice, "alice speaks")
    top = await post(svc, bob, "bob speaks")
    to_carol = await post(svc, bob, "@carol yes", in_reply_to_id=carols.id)
    to_alice = await post(svc, bob, "@alice indeed", in_reply_to_id=own.id)
    to_self = await post(svc, bob, "more", in_reply_to_id=top.id)
    url = f"/api/v1/timelines/list/{the_list['id']}"

    async def shown() -> list[int]:
        body = await (await client.get(url, headers=headers)).get_json()
        assert all(status_problems(s, authenticated=True) == [] for s in body)
        return [int(s["id"]) for s in body]

    assert daves.id not in await shown()
    assert await shown() == [to_self.id, to_alice.id, top.id]
    await client.put(
        f"/api/v1/lists/{the_list['id']}", headers=headers, json={"replies_policy": "followed"}
    )
    assert await shown() == [to_self.id, to_alice.id, to_carol.id, top.id]
    await client.post(
        f"/api/v1/lists/{the_list['id']}/accounts",
        headers=headers,
        json={"account_ids": [str(carol.id)]},
    )
    await client.put(
        f"/api/v1/lists/{the_list['id']}", headers=headers, json={"replies_policy": "none"}
    )
    assert await shown() == [to_self.id, to_alice.id, top.id, carols.id]
    page = await client.get(url + "?limit=2", headers=headers)
    assert [int(s["id"]) for s in await page.get_json()] == [to_self.id, to_alice.id]
    assert f"max_id={to_alice.id}" in page.headers["Link"]
    older = await client.get(f"{url}?max_id={to_alice.id}", headers=headers)
    assert [int(s["id"]) for s in await older.get_json()] == [top.id, carols.id]
    newer = await client.get(f"{url}?min_id={top.id}&limit=1", headers=headers)
    assert [int(s["id"]) for s in await newer.get_json()] == [to_alice.id]
    await mute_account(svc, alice, carol)
    assert await shown() == [to_self.id, to_alice.id, top.id]


async def test_lists_need_the_lists_scopes(client, svc):
    """read:lists reads, write:lists writes; no token is 401."""
    _, alice = await make_user(svc, "alice")
    reader = bearer(await make_token(svc, alice, scopes="read:lists"))
    assert (await client.get("/api/v1/lists", headers=reader)).status_code == 200
    denied = await client.post("/api/v1/lists", headers=reader, json={"title": "x"})
    assert denied.status_code == 403
    assert (await denied.get_json())["error"] == "This action is outside the authorized scopes"
    anonymous = await client.get("/api/v1/lists")
    assert anonymous.status_code == 401
