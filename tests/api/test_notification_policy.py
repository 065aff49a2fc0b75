"""Notification policy (`/api/v2/notifications/policy`, v1's booleans) and notification requests:
filtered notifications wait outside the list until accepted, dismissed, or are dropped."""

from __future__ import annotations

import json
from typing import Any

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account, like_post, unlike_post
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account
from tests.api.test_streaming import close_sse, open_sse
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

DEFAULTS = {
    "for_not_following": "accept",
    "for_not_followers": "accept",
    "for_new_accounts": "accept",
    "for_private_mentions": "filter",
    "for_limited_accounts": "filter",
}


async def _get(client: Any, token: str, path: str) -> Any:
    response = await client.get(path, headers=bearer(token))
    body = await response.get_json()
    assert response.status_code == 200, body
    return body


async def _set(client: Any, token: str, **settings: str) -> Any:
    response = await client.patch(
        "/api/v2/notifications/policy", headers=bearer(token), json=settings
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    return body


async def _notification_types(client: Any, token: str) -> list[tuple[str, str]]:
    body = await _get(client, token, "/api/v1/notifications")
    return [(n["type"], n["account"]["acct"]) for n in body]


async def _pair(svc: Services) -> tuple[Account, Account, str]:
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    return alice, bob, await make_token(svc, alice)


async def test_the_default_policy_filters_only_private_mentions_and_limited_accounts(client, svc):
    """A new user's policy is Mastodon 4.3's default, with an empty summary; v1 shows booleans."""
    alice, _, token = await _pair(svc)
    body = await _get(client, token, "/api/v2/notifications/policy")
    assert body == {
        **DEFAULTS,
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0},
    }
    v1 = await _get(client, token, "/api/v1/notifications/policy")
    assert v1["filter_not_following"] is False and v1["filter_private_mentions"] is True
    assert v1["summary"] == body["summary"]


async def test_changing_the_policy_keeps_what_is_not_sent(client, svc):
    """PATCH changes only the settings sent; a value other than accept/filter/drop is a 422."""
    _, _, token = await _pair(svc)
    body = await _set(client, token, for_not_following="drop")
    assert body["for_not_following"] == "drop"
    assert body["for_private_mentions"] == "filter"
    bad = await client.patch(
        "/api/v2/notifications/policy", headers=bearer(token), json={"for_new_accounts": "maybe"}
    )
    assert bad.status_code == 422
    assert "for_new_accounts" in (await bad.get_json())["error"]
    v1 = await client.patch(
        "/api/v1/notifications/policy",
        headers=bearer(token),
        form={"filter_not_followers": "true", "filter_not_following": "false"},
    )
    assert v1.status_code == 200
    after = await _get(client, token, "/api/v2/notifications/policy")
    assert after["for_not_followers"] == "filter" and after["for_not_following"] == "accept"


async def test_filtered_notifications_wait_in_a_request_not_in_the_list(client, svc):
    """A like from a stranger under `filter` is not listed or counted; it waits in bob's request."""
    alice, bob, token = await _pair(svc)
    await _set(client, token, for_not_following="filter")
    post = await create_post(svc, alice, PostDraft(text="Hello"))
    await like_post(svc, bob, post.id)

    assert await _notification_types(client, token) == []
    unread = await _get(client, token, "/api/v1/notifications/unread_count")
    assert unread == {"count": 0}
    requests = await _get(client, token, "/api/v1/notifications/requests")
    assert len(requests) == 1
    request = requests[0]
    assert request["account"]["acct"] == "bob"
    assert request["notifications_count"] == "1"
    assert request["last_status"]["id"] == str(post.id)
    assert request["created_at"].endswith("Z") and request["updated_at"].endswith("Z")
    one = await _get(client, token, f"/api/v1/notifications/requests/{request['id']}")
    assert one["id"] == request["id"]
    summary = (await _get(client, token, "/api/v2/notifications/policy"))["summary"]
    assert summary == {"pending_requests_count": 1, "pending_notifications_count": 1}


async def test_accepting_a_request_releases_its_notifications_and_lets_the_sender_through(
    client, svc
):
    """Accept: the held like joins the list, and bob's later notifications arrive directly."""
    alice, bob, token = await _pair(svc)
    await _set(client, token, for_not_following="filter")
    first = await create_post(svc, alice, PostDraft(text="One"))
    await like_post(svc, bob, first.id)
    request = (await _get(client, token, "/api/v1/notifications/requests"))[0]

    response = await client.post(
        f"/api/v1/notifications/requests/{request['id']}/accept", headers=bearer(token)
    )
    assert response.status_code == 200 and await response.get_json() == {}
    assert await _notification_types(client, token) == [("favourite", "bob")]
    assert await _get(client, token, "/api/v1/notifications/requests") == []

    second = await create_post(svc, alice, PostDraft(text="Two"))
    await like_post(svc, bob, second.id)
    assert await _notification_types(client, token) == [("favourite", "bob")] * 2
    merged = await _get(client, token, "/api/v1/notifications/requests/merged")
    assert merged == {"merged": True}


