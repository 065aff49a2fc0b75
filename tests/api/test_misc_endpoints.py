"""The smaller client API endpoints: preferences, conversations, tags and followed tags, trends,
suggestions, announcements, reports and user domain blocks."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.outbox.boosts import boost_post
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account, like_post
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account, Post
from tests.api.entity_schema import account_problems, status_problems
from tests.api.statuses_helpers import remote_account, remote_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


async def post(svc: Services, author: Account, text: str, **fields: Any) -> Post:
    return await create_post(svc, author, PostDraft(text=text, **fields))


async def user(svc: Services, name: str, **kwargs: Any) -> tuple[Account, dict[str, str]]:
    _, account = await make_user(svc, name)
    return account, bearer(await make_token(svc, account, **kwargs))


async def home_ids(client: Any, headers: dict[str, str]) -> list[int]:
    response = await client.get("/api/v1/timelines/home", headers=headers)
    return [int(s["id"]) for s in await response.get_json()]


# --- preferences -------------------------------------------------------------------------------


async def test_preferences_show_the_users_default_visibility(client, svc):
    """Preferences carry the user's default visibility and Mastodon's other keys."""
    alice, headers = await user(svc, "alice")
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE users SET default_visibility = 'unlisted' WHERE id = ?", (alice.id,)
        )
    response = await client.get("/api/v1/preferences", headers=headers)
    assert response.status_code == 200
    body = await response.get_json()
    assert body["posting:default:visibility"] == "unlisted"
    assert body["posting:default:sensitive"] is False
    assert body["posting:default:language"] is None
    assert body["reading:expand:media"] == "default"
    assert body["reading:expand:spoilers"] is False
    assert (await client.get("/api/v1/preferences")).status_code == 401


# --- conversations -----------------------------------------------------------------------------


async def test_direct_posts_form_conversations_that_can_be_read_and_removed(client, svc):
    """Direct posts group by thread; unread until read; removing hides until a new message."""
    alice, headers = await user(svc, "alice")
    bob, bob_headers = await user(svc, "bob")
    carol, _ = await user(svc, "carol")
    first = await post(svc, bob, "@alice psst", visibility="direct")
    answer = await post(svc, alice, "@bob yes?", visibility="direct", in_reply_to_id=first.id)
    other = await post(svc, carol, "@alice @bob group chat", visibility="direct")
    await post(svc, bob, "public, not a conversation")
    response = await client.get("/api/v1/conversations", headers=headers)
    assert response.status_code == 200
    body = await response.get_json()
    assert [(c["id"], c["last_status"]["id"], c["unread"]) for c in body] == [
        (str(other.id), str(other.id), True),
        (str(first.id), str(answer.id), False),
    ]
    assert [a["username"] for a in body[0]["accounts"]] == ["carol", "bob"]
    assert [a["username"] for a in body[1]["accounts"]] == ["bob"]
    assert all(account_problems(a) == [] for c in body for a in c["accounts"])
    assert status_problems(body[0]["last_status"], authenticated=True) == []
    read = await client.post(f"/api/v1/conversations/{other.id}/read", headers=headers)
    assert read.status_code == 200
    assert (await read.get_json())["unread"] is False
    bobs_view = await (await client.get("/api/v1/conversations", headers=bob_headers)).get_json()
    assert [c["unread"] for c in bobs_view] == [True, True]
    removed = await client.delete(f"/api/v1/conversations/{first.id}", headers=headers)
    assert removed.status_code == 200
    left = await (await client.get("/api/v1/conversations", headers=headers)).get_json()
    assert [c["id"] for c in left] == [str(other.id)]
    again = await post(
        svc, bob, "@alice still there?", visibility="direct", in_reply_to_id=answer.id
    )
    back = await (await client.get("/api/v1/conversations", headers=headers)).get_json()
    assert [(c["id"], c["last_status"]["id"], c["unread"]) for c in back] == [
        (str(first.id), str(again.id), True),
        (str(other.id), str(other.id), False),
    ]
    page = await client.get("/api/v1/conversations?limit=1", headers=headers)
    assert f"max_id={again.id}" in page.headers["Link"]
    missing = await client.post("/api/v1/conversations/12345/read", headers=headers)
    assert missing.status_code == 404
    assert (await missing.get_json())["error"] == "Record not found"


# --- tags and trends ---------------------------------------------------------------------------


async def test_a_tag_shows_its_history_and_can_be_followed(client, svc):
    """A Tag has 7 days of real counts; following it lists it in followed_tags (Link-paged)."""
    alice, headers = await user(svc, "alice")
    bob, _ = await user(svc, "bob")
    await post(svc, alice, "#Cats are great")
    await post(svc, bob, "#cats indeed")
    anonymous = await (await client.get("/api/v1/tags/CATS")).get_json()
    assert anonymous["name"] == "cats"
    assert anonymous["history"][0] == {
        "day": anonymous["history"][0]["day"],
        "uses": "2",
        "accounts": "2",
    }
    assert int(anonymous["history"][0]["day"]) % 86400 == 0
    assert "following" not in anonymous
    mine = await (await client.get("/api/v1/tags/cats", headers=headers)).get_json()
    assert mine["following"] is False
    followed = await client.post("/api/v1/tags/cats/follow", headers=headers)
    assert (await followed.get_json())["following"] is True
    await client.post("/api/v1/tags/dogs/follow", headers=headers)
    listed = await client.get("/api/v1/followed_tags?limit=1", headers=headers)
    assert [t["name"] for t in await listed.get_json()] == ["dogs"]
    assert 'rel="next"' in listed.headers["Link"]
    unfollowed = await client.post("/api/v1/tags/dogs/unfollow", headers=headers)
    assert (await unfollowed.get_json())["following"] is False
    left = await (await client.get("/api/v1/followed_tags", headers=headers)).get_json()
    assert [t["name"] for t in left] == ["cats"]
    bad = await client.get("/api/v1/tags/no%20tag")
    assert bad.status_code == 404
    assert (await bad.get_json())["error"] == "Record not found"


async def test_followed_tags_bring_public_posts_into_home(client, svc):
    """After following #cats, new public #cats posts (local or remote) reach the home timeline;
    unlisted ones and other tags do not."""
    alice, headers = await user(svc, "alice")
    bob, _ = await user(svc, "bob")
    await client.post("/api/v1/tags/cats/follow", headers=headers)
    tagged = await post(svc, bob, "look #cats")
    await post(svc, bob, "quiet #cats", visibility="unlisted")
    await post(svc, bob, "look #dogs")
    far = await remote_account(svc, "carol")
    remote = await remote_post(svc, far, "<p>#cats</p>", tags=("cats",))
    assert await home_ids(client, headers) == [remote.id, tagged.id]


async def test_trends_rank_tags_by_people_and_statuses_by_interactions(client, svc):
    """Trending tags: most distinct accounts first; statuses: most favourites+boosts first;
    links: empty; /api/v1/trends is the tags alias."""
    alice, _ = await user(svc, "alice")
    bob, _ = await user(svc, "bob")
    carol, _ = await user(svc, "carol")
    for author in (alice, bob, carol):
        await post(svc, author, "#popular")
    await post(svc, alice, "#lonely #lonely")
    await post(svc, alice, "#lonely again")
    quiet = await post(svc, alice, "not liked")
    loved = await post(svc, alice, "liked a lot")
    liked = await post(svc, bob, "liked once")
    await like_post(svc, bob, loved.id)
    await like_post(svc, carol, loved.id)
    await boost_post(svc, carol, loved.id)
    await like_post(svc, alice, liked.id)
    tags = await (await client.get("/api/v1/trends/tags")).get_json()
    assert [t["name"] for t in tags] == ["popular", "lonely"]
    assert tags[0]["history"][0]["accounts"] == "3"
    alias = await (await client.get("/api/v1/trends?limit=1")).get_json()
    assert [t["name"] for t in alias] == ["popular"]
    statuses = await (await client.get("/api/v1/trends/statuses")).get_json()
    assert [int(s["id"]) for s in statuses] == [loved.id, liked.id]
    assert quiet.id not in [int(s["id"]) for s in statuses]
    assert status_problems(statuses[0], authenticated=False) == []
    assert await (await client.get("/api/v1/trends/links")).get_json() == []


# --- suggestions -------------------------------------------------------------------------------


async def test_suggestions_are_friends_of_friends_then_popular_and_dismissable(client, svc):
    """v2 suggests accounts followed by followed accounts first, then popular local accounts;
    never followed ones; a dismissed one stays away; v1 gives plain accounts."""
    alice, headers = await user(svc, "alice")
    bob, _ = await user(svc, "bob")
    carol, _ = await user(svc, "carol")
    dave, _ = await user(svc, "dave")
    erin, _ = await user(svc, "erin")
    await follow_account(svc, alice, bob)
    await follow_account(svc, bob, carol)
    await follow_account(svc, erin, dave)
    await follow_account(svc, bob, dave)
    await follow_account(svc, carol, dave)
    body = await (await client.get("/api/v2/suggestions", headers=headers)).get_json()
    assert [(s["account"]["username"], s["sources"], s["source"]) for s in body] == [
        ("dave", ["friends_of_friends"], "past_interactions"),
        ("carol", ["friends_of_friends"], "past_interactions"),
        ("erin", ["most_followed"], "global"),
    ]
    dismissed = await client.delete(f"/api/v1/suggestions/{dave.id}", headers=headers)
    assert dismissed.status_code == 200
    v1 = await (await client.get("/api/v1/suggestions?limit=5", headers=headers)).get_json()
    assert [a["username"] for a in v1] == ["carol", "erin"]
    assert all(account_problems(a) == [] for a in v1)
    unknown = await client.delete("/api/v1/suggestions/424242", headers=headers)
    assert unknown.status_code == 404


# --- announcements -----------------------------------------------------------------------------


async def test_announcements_are_empty(client, svc):
    """There are no announcements (dismissing one is 404)."""
    _, headers = await user(svc, "alice")
    assert await (await client.get("/api/v1/announcements", headers=headers)).get_json() == []
    dismiss = await client.post("/api/v1/announcements/1/dismiss", headers=headers)
    assert dismiss.status_code == 404
    assert (await dismiss.get_json())["error"] == "Record not found"


# --- reports -----------------------------------------------------------------------------------


async def test_a_report_is_filed_and_stored(client, svc):
    """A report about an account and its posts is stored with category and comment."""
    alice, headers = await user(svc, "alice")
    bob, _ = await user(svc, "bob")
    bad = await post(svc, bob, "something nasty")
    response = await client.post(
        "/api/v1/reports",
        headers=headers,
        form={
            "account_id": str(bob.id),
            "status_ids[]": str(bad.id),
            "comment": "Please look",
            "category": "spam",
            "forward": "true",
        },
    )
    assert response.status_code == 200
    body = await response.get_json()
    assert (body["category"], body["comment"], body["forwarded"], body["action_taken"]) == (
        "spam",
        "Please look",
        False,
        False,
    )
    assert body["status_ids"] == [str(bad.id)]
    assert body["target_account"]["id"] == str(bob.id)
    async with svc.db.read() as conn:
        row = await conn.fetchone("SELECT * FROM reports WHERE id = ?", (int(body["id"]),))
    assert (row["account_id"], row["target_account_id"], row["category"]) == (
        alice.id,
        bob.id,
        "spam",
    )


async def test_bad_reports_are_refused(client, svc):
    """No account: 422; unknown account or someone else's post: 404; bad category: 422."""
    alice, headers = await user(svc, "alice")
    bob, _ = await user(svc, "bob")
    hers = await post(svc, alice, "mine")
    cases = [
        ({}, 422, "Validation failed: account_id: can't be blank"),
        ({"account_id": "999999"}, 404, "Record not found"),
        ({"account_id": str(bob.id), "status_ids": [str(hers.id)]}, 404, "Record not found"),
        (
            {"account_id": str(bob.id), "category": "rude"},
            422,
            "Validation failed: category: must be one of spam, legal, violation, other",
        ),
        ({"account_id": str(alice.id)}, 422, "Validation failed: account_id: cannot be yourself"),
    ]
    for body, status, message in cases:
        response = await client.post("/api/v1/reports", headers=headers, json=body)
        assert response.status_code == status, body
        assert (await response.get_json())["error"] == message


