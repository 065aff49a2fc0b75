"""`/api/v1/statuses`: posting (with Idempotency-Key), reading, editing, deleting, threads and the
actions on a status, as a client app uses them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fedi.context import Services
from fedi.outbox.interactions import follow_account
from fedi.storage import notifications as notification_store
from fedi.storage.clock import to_db, utcnow
from tests.api.statuses_helpers import api_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


async def _users(svc: Services) -> tuple[Any, Any, str, str]:
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    return alice, bob, await make_token(svc, alice), await make_token(svc, bob)


async def _error(response: Any, status: int) -> str:
    body = await response.get_json()
    assert response.status_code == status, body
    assert response.content_type.startswith("application/json")
    return str(body["error"])


async def test_posting_answers_the_status_with_its_app(client, svc):
    """A new status comes back complete: text, visibility, language, CW, and the app used."""
    alice, _, token, _ = await _users(svc)
    body = await api_post(
        client, token, "Hi *there*", visibility="unlisted", language="en", spoiler_text="cw"
    )
    assert body["content"] == "<p>Hi <em>there</em></p>"
    assert body["visibility"] == "unlisted" and body["language"] == "en"
    assert body["spoiler_text"] == "cw" and body["sensitive"] is True
    assert body["account"]["id"] == str(alice.id)
    assert body["application"]["name"] == "Test app"
    assert body["url"] == f"http://localhost/@alice/{body['id']}"


async def test_mentions_and_tags_link_as_the_content_does(client, svc):
    """Each mention's `url` is the href of its link in `content`; tags are lowercase with a URL."""
    _, bob, token, _ = await _users(svc)
    body = await api_post(client, token, "hi @bob, #CamelCase")
    assert body["mentions"] == [
        {"id": str(bob.id), "username": "bob", "url": "http://localhost/@bob", "acct": "bob"}
    ]
    assert f'href="{body["mentions"][0]["url"]}"' in body["content"]
    assert body["tags"] == [{"name": "camelcase", "url": "http://localhost/tags/camelcase"}]