async def test_dismissing_a_request_deletes_its_notifications(client, svc):
    """Dismiss: the request and what it held are gone; the list stays empty."""
    alice, bob, token = await _pair(svc)
    await _set(client, token, for_not_following="filter")
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    await like_post(svc, bob, post.id)
    request = (await _get(client, token, "/api/v1/notifications/requests"))[0]
    response = await client.post(
        f"/api/v1/notifications/requests/{request['id']}/dismiss", headers=bearer(token)
    )
    assert response.status_code == 200
    assert await _get(client, token, "/api/v1/notifications/requests") == []
    assert await _notification_types(client, token) == []
    again = await client.post(
        f"/api/v1/notifications/requests/{request['id']}/dismiss", headers=bearer(token)
    )
    assert again.status_code == 404
    assert (await again.get_json())["error"] == "Record not found"


async def test_drop_discards_without_a_request(client, svc):
    """Under `drop` a stranger's follow is neither listed nor held."""
    alice, bob, token = await _pair(svc)
    await _set(client, token, for_not_following="drop")
    await follow_account(svc, bob, alice)
    assert await _notification_types(client, token) == []
    assert await _get(client, token, "/api/v1/notifications/requests") == []


async def test_people_the_user_follows_are_never_filtered_as_strangers(client, svc):
    """`for_not_following` only concerns accounts the user does not follow."""
    alice, bob, token = await _pair(svc)
    await _set(client, token, for_not_following="filter")
    await follow_account(svc, alice, bob)
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    await like_post(svc, bob, post.id)
    assert await _notification_types(client, token) == [("favourite", "bob")]


async def test_private_mentions_from_strangers_are_filtered_by_default(client, svc):
    """A direct post from someone alice does not follow waits; from someone she follows, or
    answering her own private mention, it arrives."""
    alice, bob, token = await _pair(svc)
    _, carol = await make_user(svc, "carol")
    await create_post(svc, bob, PostDraft(text="@alice psst", visibility="direct"))
    await create_post(svc, bob, PostDraft(text="@alice in public"))
    assert await _notification_types(client, token) == [("mention", "bob")]
    requests = await _get(client, token, "/api/v1/notifications/requests")
    assert [r["account"]["acct"] for r in requests] == ["bob"]

    await follow_account(svc, alice, carol)
    await create_post(svc, carol, PostDraft(text="@alice hey", visibility="direct"))
    mine = await create_post(svc, alice, PostDraft(text="@bob answer me", visibility="direct"))
    await create_post(
        svc, bob, PostDraft(text="@alice here", visibility="direct", in_reply_to_id=mine.id)
    )
    assert [t for t in await _notification_types(client, token)] == [
        ("mention", "bob"),
        ("mention", "carol"),
        ("mention", "bob"),
    ]


async def test_a_withdrawn_like_leaves_the_request(client, svc):
    """Unliking withdraws the held notification too, so the request goes away."""
    alice, bob, token = await _pair(svc)
    await _set(client, token, for_not_following="filter")
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    await like_post(svc, bob, post.id)
    await unlike_post(svc, bob, post.id)
    assert await _get(client, token, "/api/v1/notifications/requests") == []