# --- domain blocks -----------------------------------------------------------------------------


async def test_a_hidden_domain_leaves_home_and_notifications(client, svc):
    """Hiding a domain removes its posts from home and its notifications, keeps new ones out,
    and lists it; showing it again lets new posts in."""
    alice, headers = await user(svc, "alice")
    far = await remote_account(svc, "carol", host="far.example")
    near = await remote_account(svc, "dan", host="near.example")
    before = await remote_post(svc, far, "<p>before</p>", feed_ids=(alice.id,))
    kept = await remote_post(svc, near, "<p>kept</p>", feed_ids=(alice.id,))
    async with svc.db.write() as tx:
        await tx.execute(
            "INSERT INTO notifications (id, account_id, from_account_id, type, created_at)"
            " VALUES (1, ?, ?, 'follow', '2026-01-01T00:00:00.000Z')",
            (alice.id, far.id),
        )
    blocked = await client.post(
        "/api/v1/domain_blocks", headers=headers, form={"domain": "Far.Example"}
    )
    assert blocked.status_code == 200
    assert await blocked.get_json() == {}
    assert await home_ids(client, headers) == [kept.id]
    notes = await (await client.get("/api/v1/notifications", headers=headers)).get_json()
    assert notes == []
    await remote_post(svc, far, "<p>after</p>", feed_ids=(alice.id,))
    assert await home_ids(client, headers) == [kept.id]
    listed = await client.get("/api/v1/domain_blocks", headers=headers)
    assert await listed.get_json() == ["far.example"]
    assert "Link" in listed.headers
    shown = await client.delete(
        "/api/v1/domain_blocks", headers=headers, json={"domain": "far.example"}
    )
    assert shown.status_code == 200
    again = await remote_post(svc, far, "<p>again</p>", feed_ids=(alice.id,))
    assert await home_ids(client, headers) == [again.id, kept.id]
    assert before.id not in await home_ids(client, headers)
    assert await (await client.get("/api/v1/domain_blocks", headers=headers)).get_json() == []


async def test_bad_domains_are_refused(client, svc):
    """A missing domain, junk, or our own domain is 422 naming the field."""
    _, headers = await user(svc, "alice")
    cases = [
        ({}, "Validation failed: domain: can't be blank"),
        ({"domain": "not a domain"}, "Validation failed: domain: is not a domain name"),
        ({"domain": "localhost"}, "Validation failed: domain: is this server's own domain"),
    ]
    for body, message in cases:
        response = await client.post("/api/v1/domain_blocks", headers=headers, json=body)
        assert response.status_code == 422, body
        assert (await response.get_json())["error"] == message
