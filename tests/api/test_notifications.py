"""Notifications through the client API: Mastodon types, filters, paging, one, dismiss, clear,
unread count, and what stays hidden (blocked and muted accounts, `hide` filters)."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.filters import FilterDraft, KeywordChange, create_filter
from fedi.moderation.blocks import block_account
from fedi.moderation.mutes import mute_account
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account, like_post
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account, Post
from tests.api.entity_schema import account_problems, status_problems
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


async def post(svc: Services, author: Account, text: str, **fields: Any) -> Post:
    return await create_post(svc, author, PostDraft(text=text, **fields))


async def setting(svc: Services) -> tuple[Account, Account, str, Post]:
    """alice (with a token) and bob; bob follows alice, likes her post, and mentions her."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    token = await make_token(svc, alice)
    mine = await post(svc, alice, "Hello world")
    await follow_account(svc, bob, alice)
    await like_post(svc, bob, mine.id)
    await post(svc, bob, "@alice hi there")
    return alice, bob, token, mine


async def test_notifications_list_with_mastodon_types_newest_first(client, svc):
    """The list shows follow, favourite and mention with the account and status entities."""
    alice, bob, token, mine = await setting(svc)
    response = await client.get("/api/v1/notifications", headers=bearer(token))
    assert response.status_code == 200
    body = await response.get_json()
    assert [n["type"] for n in body] == ["mention", "favourite", "follow"]
    ids = [int(n["id"]) for n in body]
    assert ids == sorted(ids, reverse=True)
    for n in body:
        assert n["group_key"] == f"ungrouped-{n['id']}"
        assert n["created_at"].endswith("Z")
        assert n["account"]["id"] == str(bob.id)
        assert account_problems(n["account"]) == []
    assert "status" not in body[2]
    assert body[1]["status"]["id"] == str(mine.id)
    assert status_problems(body[1]["status"], authenticated=True) == []
    assert body[0]["status"]["content"].count("hi there") == 1


async def test_a_reply_is_a_mention(client, svc):
    """A reply that does not mention the author still reaches them as a `mention`."""
    alice, bob, token, mine = await setting(svc)
    reply = await post(svc, bob, "nice", in_reply_to_id=mine.id)
    response = await client.get(
        "/api/v1/notifications", headers=bearer(token), query_string={"types[]": "mention"}
    )
    body = await response.get_json()
    assert [n["type"] for n in body] == ["mention", "mention"]
    assert body[0]["status"]["id"] == str(reply.id)


async def test_types_exclude_types_and_account_id_filter_the_list(client, svc):
    """`types[]`, `exclude_types[]` and `account_id` narrow the list."""
    alice, bob, token, _ = await setting(svc)
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, carol, alice)
    headers = bearer(token)
    only = await client.get(
        "/api/v1/notifications?types[]=follow&types[]=favourite", headers=headers
    )
    assert [n["type"] for n in await only.get_json()] == ["follow", "favourite", "follow"]
    without = await client.get("/api/v1/notifications?exclude_types[]=follow", headers=headers)
    assert [n["type"] for n in await without.get_json()] == ["mention", "favourite"]
    from_carol = await client.get(f"/api/v1/notifications?account_id={carol.id}", headers=headers)
    assert [(n["type"], n["account"]["id"]) for n in await from_carol.get_json()] == [
        ("follow", str(carol.id))
    ]


async def test_paging_is_exclusive_with_link_headers(client, svc):
    """`limit` pages with a Link header; max_id, since_id and min_id never return the cursor."""
    await setting(svc)
    headers = bearer(await make_token(svc, (await _account(svc, "alice"))))
    everything = await (await client.get("/api/v1/notifications", headers=headers)).get_json()
    ids = [n["id"] for n in everything]
    first = await client.get("/api/v1/notifications?limit=2&types[]=mention", headers=headers)
    page = await client.get("/api/v1/notifications?limit=2", headers=headers)
    assert [n["id"] for n in await page.get_json()] == ids[:2]
    link = page.headers["Link"]
    assert link == (
        f'<http://localhost/api/v1/notifications?limit=2&max_id={ids[1]}>; rel="next", '
        f'<http://localhost/api/v1/notifications?limit=2&min_id={ids[0]}>; rel="prev"'
    )
    assert "types%5B%5D=mention" in first.headers["Link"]
    older = await client.get(f"/api/v1/notifications?max_id={ids[1]}", headers=headers)
    assert [n["id"] for n in await older.get_json()] == ids[2:]
    above = await client.get(f"/api/v1/notifications?min_id={ids[2]}&limit=1", headers=headers)
    assert [n["id"] for n in await above.get_json()] == [ids[1]]
    newest = await client.get(f"/api/v1/notifications?since_id={ids[2]}&limit=1", headers=headers)
    assert [n["id"] for n in await newest.get_json()] == [ids[0]]
    empty = await client.get(f"/api/v1/notifications?min_id={ids[0]}", headers=headers)
    assert await empty.get_json() == []
    assert "Link" not in empty.headers


