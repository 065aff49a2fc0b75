"""Pinning one's own posts to the profile from the web UI, and the featured collection."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post, delete_post
from fedi.storage.rows import Account, Post
from tests.factories import browser_login, make_user

AP = {"Accept": "application/activity+json"}


async def _login(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _post(svc: Services, author: Account, text: str, visibility: str = "public") -> Post:
    return await create_post(svc, author, PostDraft(text=text, visibility=visibility))


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


async def test_pin_shows_the_post_first_with_a_label(app: Any, svc: Services, csrf: str) -> None:
    """Pinning an older post puts it on top of the profile, labelled Pinned, with an Unpin button;
    the button returns to the page it was pressed on."""
    _, alice = await make_user(svc, "alice")
    old = await _post(svc, alice, "my best post")
    await _post(svc, alice, "a newer post")
    client = await _login(app, svc, alice)

    response = await client.post(
        f"/@alice/{old.id}/pin", form={"csrf_token": csrf, "next": "/@alice"}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/@alice"
    page = await _text(await client.get("/@alice"))
    assert "Pinned to your profile." in page
    assert page.index("Pinned</p>") < page.index("my best post") < page.index("a newer post")
    assert page.count("my best post") == 1  # not repeated below the pinned section
    assert f'action="/@alice/{old.id}/unpin"' in page
    # Others see it pinned too, without the buttons.
    anonymous = await _text(await app.test_client().get("/@alice"))
    assert (
        "Pinned</p>" in anonymous and "Unpin" not in anonymous and "Pin on profile" not in anonymous
    )


async def test_unpin_returns_the_post_to_its_place(app: Any, svc: Services, csrf: str) -> None:
    """Unpinning removes the label; the post shows in date order with a Pin button again."""
    _, alice = await make_user(svc, "alice")
    post = await _post(svc, alice, "pinned for a while")
    client = await _login(app, svc, alice)
    await client.post(f"/@alice/{post.id}/pin", form={"csrf_token": csrf})

    response = await client.post(
        f"/@alice/{post.id}/unpin", form={"csrf_token": csrf, "next": "/@alice"}
    )

    assert response.status_code == 303
    page = await _text(await client.get("/@alice"))
    assert "Unpinned from your profile." in page
    assert "Pinned</p>" not in page
    assert f'action="/@alice/{post.id}/pin"' in page and "Pin on profile" in page


async def test_a_sixth_pin_is_refused_with_the_reason(app: Any, svc: Services, csrf: str) -> None:
    """At most five pins: the sixth answers 422 saying so, and nothing changes."""
    _, alice = await make_user(svc, "alice")
    posts = [await _post(svc, alice, f"post {i}") for i in range(6)]
    client = await _login(app, svc, alice)
    for post in posts[:5]:
        ok = await client.post(f"/@alice/{post.id}/pin", form={"csrf_token": csrf})
        assert ok.status_code == 303

    response = await client.post(f"/@alice/{posts[5].id}/pin", form={"csrf_token": csrf})

    assert response.status_code == 422
    assert "You have already pinned the maximum number of posts (5)." in await _text(response)
    page = await _text(await client.get("/@alice"))
    assert page.count("Pinned</p>") == 5


async def test_only_own_open_posts_can_be_pinned(app: Any, svc: Services, csrf: str) -> None:
    """No Pin button on followers-only posts or on others' posts; pinning them is refused."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    private = await _post(svc, alice, "for followers", visibility="private")
    bobs = await _post(svc, bob, "bob's post")
    client = await _login(app, svc, alice)

    page = await _text(await client.get(f"/@alice/{private.id}"))
    assert "Pin on profile" not in page
    assert "Pin on profile" not in await _text(await client.get(f"/@bob/{bobs.id}"))

    refused = await client.post(f"/@alice/{private.id}/pin", form={"csrf_token": csrf})
    assert refused.status_code == 422
    assert "Only public and unlisted posts can be pinned." in await _text(refused)
    forbidden = await client.post(f"/@bob/{bobs.id}/pin", form={"csrf_token": csrf})
    assert forbidden.status_code == 403
    assert "You can only pin your own posts." in await _text(forbidden)


async def test_pinning_needs_a_login(app: Any, svc: Services, csrf: str) -> None:
    """A logged-out Pin press goes to the login page; nothing is pinned."""
    _, alice = await make_user(svc, "alice")
    post = await _post(svc, alice, "not pinned")
    client = app.test_client()
    await browser_login(client, svc, alice)
    client.delete_cookie("localhost", "fedi_session")

    response = await client.post(f"/@alice/{post.id}/pin", form={"csrf_token": csrf})

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login")
    featured = await (
        await app.test_client().get("/users/alice/collections/featured", headers=AP)
    ).get_json()
    assert featured["orderedItems"] == []


async def test_featured_collection_serves_pinned_notes(app: Any, svc: Services, csrf: str) -> None:
    """The featured collection lists pinned Notes in full, newest pin first; a deleted post
    leaves it."""
    _, alice = await make_user(svc, "alice")
    first = await _post(svc, alice, "first pin")
    second = await _post(svc, alice, "second pin", visibility="unlisted")
    client = await _login(app, svc, alice)
    await client.post(f"/@alice/{first.id}/pin", form={"csrf_token": csrf})
    await client.post(f"/@alice/{second.id}/pin", form={"csrf_token": csrf})

    response = await app.test_client().get("/users/alice/collections/featured", headers=AP)

    assert response.status_code == 200
    doc = await response.get_json()
    assert doc["type"] == "OrderedCollection" and doc["totalItems"] == 2
    assert [n["id"] for n in doc["orderedItems"]] == [second.uri, first.uri]
    assert doc["orderedItems"][0]["type"] == "Note"
    assert "second pin" in doc["orderedItems"][0]["content"]

    await delete_post(svc, alice, first.id)
    doc = await (
        await app.test_client().get("/users/alice/collections/featured", headers=AP)
    ).get_json()
    assert [n["id"] for n in doc["orderedItems"]] == [second.uri]
