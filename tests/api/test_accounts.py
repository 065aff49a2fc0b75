"""`/api/v1/accounts` and follow requests: credentials, profiles, lookup, search, an account's
statuses, follow lists, relationships and the actions on an account."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from werkzeug.datastructures import FileStorage

from fedi.context import Services
from fedi.outbox.interactions import follow_account
from tests.api.statuses_helpers import api_post, remote_account, remote_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


async def _json(response: Any, status: int = 200) -> Any:
    body = await response.get_json()
    assert response.status_code == status, body
    assert response.content_type.startswith("application/json")
    return body


async def _user(svc: Services, name: str) -> tuple[Any, str]:
    _, account = await make_user(svc, name)
    return account, await make_token(svc, account)


async def test_verify_credentials_has_source_role_and_fresh_counts(client, svc):
    """The viewer's account with `source` (plain bio, privacy) and `role`, counts up to date."""
    alice, token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    await api_post(client, token, "one")
    await follow_account(svc, bob, alice)
    me = await _json(await client.get("/api/v1/accounts/verify_credentials", headers=bearer(token)))
    assert me["id"] == str(alice.id) and me["acct"] == "alice" and me["username"] == "alice"
    assert me["statuses_count"] == 1 and me["followers_count"] == 1
    assert me["last_status_at"] is not None and len(me["last_status_at"]) == 10
    assert me["source"]["privacy"] == "public" and me["source"]["note"] == ""
    assert me["source"]["follow_requests_count"] == 0
    assert me["role"]["permissions"] == "65536"
    assert me["avatar"] == "http://localhost/static/avatar.png"
    assert me["header"] == "http://localhost/static/header.png"
    avatar = await client.get("/static/avatar.png")
    assert avatar.status_code == 200 and avatar.content_type == "image/png"


async def test_update_credentials_changes_only_what_is_sent(client, svc):
    """PATCH (form or JSON) changes the given fields and keeps the rest; bad ones are 422."""
    _, token = await _user(svc, "alice")
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(token),
        form={
            "display_name": "Alice A.",
            "note": "I like **tea**",
            "locked": "true",
            "fields_attributes[0][name]": "Site",
            "fields_attributes[0][value]": "https://example.com",
            "source[privacy]": "unlisted",
        },
    )
    me = await _json(response)
    assert me["display_name"] == "Alice A." and me["locked"] is True
    assert me["note"] == "<p>I like <strong>tea</strong></p>"
    assert me["source"]["note"] == "I like **tea**" and me["source"]["privacy"] == "unlisted"
    assert me["fields"][0]["name"] == "Site" and me["fields"][0]["verified_at"] is None
    assert me["source"]["fields"] == [
        {"name": "Site", "value": "https://example.com", "verified_at": None}
    ]
    response = await client.patch(
        "/api/v1/accounts/update_credentials", headers=bearer(token), json={"locked": False}
    )
    me = await _json(response)
    assert me["locked"] is False and me["display_name"] == "Alice A."
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(token),
        json={"display_name": "x" * 31},
    )
    body = await _json(response, 422)
    assert body["error"].startswith("Validation failed: display_name:")
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(token),
        json={"source": {"privacy": "everyone"}},
    )
    body = await _json(response, 422)
    assert body["error"].startswith("Validation failed: source[privacy]:")


async def test_accounts_by_id_and_lookup(client, svc):
    """Local and known remote accounts by id and by acct; unknown ones are 404."""
    alice, _ = await _user(svc, "alice")
    carol = await remote_account(svc)
    body = await _json(await client.get(f"/api/v1/accounts/{alice.id}"))
    assert body["acct"] == "alice" and body["url"] == "http://localhost/@alice"
    body = await _json(await client.get(f"/api/v1/accounts/{carol.id}"))
    assert body["acct"] == "carol@remote.example" and body["url"] == "https://remote.example/@carol"
    for acct in ("alice", "@alice", "alice@localhost"):
        body = await _json(await client.get(f"/api/v1/accounts/lookup?acct={acct}"))
        assert body["id"] == str(alice.id)
    body = await _json(await client.get("/api/v1/accounts/lookup?acct=carol@remote.example"))
    assert body["id"] == str(carol.id)
    for path in (
        "/api/v1/accounts/lookup?acct=nobody",
        "/api/v1/accounts/lookup?acct=nobody@elsewhere.example",
        "/api/v1/accounts/lookup",
        "/api/v1/accounts/123",
    ):
        assert (await _json(await client.get(path), 404))["error"] == "Record not found"


