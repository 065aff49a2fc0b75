"""`/api/v1/timelines`: home, public and hashtag timelines with exact Link headers and exclusive
`max_id` / `since_id` / `min_id` cursors, as Tusky, Ice Cubes and masto.js page through them."""

from __future__ import annotations

import sqlite3
from typing import Any

from fedi.context import Services
from fedi.outbox.interactions import follow_account
from tests.api.statuses_helpers import api_post, remote_account, remote_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

BASE = "http://localhost"


async def _page(client: Any, path: str, token: str | None = None) -> tuple[list[str], Any]:
    response = await client.get(path, headers=bearer(token) if token else {})
    body = await response.get_json()
    assert response.status_code == 200, body
    return [s["id"] for s in body], response


def _links(response: Any) -> tuple[str, str]:
    """(next, prev) URLs of a Link header, checking its exact shape."""
    link = response.headers["Link"]
    first, second = link.split(", ")
    assert first.endswith('>; rel="next"') and second.endswith('>; rel="prev"')
    return first[1 : -len('>; rel="next"')], second[1 : -len('>; rel="prev"')]


async def _home_world(client: Any, svc: Services) -> tuple[str, list[str]]:
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    ids = [(await api_post(client, token, f"post {i}"))["id"] for i in range(5)]
    return token, ids[::-1]  # newest first


async def test_home_pages_with_exact_link_headers(client, svc):
    """limit, then `next` by max_id and `prev` by min_id, absolute, carrying the parameters."""
    token, ids = await _home_world(client, svc)
    found, response = await _page(client, "/api/v1/timelines/home?limit=2", token)
    assert found == ids[:2]
    next_url, prev_url = _links(response)
    assert next_url == f"{BASE}/api/v1/timelines/home?limit=2&max_id={ids[1]}"
    assert prev_url == f"{BASE}/api/v1/timelines/home?limit=2&min_id={ids[0]}"
    found, response = await _page(client, next_url.removeprefix(BASE), token)
    assert found == ids[2:4]
    found, response = await _page(client, f"/api/v1/timelines/home?limit=2&max_id={ids[3]}", token)
    assert found == ids[4:]
    found, response = await _page(client, f"/api/v1/timelines/home?max_id={ids[4]}", token)
    assert found == [] and "Link" not in response.headers


async def test_min_id_and_since_id_are_exclusive(client, svc):
    """min_id: the page just above (oldest first above the cursor); since_id: the newest above."""
    token, ids = await _home_world(client, svc)
    oldest = ids[-1]
    found, _ = await _page(client, f"/api/v1/timelines/home?min_id={oldest}&limit=2", token)
    assert found == [ids[2], ids[3]]
    found, _ = await _page(client, f"/api/v1/timelines/home?since_id={oldest}&limit=2", token)
    assert found == [ids[0], ids[1]]
    found, _ = await _page(client, f"/api/v1/timelines/home?min_id={ids[0]}", token)
    assert found == []
    found, _ = await _page(
        client, f"/api/v1/timelines/home?since_id={ids[2]}&max_id={ids[0]}", token
    )
    assert found == [ids[1]]


async def test_junk_cursors_and_limits_are_ignored(client, svc):
    """`limit=` empty or huge and non-numeric cursors never fail (Interop: Bridgy, Ivory)."""
    token, ids = await _home_world(client, svc)
    found, _ = await _page(client, "/api/v1/timelines/home?limit=&max_id=abc&min_id=", token)
    assert found == ids
    found, _ = await _page(client, "/api/v1/timelines/home?limit=500", token)
    assert found == ids


async def test_home_needs_a_user_token(client, svc):
    """Anonymous home: 401 with the Mastodon message."""
    response = await client.get("/api/v1/timelines/home")
    assert response.status_code == 401
    assert (await response.get_json())["error"] == "The access token is invalid"


async def test_home_shows_followed_accounts_and_respects_visibility(client, svc):
    """Posts of followed accounts (followers-only too) and boosts; not strangers' posts."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    alice_token, bob_token = await make_token(svc, alice), await make_token(svc, bob)
    carol_token = await make_token(svc, carol)
    await follow_account(svc, alice, bob)
    friends = await api_post(client, bob_token, "friends", visibility="private")
    stranger = await api_post(client, carol_token, "stranger")
    boost = await client.post(
        f"/api/v1/statuses/{stranger['id']}/reblog", headers=bearer(bob_token)
    )
    wrapper = await boost.get_json()
    found, _ = await _page(client, "/api/v1/timelines/home", alice_token)
    assert found == [wrapper["id"], friends["id"]]


async def test_home_leaves_out_muted_accounts(client, svc):
    """A muted account's posts and boosts leave the home timeline."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    alice_token, bob_token = await make_token(svc, alice), await make_token(svc, bob)
    await follow_account(svc, alice, bob)
    await api_post(client, bob_token, "noise")
    mine = await api_post(client, alice_token, "mine")
    await client.post(f"/api/v1/accounts/{bob.id}/mute", headers=bearer(alice_token))
    found, _ = await _page(client, "/api/v1/timelines/home", alice_token)
    assert found == [mine["id"]]