async def test_requests_accept_and_dismiss_several_at_once(client, svc):
    """`id[]` accepts or dismisses several requests; another user's requests are untouched."""
    alice, bob, token = await _pair(svc)
    _, carol = await make_user(svc, "carol")
    _, dave = await make_user(svc, "dave")
    await _set(client, token, for_not_following="filter")
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    for liker in (bob, carol, dave):
        await like_post(svc, liker, post.id)
    by_acct = {
        r["account"]["acct"]: r["id"]
        for r in await _get(client, token, "/api/v1/notifications/requests")
    }
    assert set(by_acct) == {"bob", "carol", "dave"}
    accepted = await client.post(
        "/api/v1/notifications/requests/accept",
        data=f"id[]={by_acct['bob']}&id[]={by_acct['carol']}",
        headers={**bearer(token), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert accepted.status_code == 200
    dismissed = await client.post(
        "/api/v1/notifications/requests/dismiss",
        headers=bearer(token),
        json={"id": [by_acct["dave"]]},
    )
    assert dismissed.status_code == 200
    assert sorted(await _notification_types(client, token)) == [
        ("favourite", "bob"),
        ("favourite", "carol"),
    ]
    assert await _get(client, token, "/api/v1/notifications/requests") == []


async def test_someone_elses_request_is_not_found(client, svc):
    """Another user's request answers 404; without the notifications scope, 403."""
    alice, bob, token = await _pair(svc)
    await _set(client, token, for_not_following="filter")
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    await like_post(svc, bob, post.id)
    request = (await _get(client, token, "/api/v1/notifications/requests"))[0]
    bob_token = await make_token(svc, bob)
    response = await client.get(
        f"/api/v1/notifications/requests/{request['id']}", headers=bearer(bob_token)
    )
    assert response.status_code == 404
    assert (await response.get_json())["error"] == "Record not found"
    narrow = await make_token(svc, alice, scopes="read:statuses")
    forbidden = await client.get("/api/v2/notifications/policy", headers=bearer(narrow))
    assert forbidden.status_code == 403


async def _age(svc: Services, table: str, row_id: int, days: int) -> None:
    """Make a row look `days` old (the clock is not ours to move)."""
    async with svc.db.write() as tx:
        await tx.execute(
            f"UPDATE {table} SET created_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)"  # noqa: S608
            " WHERE id = ?",
            (f"-{days} days", row_id),
        )


async def test_new_accounts_are_those_less_than_30_days_old(client, svc):
    """Under `for_new_accounts: filter` a fresh account's like waits; an older one's arrives."""
    alice, bob, token = await _pair(svc)
    _, carol = await make_user(svc, "carol")
    await _age(svc, "accounts", carol.id, 40)
    await _set(client, token, for_new_accounts="filter")
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    await like_post(svc, bob, post.id)
    await like_post(svc, carol, post.id)
    assert await _notification_types(client, token) == [("favourite", "carol")]
    requests = await _get(client, token, "/api/v1/notifications/requests")
    assert [r["account"]["acct"] for r in requests] == ["bob"]


async def test_followers_count_after_three_days(client, svc):
    """Under `for_not_followers: filter` a follower of less than 3 days is still filtered."""
    alice, bob, token = await _pair(svc)
    _, carol = await make_user(svc, "carol")
    await _set(client, token, for_not_followers="filter")
    await follow_account(svc, bob, alice)
    old = await follow_account(svc, carol, alice)
    await _age(svc, "follows", old.id, 4)
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    await like_post(svc, bob, post.id)
    await like_post(svc, carol, post.id)
    assert await _notification_types(client, token) == [("favourite", "carol")]


async def test_staff_are_never_filtered(client, svc):
    """The instance's moderators and admins always get through, even under `drop`."""
    alice, _, token = await _pair(svc)
    _, mod = await make_user(svc, "molly", role="moderator")
    await _set(client, token, for_not_following="drop", for_new_accounts="drop")
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    await like_post(svc, mod, post.id)
    assert await _notification_types(client, token) == [("favourite", "molly")]


async def test_filtered_notifications_are_not_streamed(client, svc):
    """On the user:notification stream a held like never comes; the next shown one does."""
    alice, bob, token = await _pair(svc)
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, alice, carol)
    await _set(client, token, for_not_following="filter")
    post = await create_post(svc, alice, PostDraft(text="Like me"))
    conn, sse = await open_sse(client, "/api/v1/streaming/user/notification", token)
    try:
        await like_post(svc, bob, post.id)
        await like_post(svc, carol, post.id)
        event, data = await sse.event()
        assert event == "notification"
        assert json.loads(data)["account"]["acct"] == "carol"
    finally:
        await close_sse(conn)


async def test_a_requests_notifications_are_read_by_account_or_include_filtered(client, svc):
    """`account_id` (how apps open a request) and `include_filtered` list held notifications;
    the plain list does not."""
    alice, bob, token = await _pair(svc)
    await _set(client, token, for_not_following="filter")
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    await like_post(svc, bob, post.id)
    assert await _notification_types(client, token) == []
    by_account = await _get(client, token, f"/api/v1/notifications?account_id={bob.id}")
    assert [(n["type"], n["status"]["id"]) for n in by_account] == [("favourite", str(post.id))]
    included = await _get(client, token, "/api/v1/notifications?include_filtered=true")
    assert [n["account"]["acct"] for n in included] == ["bob"]