async def test_search_finds_accounts_by_name_and_handle(client, svc):
    """Username prefix, display name, `following` and limit/offset; a token is required."""
    alice, token = await _user(svc, "alice")
    await _user(svc, "alfred")
    bob, _ = await _user(svc, "bob")
    await remote_account(svc, "alina")
    await follow_account(svc, alice, bob)
    found = await _json(await client.get("/api/v1/accounts/search?q=al", headers=bearer(token)))
    assert {a["acct"] for a in found} == {"alice", "alfred", "alina@remote.example"}
    exact = await _json(await client.get("/api/v1/accounts/search?q=alice", headers=bearer(token)))
    assert exact[0]["acct"] == "alice"
    remote = await client.get(
        "/api/v1/accounts/search?q=alina@remote.example", headers=bearer(token)
    )
    assert [a["acct"] for a in await _json(remote)] == ["alina@remote.example"]
    limited = await client.get(
        "/api/v1/accounts/search?q=al&limit=1&offset=1", headers=bearer(token)
    )
    assert len(await _json(limited)) == 1
    following = await client.get(
        "/api/v1/accounts/search?q=b&following=true", headers=bearer(token)
    )
    assert [a["acct"] for a in await _json(following)] == ["bob"]
    assert (await client.get("/api/v1/accounts/search?q=al")).status_code == 401


async def test_account_statuses_filters(client, svc):
    """pinned, exclude_replies (self-replies kept), exclude_reblogs, tagged; boosts included."""
    alice, token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    theirs = await api_post(client, bob_token, "bob's")
    plain = await api_post(client, token, "plain #Tea")
    self_reply = await api_post(client, token, "more", in_reply_to_id=plain["id"])
    reply = await api_post(client, token, "@bob hi", in_reply_to_id=theirs["id"])
    boost = await _json(
        await client.post(f"/api/v1/statuses/{theirs['id']}/reblog", headers=bearer(token))
    )
    await client.post(f"/api/v1/statuses/{plain['id']}/pin", headers=bearer(token))
    base = f"/api/v1/accounts/{alice.id}/statuses"

    async def ids(query: str) -> list[str]:
        return [s["id"] for s in await _json(await client.get(base + query))]

    assert await ids("") == [boost["id"], reply["id"], self_reply["id"], plain["id"]]
    assert await ids("?exclude_replies=true") == [boost["id"], self_reply["id"], plain["id"]]
    assert await ids("?exclude_reblogs=1") == [reply["id"], self_reply["id"], plain["id"]]
    assert await ids("?pinned=true") == [plain["id"]]
    assert await ids("?tagged=tea") == [plain["id"]]
    assert await ids("?only_media=true") == []
    response = await client.get(base + "?pinned=true", headers=bearer(token))
    assert (await _json(response))[0]["pinned"] is True


async def test_account_statuses_respect_visibility(client, svc):
    """Followers-only posts show to followers, direct ones to those mentioned, never to others."""
    alice, token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    carol, carol_token = await _user(svc, "carol")
    await follow_account(svc, bob, alice)
    public = await api_post(client, token, "public")
    private = await api_post(client, token, "friends", visibility="private")
    direct = await api_post(client, token, "@carol psst", visibility="direct")
    base = f"/api/v1/accounts/{alice.id}/statuses"

    async def ids(headers: dict[str, str]) -> list[str]:
        return [s["id"] for s in await _json(await client.get(base, headers=headers))]

    assert await ids({}) == [public["id"]]
    assert await ids(bearer(bob_token)) == [private["id"], public["id"]]
    assert await ids(bearer(carol_token)) == [direct["id"], public["id"]]
    assert await ids(bearer(token)) == [direct["id"], private["id"], public["id"]]


async def test_followers_and_following_are_paginated_by_follow(client, svc):
    """Newest follow first, Link headers by follow id, max_id/min_id exclusive."""
    alice, _ = await _user(svc, "alice")
    fans = []
    for name in ("f1", "f2", "f3"):
        fan, _ = await _user(svc, name)
        await follow_account(svc, fan, alice)
        fans.append(fan)
    path = f"/api/v1/accounts/{alice.id}/followers"
    response = await client.get(path + "?limit=2")
    assert [a["acct"] for a in await _json(response)] == ["f3", "f2"]
    link = response.headers["Link"]
    next_url, prev_url = (part.split(">")[0].lstrip("<") for part in link.split(", "))
    assert next_url.startswith(f"http://localhost{path}?limit=2&max_id=")
    assert prev_url.startswith(f"http://localhost{path}?limit=2&min_id=")
    older = await client.get(next_url.removeprefix("http://localhost"))
    assert [a["acct"] for a in await _json(older)] == ["f1"]
    newer = await client.get(prev_url.removeprefix("http://localhost"))
    assert await _json(newer) == [] and "Link" not in newer.headers
    following = await _json(await client.get(f"/api/v1/accounts/{fans[0].id}/following"))
    assert [a["acct"] for a in following] == ["alice"]