async def test_posting_accepts_form_data_as_mastodon_py_sends_it(client, svc):
    """Form-encoded posts (Mastodon.py, Tusky) work like JSON ones."""
    _, _, token, _ = await _users(svc)
    response = await client.post(
        "/api/v1/statuses",
        headers=bearer(token),
        form={"status": "from a form", "visibility": "private", "sensitive": "1"},
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    assert body["visibility"] == "private" and body["sensitive"] is True


async def test_bad_posts_are_refused_naming_the_field(client, svc):
    """Empty text, too long text, an unknown visibility or reply target: 422 naming the field."""
    _, _, token, _ = await _users(svc)
    cases = [
        ({"status": "   "}, "status"),
        ({"status": "x" * 501}, "status"),
        ({"status": "hi", "visibility": "everyone"}, "visibility"),
        ({"status": "hi", "in_reply_to_id": "999999"}, "in_reply_to_id"),
        ({"status": "hi", "in_reply_to_id": "abc"}, "in_reply_to_id"),
        ({"status": "hi", "language": "not a language"}, "language"),
    ]
    for payload, field in cases:
        response = await client.post("/api/v1/statuses", headers=bearer(token), json=payload)
        message = await _error(response, 422)
        assert message.startswith(f"Validation failed: {field}:"), (payload, message)


async def test_posting_needs_a_user_token_with_write_scope(client, svc):
    """No token: 401; a read-only token: 403; an app-only token: 422."""
    _, alice = await make_user(svc, "alice")
    response = await client.post("/api/v1/statuses", json={"status": "hi"})
    assert await _error(response, 401) == "The access token is invalid"
    reader = await make_token(svc, alice, scopes="read")
    response = await client.post("/api/v1/statuses", headers=bearer(reader), json={"status": "x"})
    assert await _error(response, 403) == "This action is outside the authorized scopes"
    app_only = await make_token(svc, None)
    response = await client.post("/api/v1/statuses", headers=bearer(app_only), json={"status": "x"})
    assert await _error(response, 422) == "This method requires an authenticated user"


async def test_a_replayed_idempotency_key_returns_the_first_status(client, svc):
    """The same Idempotency-Key from the same user posts once; another key or user posts again."""
    _, _, alice_token, bob_token = await _users(svc)

    async def send(token: str, key: str) -> str:
        response = await client.post(
            "/api/v1/statuses",
            headers={**bearer(token), "Idempotency-Key": key},
            json={"status": "only once"},
        )
        assert response.status_code == 200
        return str((await response.get_json())["id"])

    first = await send(alice_token, "key-1")
    assert await send(alice_token, "key-1") == first
    assert await send(alice_token, "key-2") != first
    assert await send(bob_token, "key-1") != first
    statuses = await client.get("/api/v1/timelines/home", headers=bearer(alice_token))
    assert len(await statuses.get_json()) == 2


async def test_a_followers_only_status_is_404_for_strangers(client, svc):
    """Followers-only: the author and followers read it; a stranger and anonymous get 404."""
    alice, bob, alice_token, bob_token = await _users(svc)
    _, carol = await make_user(svc, "carol")
    carol_token = await make_token(svc, carol)
    await follow_account(svc, bob, alice)
    status = await api_post(client, alice_token, "friends only", visibility="private")
    path = f"/api/v1/statuses/{status['id']}"
    assert (await client.get(path, headers=bearer(bob_token))).status_code == 200
    assert (await client.get(path, headers=bearer(alice_token))).status_code == 200
    await _error(await client.get(path, headers=bearer(carol_token)), 404)
    await _error(await client.get(path), 404)
    await _error(await client.get(path + "/context", headers=bearer(carol_token)), 404)
    await _error(await client.post(path + "/favourite", headers=bearer(carol_token)), 404)
    await _error(await client.get("/api/v1/statuses/12345"), 404)


async def test_delete_answers_the_source_and_the_status_is_gone(client, svc):
    """Deleting answers the status with its source text; then it is 404; others may not delete."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "to be *deleted*", spoiler_text="spoiler")
    path = f"/api/v1/statuses/{status['id']}"
    assert await _error(await client.delete(path, headers=bearer(bob_token)), 403)
    response = await client.delete(path, headers=bearer(alice_token))
    body = await response.get_json()
    assert response.status_code == 200
    assert body["text"] == "to be *deleted*" and body["spoiler_text"] == "spoiler"
    assert body["id"] == status["id"]
    await _error(await client.get(path, headers=bearer(alice_token)), 404)
    await _error(await client.delete(path, headers=bearer(alice_token)), 404)


async def test_editing_keeps_history_and_source(client, svc):
    """PUT changes the text; history lists every version oldest first; source gives the text."""
    _, _, token, _ = await _users(svc)
    status = await api_post(client, token, "first version")
    path = f"/api/v1/statuses/{status['id']}"
    history = await (await client.get(path + "/history", headers=bearer(token))).get_json()
    assert [v["content"] for v in history] == ["<p>first version</p>"]
    response = await client.put(
        path, headers=bearer(token), json={"status": "second version", "spoiler_text": "cw"}
    )
    body = await response.get_json()
    assert response.status_code == 200 and body["content"] == "<p>second version</p>"
    assert body["edited_at"] is not None and body["spoiler_text"] == "cw"
    history = await (await client.get(path + "/history", headers=bearer(token))).get_json()
    assert [v["content"] for v in history] == ["<p>first version</p>", "<p>second version</p>"]
    assert history[0]["created_at"] == status["created_at"]
    assert history[1]["spoiler_text"] == "cw"
    source = await (await client.get(path + "/source", headers=bearer(token))).get_json()
    assert source == {"id": status["id"], "text": "second version", "spoiler_text": "cw"}


async def test_editing_someone_elses_status_is_forbidden(client, svc):
    """Only the author edits; bad text is 422 naming `status`."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "mine")
    path = f"/api/v1/statuses/{status['id']}"
    response = await client.put(path, headers=bearer(bob_token), json={"status": "hacked"})
    assert await _error(response, 403) == "You can only edit your own posts."
    response = await client.put(path, headers=bearer(alice_token), json={"status": " "})
    assert (await _error(response, 422)).startswith("Validation failed: status:")


async def test_context_lists_ancestors_and_descendants_in_thread_order(client, svc):
    """Ancestors oldest first; descendants depth-first in thread order."""
    _, _, alice_token, bob_token = await _users(svc)
    root = await api_post(client, alice_token, "root")
    a = await api_post(client, bob_token, "a", in_reply_to_id=root["id"])
    a1 = await api_post(client, alice_token, "a1", in_reply_to_id=a["id"])
    b = await api_post(client, bob_token, "b", in_reply_to_id=root["id"])
    a2 = await api_post(client, bob_token, "a2", in_reply_to_id=a["id"])
    response = await client.get(f"/api/v1/statuses/{a1['id']}/context", headers=bearer(bob_token))
    context = await response.get_json()
    assert [s["id"] for s in context["ancestors"]] == [root["id"], a["id"]]
    assert context["descendants"] == []
    response = await client.get(f"/api/v1/statuses/{root['id']}/context")
    context = await response.get_json()
    assert context["ancestors"] == []
    assert [s["id"] for s in context["descendants"]] == [a["id"], a1["id"], a2["id"], b["id"]]


async def test_favourite_boost_and_bookmark_are_idempotent(client, svc):
    """Repeating an action answers 200 and changes nothing more; counts follow."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "like me")
    path = f"/api/v1/statuses/{status['id']}"
    for _ in range(2):
        body = await (await client.post(path + "/favourite", headers=bearer(bob_token))).get_json()
        assert body["favourited"] is True and body["favourites_count"] == 1
    for _ in range(2):
        response = await client.post(path + "/reblog", headers=bearer(bob_token))
        wrapper = await response.get_json()
        assert response.status_code == 200 and wrapper["reblog"]["id"] == status["id"]
        assert wrapper["reblog"]["reblogged"] is True and wrapper["reblog"]["reblogs_count"] == 1
        assert wrapper["account"]["acct"] == "bob"
    for _ in range(2):
        body = await (await client.post(path + "/bookmark", headers=bearer(bob_token))).get_json()
        assert body["bookmarked"] is True
    bookmarks = await (await client.get("/api/v1/bookmarks", headers=bearer(bob_token))).get_json()
    assert [s["id"] for s in bookmarks] == [status["id"]]
    for action, flag in (("unfavourite", "favourited"), ("unbookmark", "bookmarked")):
        for _ in range(2):
            body = await (
                await client.post(f"{path}/{action}", headers=bearer(bob_token))
            ).get_json()
            assert body[flag] is False
    for _ in range(2):
        response = await client.post(path + "/unreblog", headers=bearer(bob_token))
        body = await response.get_json()
        assert body["id"] == status["id"] and body["reblogged"] is False
        assert body["reblogs_count"] == 0


async def test_boosting_a_followers_only_post_is_refused(client, svc):
    """Only public and unlisted posts can be boosted."""
    alice, bob, alice_token, bob_token = await _users(svc)
    await follow_account(svc, bob, alice)
    status = await api_post(client, alice_token, "friends", visibility="private")
    response = await client.post(
        f"/api/v1/statuses/{status['id']}/reblog", headers=bearer(bob_token)
    )
    assert await _error(response, 403) == "Only public and unlisted posts can be boosted."


async def test_pins_are_own_open_posts_and_at_most_five(client, svc):
    """Pinning one's own public post shows `pinned`; a sixth pin is 422; others' posts are 403."""
    _, _, alice_token, bob_token = await _users(svc)
    statuses = [await api_post(client, alice_token, f"pin {i}") for i in range(6)]
    for status in statuses[:5]:
        response = await client.post(
            f"/api/v1/statuses/{status['id']}/pin", headers=bearer(alice_token)
        )
        assert (await response.get_json())["pinned"] is True
    again = await client.post(
        f"/api/v1/statuses/{statuses[0]['id']}/pin", headers=bearer(alice_token)
    )
    assert again.status_code == 200
    sixth = await client.post(
        f"/api/v1/statuses/{statuses[5]['id']}/pin", headers=bearer(alice_token)
    )
    assert "maximum" in await _error(sixth, 422)
    other = await client.post(
        f"/api/v1/statuses/{statuses[5]['id']}/pin", headers=bearer(bob_token)
    )
    assert await _error(other, 403) == "You can only pin your own posts."
    private = await api_post(client, alice_token, "hidden", visibility="private")
    response = await client.post(
        f"/api/v1/statuses/{private['id']}/pin", headers=bearer(alice_token)
    )
    assert "public and unlisted" in await _error(response, 422)


async def test_a_muted_conversation_sends_no_notifications(client, svc):
    """After muting a thread, replies and likes in it notify nobody who muted it."""
    alice, _, alice_token, bob_token = await _users(svc)
    root = await api_post(client, alice_token, "thread start")
    response = await client.post(f"/api/v1/statuses/{root['id']}/mute", headers=bearer(alice_token))
    assert (await response.get_json())["muted"] is True
    reply = await api_post(client, bob_token, "@alice a reply", in_reply_to_id=root["id"])
    await client.post(f"/api/v1/statuses/{reply['id']}/favourite", headers=bearer(alice_token))
    await client.post(f"/api/v1/statuses/{root['id']}/favourite", headers=bearer(bob_token))
    async with svc.db.read() as conn:
        notes = await notification_store.list_notifications(conn, alice.id)
    assert notes == []
    response = await client.post(
        f"/api/v1/statuses/{root['id']}/unmute", headers=bearer(alice_token)
    )
    assert (await response.get_json())["muted"] is False
    await api_post(client, bob_token, "@alice again", in_reply_to_id=root["id"])
    async with svc.db.read() as conn:
        notes = await notification_store.list_notifications(conn, alice.id)
    assert [n.type for n in notes] == ["mention"]


async def test_who_favourited_and_boosted_is_link_paginated(client, svc):
    """favourited_by / reblogged_by page by the like/boost row id with exact Link headers."""
    _, _, alice_token, _ = await _users(svc)
    status = await api_post(client, alice_token, "popular")
    names = [f"fan{i}" for i in range(3)]
    for name in names:
        _, fan = await make_user(svc, name)
        token = await make_token(svc, fan)
        await client.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bearer(token))
        await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bearer(token))
    for kind in ("favourited_by", "reblogged_by"):
        path = f"/api/v1/statuses/{status['id']}/{kind}"
        response = await client.get(path + "?limit=2")
        page = await response.get_json()
        assert [a["acct"] for a in page] == ["fan2", "fan1"]
        link = response.headers["Link"]
        assert link.startswith(f"<http://localhost{path}?limit=2&max_id=")
        assert '>; rel="next", <' in link and link.endswith('>; rel="prev"')
        next_url = link.split(">")[0][1:].removeprefix("http://localhost")
        rest = await (await client.get(next_url)).get_json()
        assert [a["acct"] for a in rest] == ["fan0"]


async def test_several_statuses_by_id_keep_the_order_asked(client, svc):
    """GET /api/v1/statuses?id[]= answers the visible ones, in the order asked."""
    _, _, alice_token, bob_token = await _users(svc)
    one = await api_post(client, alice_token, "one")
    two = await api_post(client, alice_token, "two")
    secret = await api_post(client, alice_token, "secret", visibility="direct")
    response = await client.get(
        f"/api/v1/statuses?id[]={two['id']}&id[]={secret['id']}&id[]={one['id']}&id[]=7",
        headers=bearer(bob_token),
    )
    assert [s["id"] for s in await response.get_json()] == [two["id"], one["id"]]


async def test_statuses_across_a_block_are_hidden(client, svc):
    """A status of someone who blocks the viewer is 404 and missing from lists, both ways."""
    alice, bob, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "not for bob")
    response = await client.post(f"/api/v1/accounts/{bob.id}/block", headers=bearer(alice_token))
    assert response.status_code == 200
    await _error(
        await client.get(f"/api/v1/statuses/{status['id']}", headers=bearer(bob_token)), 404
    )
    public = await client.get("/api/v1/timelines/public", headers=bearer(bob_token))
    assert await public.get_json() == []
    listed = await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=bearer(bob_token))
    assert await listed.get_json() == []
    anonymous = await client.get(f"/api/v1/statuses/{status['id']}")
    assert anonymous.status_code == 200


async def test_an_idempotency_key_expires_after_an_hour(client, svc):
    """A key older than an hour no longer replays: the same request posts again."""
    _, _, token, _ = await _users(svc)
    headers = {**bearer(token), "Idempotency-Key": "old-key"}
    first = await client.post("/api/v1/statuses", headers=headers, json={"status": "again"})
    first_id = (await first.get_json())["id"]
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE idempotency_keys SET created_at = ?", (to_db(utcnow() - timedelta(hours=2)),)
        )
    second = await client.post("/api/v1/statuses", headers=headers, json={"status": "again"})
    assert second.status_code == 200 and (await second.get_json())["id"] != first_id


async def test_deleting_a_boost_by_its_id_withdraws_the_boost(client, svc):
    """DELETE on one's boost id unboosts; the original stays."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "boost me")
    boost = await (
        await client.post(f"/api/v1/statuses/{status['id']}/reblog", headers=bearer(bob_token))
    ).get_json()
    response = await client.delete(f"/api/v1/statuses/{boost['id']}", headers=bearer(bob_token))
    assert response.status_code == 200 and (await response.get_json())["id"] == boost["id"]
    original = await client.get(f"/api/v1/statuses/{status['id']}", headers=bearer(bob_token))
    body = await original.get_json()
    assert body["reblogged"] is False and body["reblogs_count"] == 0