async def test_public_timeline_local_remote_and_anonymous(client, svc):
    """Public posts only; `local` and `remote` split them; anonymous readers are welcome."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    carol = await remote_account(svc)
    local = await api_post(client, token, "local")
    await api_post(client, token, "quiet", visibility="unlisted")
    await api_post(client, token, "friends", visibility="private")
    far = await remote_post(svc, carol)
    await remote_post(svc, carol, visibility="unlisted")
    found, response = await _page(client, "/api/v1/timelines/public")
    assert found == [str(far.id), local["id"]]
    found, response = await _page(client, "/api/v1/timelines/public?local=true&limit=5")
    assert found == [local["id"]]
    next_url, _ = _links(response)
    assert next_url == f"{BASE}/api/v1/timelines/public?local=true&limit=5&max_id={local['id']}"
    found, _ = await _page(client, "/api/v1/timelines/public?remote=true", token)
    assert found == [str(far.id)]
    found, _ = await _page(client, "/api/v1/timelines/public?only_media=true", token)
    assert found == []


async def test_tag_timeline_any_all_none_local_remote(client, svc):
    """A hashtag (any case), `any[]`, `all[]`, `none[]`, `local`, `remote`."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    carol = await remote_account(svc)
    tea = await api_post(client, token, "#Tea time")
    both = await api_post(client, token, "#tea and #cake")
    cake = await api_post(client, token, "#cake only")
    await api_post(client, token, "#tea but private", visibility="private")
    far = await remote_post(svc, carol, tags=("tea",))

    async def ids(query: str) -> list[str]:
        return (await _page(client, "/api/v1/timelines/tag/" + query))[0]

    assert await ids("TEA") == [str(far.id), both["id"], tea["id"]]
    assert await ids("tea?local=true") == [both["id"], tea["id"]]
    assert await ids("tea?remote=true") == [str(far.id)]
    assert await ids("tea?any[]=cake") == [str(far.id), cake["id"], both["id"], tea["id"]]
    assert await ids("tea?all[]=cake") == [both["id"]]
    assert await ids("tea?none[]=cake") == [str(far.id), tea["id"]]
    assert await ids("nosuchtag") == []
    assert await ids("not%20a%20tag") == []


async def test_following_next_links_visits_every_post_once(client, svc):
    """Following `next` links one post at a time walks the whole timeline, then stops."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    ids = [(await api_post(client, token, f"p{i}"))["id"] for i in range(6)][::-1]
    path, seen = "/api/v1/timelines/home?limit=1", []
    while True:
        found, response = await _page(client, path, token)
        if not found:
            break
        seen += found
        path = _links(response)[0].removeprefix(BASE)
    assert seen == ids


async def _traced(svc: Services) -> list[str]:
    """Every SQL statement the read connections run from now on (sqlite's own trace hook)."""
    statements: list[str] = []
    for raw in svc.db._all_readers:
        await raw._execute(lambda raw=raw: raw._conn.set_trace_callback(statements.append))
    return statements


async def test_home_costs_the_same_queries_on_every_page(client, svc):
    """Page 1 and a deep page run the same statements; the feed is an index range scan."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    authors = []
    for name in ("bob", "carol", "dave"):
        _, author = await make_user(svc, name)
        await follow_account(svc, alice, author)
        authors.append(await make_token(svc, author))
    for i in range(12):
        await api_post(client, authors[i % 3], f"post {i} #tag @alice")
    await _page(client, "/api/v1/timelines/home?limit=1", token)  # the token is cached now
    statements = await _traced(svc)
    first, response = await _page(client, "/api/v1/timelines/home?limit=4", token)
    first_count = len(statements)
    statements.clear()
    deep = f"/api/v1/timelines/home?limit=4&max_id={first[-1]}"
    found, response = await _page(client, deep, token)
    statements.clear()
    found, response = await _page(client, _links(response)[0].removeprefix(BASE), token)
    assert len(found) == 4
    # One statement per kind of row, whatever the page: the feed, mentions, tags, accounts,
    # three counts, apps, media, the viewer's likes, boosts, bookmarks, muted threads, blocks.
    assert len(statements) == first_count <= 15, statements
    feed_queries = [s for s in statements if "home_feed" in s]
    plan_conn = sqlite3.connect(svc.db.path)
    try:
        plan = " ".join(
            str(row[-1])
            for row in plan_conn.execute("EXPLAIN QUERY PLAN " + feed_queries[0]).fetchall()
        )
    finally:
        plan_conn.close()
    # The scan starts at the cursor: the index range covers both the account and max_id.
    assert "SEARCH f USING PRIMARY KEY (account_id=? AND post_id<?)" in plan, plan