async def test_relationships_follow_a_locked_account_and_answer_requests(client, svc):
    """Following a locked account is `requested`; it sees the request and authorizes it."""
    alice, alice_token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    await client.patch(
        "/api/v1/accounts/update_credentials", headers=bearer(alice_token), json={"locked": True}
    )
    rel = await _json(
        await client.post(
            f"/api/v1/accounts/{alice.id}/follow",
            headers=bearer(bob_token),
            json={"reblogs": False, "notify": True},
        )
    )
    assert rel["requested"] is True and rel["following"] is False
    requests = await _json(await client.get("/api/v1/follow_requests", headers=bearer(alice_token)))
    assert [a["acct"] for a in requests] == ["bob"]
    rels = await _json(
        await client.get(
            f"/api/v1/accounts/relationships?id[]={bob.id}&id[]={alice.id}&id[]={bob.id}",
            headers=bearer(alice_token),
        )
    )
    assert [r["id"] for r in rels] == [str(bob.id), str(alice.id), str(bob.id)]
    assert rels[0]["requested_by"] is True
    rel = await _json(
        await client.post(
            f"/api/v1/follow_requests/{bob.id}/authorize", headers=bearer(alice_token)
        )
    )
    assert rel["followed_by"] is True and rel["requested_by"] is False
    single = await _json(
        await client.get(f"/api/v1/accounts/relationships?id={alice.id}", headers=bearer(bob_token))
    )
    assert single[0]["following"] is True and single[0]["requested"] is False
    body = await _json(
        await client.post(f"/api/v1/follow_requests/{bob.id}/reject", headers=bearer(alice_token)),
        404,
    )
    assert body["error"]


async def test_reject_unfollow_block_mute_and_remove_from_followers(client, svc):
    """Each action answers the Relationship after it; repeats are 200."""
    alice, alice_token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    await follow_account(svc, bob, alice)
    base = f"/api/v1/accounts/{bob.id}"
    rel = await _json(
        await client.post(base + "/remove_from_followers", headers=bearer(alice_token))
    )
    assert rel["followed_by"] is False
    rel = await _json(
        await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bearer(bob_token))
    )
    assert rel["following"] is True
    rel = await _json(
        await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bearer(bob_token))
    )
    assert rel["following"] is False
    for _ in range(2):
        rel = await _json(await client.post(base + "/block", headers=bearer(alice_token)))
        assert rel["blocking"] is True
    rel = await _json(await client.post(base + "/unblock", headers=bearer(alice_token)))
    assert rel["blocking"] is False
    rel = await _json(
        await client.post(
            base + "/mute", headers=bearer(alice_token), json={"notifications": False}
        )
    )
    assert rel["muting"] is True and rel["muting_notifications"] is False
    rel = await _json(await client.post(base + "/unmute", headers=bearer(alice_token)))
    assert rel["muting"] is False
    body = await _json(
        await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bearer(alice_token)), 422
    )
    assert body["error"].startswith("Validation failed: account:")
    assert await _json(
        await client.post("/api/v1/accounts/5/follow", headers=bearer(alice_token)), 404
    )


async def test_familiar_followers_are_followed_accounts_following_the_target(client, svc):
    """For each id: accounts the viewer follows that follow it."""
    alice, token = await _user(svc, "alice")
    bob, _ = await _user(svc, "bob")
    carol, _ = await _user(svc, "carol")
    dave, _ = await _user(svc, "dave")
    await follow_account(svc, alice, bob)
    await follow_account(svc, alice, carol)
    await follow_account(svc, bob, dave)
    await follow_account(svc, carol, dave)
    response = await client.get(
        f"/api/v1/accounts/familiar_followers?id[]={dave.id}&id[]={bob.id}", headers=bearer(token)
    )
    found = await _json(response)
    assert found[0]["id"] == str(dave.id)
    assert sorted(a["acct"] for a in found[0]["accounts"]) == ["bob", "carol"]
    assert found[1] == {"id": str(bob.id), "accounts": []}


async def test_remote_account_statuses_and_counts(client, svc):
    """A remote account's known posts are listed; its counts come from what we know."""
    carol = await remote_account(svc)
    post = await remote_post(svc, carol)
    body = await _json(await client.get(f"/api/v1/accounts/{carol.id}/statuses"))
    assert [s["id"] for s in body] == [str(post.id)]
    assert body[0]["account"]["statuses_count"] == 1


async def test_update_credentials_sets_avatar_and_header(client, svc):
    """A multipart avatar and header (as masto.js sends them) become the account's images."""
    _, token = await _user(svc, "alice")

    def png(size: tuple[int, int]) -> FileStorage:
        buffer = io.BytesIO()
        Image.new("RGB", size, (10, 120, 200)).save(buffer, "PNG")
        buffer.seek(0)
        return FileStorage(buffer, filename="pic.png", content_type="image/png")

    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(token),
        files={"avatar": png((300, 300)), "header": png((900, 300))},
        form={"display_name": "Pictured", "avatar_description": "a blue square"},
    )
    me = await _json(response)
    assert me["display_name"] == "Pictured"
    for key in ("avatar", "header"):
        assert me[key].startswith("http://localhost/") and not me[key].endswith(
            f"/static/{key}.png"
        )
        image = await client.get(me[key].removeprefix("http://localhost"))
        assert image.status_code == 200 and image.content_type.startswith("image/")
    assert me["avatar_description"] == "a blue square"
    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(token),
        files={"avatar": FileStorage(io.BytesIO(b"not an image"), filename="x.png")},
    )
    body = await _json(response, 422)
    assert body["error"].startswith("Validation failed: avatar:")
