"""Pinned posts between two fedi instances: Add/Remove on the featured collection (real HTTP).

alice lives on A and pins from A's web UI; bob on B follows her.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from fedi.accounts.remote_profiles import forget_counts
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage import posts as post_store
from fedi.storage import remote_posts as remote_post_store
from tests.api.tokens import bearer, make_token

if TYPE_CHECKING:
    from fedi.storage.rows import Account
    from tests.federation.conftest import Instance, Pair

pytestmark = pytest.mark.asyncio(loop_scope="module")

AP = {"Accept": "application/activity+json"}


async def _pinned_uris(inst: Instance, account: Account) -> list[str]:
    """The uris of the posts `inst` holds as pinned by `account` (its copy of the account)."""
    async with inst.svc.db.read() as conn:
        ids = await remote_post_store.list_featured_ids(conn, account.id)
        posts = await post_store.get_posts(conn, ids)
    return [posts[i].uri for i in ids if i in posts]


async def _featured(inst: Instance, username: str) -> httpx.Response:
    async with inst.client() as http:
        return await http.get(f"/users/{username}/collections/featured", headers=AP)


async def test_pins_reach_followers_servers(two_instances: Pair) -> None:
    """alice@A pins a post: A's featured collection lists it, and B (where bob follows her)
    stores it as pinned by alice; unpinning sends Remove and empties both."""
    pair = two_instances
    a, b = pair.a, pair.b
    alice, bob = await a.user("alice_pin"), await b.user("bob_pin")
    alice_on_b = await b.remote(alice)
    await follow_account(b.svc, bob, alice_on_b)
    await pair.settle()
    assert await b.follow_state(bob, alice_on_b) == "accepted"
    post = await create_post(a.svc, alice, PostDraft(text="read this first", visibility="public"))
    await pair.settle()

    pinned = await a.post_form(alice, f"/@{alice.username}/{post.id}/pin")
    assert pinned.status_code == 303
    await pair.settle()

    response = await _featured(a, alice.username)
    assert response.status_code == 200
    doc = response.json()
    assert doc["totalItems"] == 1
    assert [n["id"] for n in doc["orderedItems"]] == [post.uri]
    assert "read this first" in doc["orderedItems"][0]["content"]
    assert await _pinned_uris(b, alice_on_b) == [post.uri]

    unpinned = await a.post_form(alice, f"/@{alice.username}/{post.id}/unpin")
    assert unpinned.status_code == 303
    await pair.settle()

    assert (await _featured(a, alice.username)).json()["orderedItems"] == []
    assert await _pinned_uris(b, alice_on_b) == []


async def test_pin_of_a_post_b_never_saw_is_fetched(two_instances: Pair) -> None:
    """A post pinned before anyone on B followed: B fetches the note when the Add arrives."""
    pair = two_instances
    a, b = pair.a, pair.b
    carol, dave = await a.user("carol_pin"), await b.user("dave_pin")
    post = await create_post(a.svc, carol, PostDraft(text="an old favourite", visibility="public"))
    carol_on_b = await b.remote(carol)
    await follow_account(b.svc, dave, carol_on_b)
    await pair.settle()
    async with b.svc.db.read() as conn:
        assert await post_store.get_post_by_uri(conn, post.uri) is None

    pinned = await a.post_form(carol, f"/@{carol.username}/{post.id}/pin")
    assert pinned.status_code == 303
    await pair.settle()

    assert await _pinned_uris(b, carol_on_b) == [post.uri]


async def test_remote_profile_shows_the_pins_its_server_lists(two_instances: Pair) -> None:
    """bob@B opens erin@A's profile (nobody on B follows her): the page reads her featured
    collection and shows the pinned post on top, labelled; once she unpins it, the next fetch
    of her profile drops it."""
    pair = two_instances
    a, b = pair.a, pair.b
    erin, bob = await a.user("erin_pin"), await b.user("bob_pin_viewer")
    pinned = await create_post(a.svc, erin, PostDraft(text="my pinned intro", visibility="public"))
    await create_post(a.svc, erin, PostDraft(text="a later post", visibility="public"))
    assert (await a.post_form(erin, f"/@{erin.username}/{pinned.id}/pin")).status_code == 303
    path = f"/@{erin.username}@{a.domain}"

    page = await b.page(bob, path)

    assert page.status_code == 200
    text = page.text
    assert "Pinned</p>" in text
    assert text.index("my pinned intro") < text.index("a later post")
    assert text.count("my pinned intro") == 1
    erin_on_b = await b.remote(erin)
    assert await _pinned_uris(b, erin_on_b) == [pinned.uri]

    assert (await a.post_form(erin, f"/@{erin.username}/{pinned.id}/unpin")).status_code == 303
    forget_counts(b.svc, erin_on_b.uri)  # as after the remembered fetch expires
    text = (await b.page(bob, path)).text
    assert "Pinned</p>" not in text and "my pinned intro" in text
    assert await _pinned_uris(b, erin_on_b) == []


async def test_pins_made_through_the_client_api_federate_too(two_instances: Pair) -> None:
    """POST /api/v1/statuses/:id/pin and /unpin (what apps use) send Add and Remove as well."""
    pair = two_instances
    a, b = pair.a, pair.b
    frank, gina = await a.user("frank_pin"), await b.user("gina_pin")
    frank_on_b = await b.remote(frank)
    await follow_account(b.svc, gina, frank_on_b)
    post = await create_post(
        a.svc, frank, PostDraft(text="pinned from an app", visibility="public")
    )
    await pair.settle()
    headers = bearer(await make_token(a.svc, frank))

    async with a.client() as http:
        pinned = await http.post(f"/api/v1/statuses/{post.id}/pin", headers=headers)
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    await pair.settle()
    assert await _pinned_uris(b, frank_on_b) == [post.uri]

    async with a.client() as http:
        unpinned = await http.post(f"/api/v1/statuses/{post.id}/unpin", headers=headers)
    assert unpinned.status_code == 200 and unpinned.json()["pinned"] is False
    await pair.settle()
    assert await _pinned_uris(b, frank_on_b) == []
