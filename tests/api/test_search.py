"""Search v2 through the client API: known accounts, hashtags, the viewer's own posts, statuses
and accounts by URL, and `resolve` of remote handles and URLs (a FakeRemote on loopback)."""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.moderation.blocks import block_account
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account, Post
from tests.api.entity_schema import account_problems, status_problems
from tests.api.tokens import bearer, make_token
from tests.factories import make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    Peer,
    config,
    fast_instance_keys,
    http,
    peer,
)


async def post(svc: Services, author: Account, text: str, **fields: Any) -> Post:
    return await create_post(svc, author, PostDraft(text=text, **fields))


async def search(client: Any, headers: dict[str, str] | None = None, **params: Any) -> dict:
    response = await client.get("/api/v2/search", headers=headers or {}, query_string=params)
    assert response.status_code == 200, await response.get_json()
    return await response.get_json()  # type: ignore[no-any-return]


async def test_accounts_are_found_by_name_exact_first(client, svc):
    """Usernames by prefix and display names by word; the exact name comes first."""
    _, alice = await make_user(svc, "alice")
    await make_user(svc, "alicia")
    _, bob = await make_user(svc, "bob")
    async with svc.db.write() as tx:
        await tx.execute("UPDATE accounts SET display_name = 'Mad Alison' WHERE id = ?", (bob.id,))
    headers = bearer(await make_token(svc, alice))
    body = await search(client, headers, q="ali", type="accounts")
    assert set(body) == {"accounts", "statuses", "hashtags"}
    assert {a["username"] for a in body["accounts"]} == {"alice", "alicia", "bob"}
    assert all(account_problems(a) == [] for a in body["accounts"])
    exact = await search(client, headers, q="@alice")
    assert exact["accounts"][0]["username"] == "alice"
    assert exact["statuses"] == [] and exact["hashtags"] == []


async def test_hashtags_are_found_by_prefix_with_history(client, svc):
    """Hashtags used here match by prefix; each Tag has an id, url and 7 days of history."""
    _, alice = await make_user(svc, "alice")
    await post(svc, alice, "Hello #Fediverse and #fedi")
    await post(svc, alice, "more #fedi")
    body = await search(client, q="#fed", type="hashtags")
    names = [t["name"] for t in body["hashtags"]]
    assert names == ["fedi", "fediverse"]
    fedi = body["hashtags"][0]
    assert fedi["id"].isdigit()
    assert fedi["url"] == "http://localhost/tags/fedi"
    assert len(fedi["history"]) == 7
    assert fedi["history"][0]["uses"] == "2" and fedi["history"][0]["accounts"] == "1"
    assert all(isinstance(v, str) for day in fedi["history"] for v in day.values())
    assert "following" not in fedi
    assert body["accounts"] == [] and body["statuses"] == []


async def test_own_posts_are_found_by_text_and_others_are_not(client, svc):
    """Statuses: the viewer's own posts containing the text (full-text search comes later)."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    mine = await post(svc, alice, "I love gardening")
    await post(svc, bob, "gardening is great")
    headers = bearer(await make_token(svc, alice))
    body = await search(client, headers, q="gardening", type="statuses")
    assert [s["id"] for s in body["statuses"]] == [str(mine.id)]
    assert status_problems(body["statuses"][0], authenticated=True) == []
    anonymous = await search(client, q="gardening", type="statuses")
    assert anonymous["statuses"] == []


async def test_a_local_url_finds_the_post_or_account(client, svc):
    """A status URL finds the status (if visible); a profile URL finds the account."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    public = await post(svc, alice, "visible to all")
    private = await post(svc, alice, "followers only", visibility="private")
    headers = bearer(await make_token(svc, bob))
    by_uri = await search(client, headers, q=public.uri)
    assert [s["id"] for s in by_uri["statuses"]] == [str(public.id)]
    by_page = await search(client, headers, q=f"http://localhost/@alice/{public.id}")
    assert [s["id"] for s in by_page["statuses"]] == [str(public.id)]
    hidden = await search(client, headers, q=private.uri)
    assert hidden["statuses"] == []
    profile = await search(client, headers, q="http://localhost/@alice")
    assert [a["username"] for a in profile["accounts"]] == ["alice"]


async def test_blocked_accounts_are_left_out(client, svc):
    """Accounts the viewer blocks are not found."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bobby")
    await block_account(svc, alice, bob)
    body = await search(client, bearer(await make_token(svc, alice)), q="bobby")
    assert body["accounts"] == []


async def test_resolve_looks_up_a_remote_handle_with_a_token_only(client, svc, peer: Peer):
    """`resolve=true` with a user token finds an unknown @name@host by WebFinger; without a
    token, or without resolve, nothing is fetched."""
    bob = peer.actor("bob")
    handle = f"bob@{peer.fake.host}"
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    assert (await search(client, q=handle, resolve="true"))["accounts"] == []
    assert (await search(client, headers, q=handle))["accounts"] == []
    assert peer.fake.requests == []
    body = await search(client, headers, q="@" + handle, resolve="true", type="accounts")
    [found] = body["accounts"]
    assert (found["acct"], found["uri"]) == (handle, bob.uri)
    assert account_problems(found) == []
    known = await search(client, headers, q=handle)
    assert [a["acct"] for a in known["accounts"]] == [handle]


async def test_resolve_fetches_a_remote_status_by_url(client, svc, peer: Peer):
    """A remote status URL is fetched and stored when resolving, then shown as a Status."""
    bob = peer.actor("bob")
    note = bob.note("<p>Far away news</p>")
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice))
    assert (await search(client, headers, q=note["id"]))["statuses"] == []
    body = await search(client, headers, q=note["id"], resolve="1")
    [status] = body["statuses"]
    assert status["uri"] == note["id"]
    assert "Far away news" in status["content"]
    assert status_problems(status, authenticated=True) == []


async def test_empty_and_junk_queries_answer_empty_results(client, svc):
    """An empty query and junk parameters give empty lists, never an error."""
    body = await search(client, q="", limit="abc", offset="x", type="nonsense")
    assert body == {"accounts": [], "statuses": [], "hashtags": []}
