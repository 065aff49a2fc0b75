"""Strict schema checks: every Account, Status, Relationship, StatusEdit and StatusSource that the
statuses, accounts and timelines endpoints answer has every field of the reference's tables."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from fedi.context import Services
from fedi.outbox.interactions import follow_account
from tests.api.entity_schema import (
    account_problems,
    relationship_problems,
    status_edit_problems,
    status_problems,
    status_source_problems,
)
from tests.api.statuses_helpers import api_post, remote_account, remote_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buffer, "PNG")
    return buffer.getvalue()


async def _upload(client: Any, token: str) -> str | None:
    """An uploaded image's id, when the media endpoints exist (issue 5)."""
    response = await client.post(
        "/api/v2/media",
        headers=bearer(token),
        files={
            "file": FileStorage(io.BytesIO(_png()), filename="red.png", content_type="image/png")
        },
        form={"description": "a red square"},
    )
    if response.status_code == 404:
        return None
    body = await response.get_json()
    assert response.status_code in (200, 202), body
    return str(body["id"])


@pytest.fixture
async def world(client: Any, svc: Services) -> dict[str, Any]:
    """Local posts (plain, reply, edited, boost, with media), a remote account and post."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    carol = await remote_account(svc)
    alice_token, bob_token = await make_token(svc, alice), await make_token(svc, bob)
    await follow_account(svc, bob, alice)
    await follow_account(svc, alice, carol)
    first = await api_post(client, alice_token, "Hello #World @bob", visibility="public")
    reply = await api_post(client, bob_token, "@alice hi!", in_reply_to_id=first["id"])
    edited = await api_post(client, alice_token, "typo", spoiler_text="cw")
    response = await client.put(
        f"/api/v1/statuses/{edited['id']}", headers=bearer(alice_token), json={"status": "fixed"}
    )
    assert response.status_code == 200
    far = await remote_post(svc, carol, tags=("world",), feed_ids=(alice.id,))
    boost = await client.post(f"/api/v1/statuses/{first['id']}/reblog", headers=bearer(bob_token))
    assert boost.status_code == 200
    media_id = await _upload(client, alice_token)
    with_media = None
    if media_id is not None:
        with_media = await api_post(client, alice_token, "look", media_ids=[media_id])
    return {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "alice_token": alice_token,
        "bob_token": bob_token,
        "first": first,
        "reply": reply,
        "edited": edited,
        "far": far,
        "with_media": with_media,
    }


async def _get(client: Any, path: str, token: str | None) -> Any:
    headers = bearer(token) if token else {}
    response = await client.get(path, headers=headers)
    body = await response.get_json()
    assert response.status_code == 200, (path, body)
    return body


async def test_every_status_answered_has_the_required_fields(client, world):
    """Timelines, threads, single statuses, favourites and bookmarks answer strict Statuses."""
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    token = world["alice_token"]
    first, edited = world["first"]["id"], world["edited"]["id"]
    await client.post(f"/api/v1/statuses/{first}/favourite", headers=bearer(token))
    await client.post(f"/api/v1/statuses/{first}/bookmark", headers=bearer(token))
    lists = [
        "/api/v1/timelines/home",
        "/api/v1/timelines/public",
        "/api/v1/timelines/public?local=true",
        "/api/v1/timelines/public?remote=true",
        "/api/v1/timelines/tag/world",
        f"/api/v1/accounts/{alice.id}/statuses",
        f"/api/v1/accounts/{bob.id}/statuses",
        f"/api/v1/accounts/{carol.id}/statuses",
        "/api/v1/favourites",
        "/api/v1/bookmarks",
        f"/api/v1/statuses?id[]={first}&id[]={edited}&id[]={world['far'].id}",
    ]
    problems: list[str] = []
    seen = 0
    for path in lists:
        for index, status in enumerate(await _get(client, path, token)):
            problems += status_problems(status, f"{path}[{index}]", authenticated=True)
            seen += 1
        for index, status in enumerate(
            await _get(client, path, None)
            if "favour" not in path and "bookmark" not in path and "home" not in path
            else []
        ):
            problems += status_problems(status, f"anon {path}[{index}]", authenticated=False)
    for status_id in (first, world["reply"]["id"], edited, str(world["far"].id)):
        problems += status_problems(
            await _get(client, f"/api/v1/statuses/{status_id}", token),
            status_id,
            authenticated=True,
        )
        context = await _get(client, f"/api/v1/statuses/{status_id}/context", token)
        assert set(context) == {"ancestors", "descendants"}
        for part in ("ancestors", "descendants"):
            for status in context[part]:
                problems += status_problems(status, f"context {part}", authenticated=True)
    assert not problems, "\n".join(problems)
    assert seen >= 15


async def test_boosts_replies_edits_remote_and_media_statuses_fill_their_fields(client, world):
    """The boost wrapper, a reply, an edited post, a remote post and media keep their shapes."""
    token = world["alice_token"]
    home = await _get(client, "/api/v1/timelines/home", world["bob_token"])
    boosts = [s for s in home if s["reblog"] is not None]
    assert (
        boosts and boosts[0]["content"] == "" and boosts[0]["reblog"]["id"] == world["first"]["id"]
    )
    assert boosts[0]["account"]["acct"] == "bob"
    reply = await _get(client, f"/api/v1/statuses/{world['reply']['id']}", token)
    assert reply["in_reply_to_id"] == world["first"]["id"]
    assert reply["in_reply_to_account_id"] == str(world["alice"].id)
    edited = await _get(client, f"/api/v1/statuses/{world['edited']['id']}", token)
    assert edited["edited_at"] is not None and edited["spoiler_text"] == "cw"
    far = await _get(client, f"/api/v1/statuses/{world['far'].id}", token)
    assert far["account"]["acct"] == "carol@remote.example"
    assert far["url"] == world["far"].url and far["tags"][0]["name"] == "world"
    assert far["account"]["fields"][0]["verified_at"] is None
    if world["with_media"] is not None:
        media = world["with_media"]["media_attachments"]
        assert len(media) == 1 and media[0]["type"] == "image" and media[0]["url"]
        assert media[0]["description"] == "a red square"
        assert media[0]["meta"]["original"]["width"] == 64


async def test_accounts_and_credentials_have_the_required_fields(client, world):
    """verify_credentials, profiles, lookup, search and account lists answer strict Accounts."""
    token = world["alice_token"]
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    me = await _get(client, "/api/v1/accounts/verify_credentials", token)
    problems = account_problems(me, "verify_credentials", credential=True)
    singles = [
        f"/api/v1/accounts/{alice.id}",
        f"/api/v1/accounts/{carol.id}",
        "/api/v1/accounts/lookup?acct=bob",
        "/api/v1/accounts/lookup?acct=carol@remote.example",
    ]
    for path in singles:
        problems += account_problems(await _get(client, path, token), path)
    lists = [
        "/api/v1/accounts/search?q=a",
        f"/api/v1/accounts/{alice.id}/followers",
        f"/api/v1/accounts/{bob.id}/following",
        f"/api/v1/statuses/{world['first']['id']}/reblogged_by",
        f"/api/v1/accounts?id[]={alice.id}&id[]={bob.id}",
    ]
    for path in lists:
        found = await _get(client, path, token)
        assert found, path
        for index, account in enumerate(found):
            problems += account_problems(account, f"{path}[{index}]")
    familiar = await _get(client, f"/api/v1/accounts/familiar_followers?id[]={bob.id}", token)
    assert familiar[0]["id"] == str(bob.id) and isinstance(familiar[0]["accounts"], list)
    assert not problems, "\n".join(problems)


async def test_relationships_edits_and_sources_have_the_required_fields(client, world):
    """Relationships (list and actions), StatusEdits and StatusSources are complete."""
    token = world["alice_token"]
    bob, carol = world["bob"], world["carol"]
    problems = []
    rels = await _get(
        client, f"/api/v1/accounts/relationships?id[]={bob.id}&id[]={carol.id}", token
    )
    for index, rel in enumerate(rels):
        problems += relationship_problems(rel, f"relationships[{index}]")
    for action in ("follow", "unfollow", "block", "unblock", "mute", "unmute"):
        response = await client.post(f"/api/v1/accounts/{bob.id}/{action}", headers=bearer(token))
        assert response.status_code == 200, action
        problems += relationship_problems(await response.get_json(), action)
    history = await _get(client, f"/api/v1/statuses/{world['edited']['id']}/history", token)
    assert len(history) == 2
    for index, edit in enumerate(history):
        problems += status_edit_problems(edit, f"history[{index}]")
    source = await _get(client, f"/api/v1/statuses/{world['edited']['id']}/source", token)
    problems += status_source_problems(source)
    assert not problems, "\n".join(problems)


async def test_action_answers_are_strict_statuses(client, world):
    """Create, favourite, boost, bookmark, pin, mute, edit and delete answer complete Statuses."""
    token = world["alice_token"]
    own = await api_post(client, token, "mine")
    problems = status_problems(own, "create", authenticated=True)
    assert own["application"] == {"name": "Test app", "website": None}
    for action in (
        "favourite",
        "unfavourite",
        "reblog",
        "unreblog",
        "bookmark",
        "unbookmark",
        "pin",
        "unpin",
        "mute",
        "unmute",
    ):
        response = await client.post(
            f"/api/v1/statuses/{own['id']}/{action}", headers=bearer(token)
        )
        assert response.status_code == 200, action
        problems += status_problems(await response.get_json(), action, authenticated=True)
    deleted = await client.delete(f"/api/v1/statuses/{own['id']}", headers=bearer(token))
    body = await deleted.get_json()
    problems += status_problems(body, "delete", authenticated=True)
    assert body["text"] == "mine"
    assert not problems, "\n".join(problems)