async def _account(svc: Services, name: str) -> Account:
    async with svc.db.read() as conn:
        row = await conn.fetchone("SELECT * FROM accounts WHERE username = ?", (name,))
    return Account.from_row(row)


async def test_one_notification_dismiss_and_clear(client, svc):
    """One notification by id; dismiss removes it; clear removes the rest; others' are 404."""
    alice, bob, token, _ = await setting(svc)
    headers = bearer(token)
    body = await (await client.get("/api/v1/notifications", headers=headers)).get_json()
    one = await client.get(f"/api/v1/notifications/{body[0]['id']}", headers=headers)
    assert one.status_code == 200
    assert (await one.get_json())["type"] == "mention"
    bobs = bearer(await make_token(svc, bob))
    theirs = await client.get(f"/api/v1/notifications/{body[0]['id']}", headers=bobs)
    assert theirs.status_code == 404
    assert (await theirs.get_json())["error"] == "Record not found"
    dismissed = await client.post(f"/api/v1/notifications/{body[0]['id']}/dismiss", headers=headers)
    assert dismissed.status_code == 200
    assert await dismissed.get_json() == {}
    again = await client.post(f"/api/v1/notifications/{body[0]['id']}/dismiss", headers=headers)
    assert again.status_code == 404
    left = await (await client.get("/api/v1/notifications", headers=headers)).get_json()
    assert [n["type"] for n in left] == ["favourite", "follow"]
    cleared = await client.post("/api/v1/notifications/clear", headers=headers)
    assert cleared.status_code == 200
    assert await (await client.get("/api/v1/notifications", headers=headers)).get_json() == []


async def test_unread_count_follows_the_notifications_marker(client, svc):
    """unread_count counts what is newer than the notifications marker."""
    alice, bob, token, _ = await setting(svc)
    headers = bearer(token)
    count = await client.get("/api/v1/notifications/unread_count", headers=headers)
    assert await count.get_json() == {"count": 3}
    body = await (await client.get("/api/v1/notifications", headers=headers)).get_json()
    saved = await client.post(
        "/api/v1/markers", headers=headers, form={"notifications[last_read_id]": body[1]["id"]}
    )
    assert saved.status_code == 200
    count = await client.get("/api/v1/notifications/unread_count", headers=headers)
    assert await count.get_json() == {"count": 1}


async def test_blocked_and_muted_accounts_notifications_are_hidden(client, svc):
    """Notifications from a muted account (with notifications) or a blocked one do not show."""
    alice, bob, token, mine = await setting(svc)
    _, carol = await make_user(svc, "carol")
    await like_post(svc, carol, mine.id)
    headers = bearer(token)
    await mute_account(svc, alice, bob)
    body = await (await client.get("/api/v1/notifications", headers=headers)).get_json()
    assert {n["account"]["id"] for n in body} == {str(carol.id)}
    await block_account(svc, alice, carol)
    assert await (await client.get("/api/v1/notifications", headers=headers)).get_json() == []


async def test_notifications_about_hidden_by_filter_statuses_are_left_out(client, svc):
    """A `hide` filter of the notifications context drops notifications about matching posts;
    a `warn` filter marks the status as filtered."""
    alice, bob, token, _ = await setting(svc)
    await post(svc, bob, "@alice spoilers ahead")
    await create_filter(
        svc,
        alice,
        FilterDraft(
            title="No spoilers",
            context=["notifications"],
            filter_action="hide",
            keywords=[KeywordChange(keyword="spoilers")],
        ),
    )
    await create_filter(
        svc,
        alice,
        FilterDraft(
            title="Greetings", context=["notifications"], keywords=[KeywordChange(keyword="hi")]
        ),
    )
    body = await (
        await client.get("/api/v1/notifications?types[]=mention", headers=bearer(token))
    ).get_json()
    assert len(body) == 1
    filtered = body[0]["status"]["filtered"]
    assert [f["filter"]["title"] for f in filtered] == ["Greetings"]
    assert filtered[0]["keyword_matches"] == ["hi"]
    assert filtered[0]["status_matches"] is None


async def test_notifications_need_a_token_with_the_scope(client, svc):
    """No token: 401; a token without read:notifications: 403; an app-only token: 422."""
    _, alice = await make_user(svc, "alice")
    missing = await client.get("/api/v1/notifications")
    assert missing.status_code == 401
    assert (await missing.get_json())["error"] == "The access token is invalid"
    narrow = await make_token(svc, alice, scopes="read:statuses")
    forbidden = await client.get("/api/v1/notifications", headers=bearer(narrow))
    assert forbidden.status_code == 403
    assert (await forbidden.get_json())["error"] == "This action is outside the authorized scopes"
    app_only = await make_token(svc, None, scopes="read")
    no_user = await client.get("/api/v1/notifications", headers=bearer(app_only))
    assert no_user.status_code == 422
    assert (await no_user.get_json())["error"] == "This method requires an authenticated user"
