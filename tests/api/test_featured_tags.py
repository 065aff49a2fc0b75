"""Featured hashtags through the client API: `/api/v1/featured_tags` (list, feature, unfeature,
suggestions) and `/api/v1/accounts/:id/featured_tags`, with counts from real posts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fedi.context import Services
from fedi.instance_info import MAX_FEATURED_TAGS
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.posts import create_post, delete_post, edit_post
from fedi.storage.rows import Account, Post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
FEATURED_TAG_FIELDS = {"id", "name", "url", "statuses_count", "last_status_at"}


async def post(svc: Services, author: Account, text: str, **fields: Any) -> Post:
    return await create_post(svc, author, PostDraft(text=text, **fields))


async def user(svc: Services, name: str, **kwargs: Any) -> tuple[Account, dict[str, str]]:
    _, account = await make_user(svc, name)
    return account, bearer(await make_token(svc, account, **kwargs))


def featured_tag_problems(data: Any) -> list[str]:
    """Every way a FeaturedTag breaks the shape Mastodon 4.x sends (strings, date or null)."""
    if not isinstance(data, dict):
        return [f"not an object: {data!r}"]
    problems = []
    if set(data) != FEATURED_TAG_FIELDS:
        problems.append(f"fields {sorted(data)} != {sorted(FEATURED_TAG_FIELDS)}")
    if not (isinstance(data.get("id"), str) and data["id"].isdigit()):
        problems.append(f"id {data.get('id')!r} is not a numeric string")
    if not (isinstance(data.get("name"), str) and data["name"]):
        problems.append(f"name {data.get('name')!r} is not a non-empty string")
    if not (isinstance(data.get("url"), str) and data["url"].startswith(("http://", "https://"))):
        problems.append(f"url {data.get('url')!r} is not an absolute URL")
    count = data.get("statuses_count")
    if not (isinstance(count, str) and count.isdigit()):
        problems.append(f"statuses_count {count!r} is not a decimal string")
    last = data.get("last_status_at", "missing")
    if last is not None and not (isinstance(last, str) and DATE.match(last)):
        problems.append(f"last_status_at {last!r} is not YYYY-MM-DD or null")
    return problems


async def feature(client: Any, headers: dict[str, str], name: str, *, json: bool = False) -> Any:
    if json:
        return await client.post("/api/v1/featured_tags", json={"name": name}, headers=headers)
    return await client.post("/api/v1/featured_tags", form={"name": name}, headers=headers)


async def test_featured_tags_count_public_and_unlisted_live_posts(client, svc):
    """Featured hashtags list how many public/unlisted live posts carry them and the last date."""
    alice, headers = await user(svc, "alice")
    await post(svc, alice, "first #Cats")
    await post(svc, alice, "quiet #cats", visibility="unlisted")
    await post(svc, alice, "followers only #cats", visibility="private")
    gone = await post(svc, alice, "oops #cats")
    await delete_post(svc, alice, gone.id)
    await post(svc, alice, "#dogs are fine")

    created = await feature(client, headers, "Cats")
    assert created.status_code == 200
    cats = await created.get_json()
    assert featured_tag_problems(cats) == []
    assert cats["name"] == "Cats"
    assert cats["statuses_count"] == "2"
    assert cats["last_status_at"] == datetime.now(UTC).date().isoformat()
    assert cats["url"] == svc.url("/@alice/tagged/cats")
    dogs = await (await feature(client, headers, "#dogs", json=True)).get_json()
    assert dogs["statuses_count"] == "1"

    listed = await client.get("/api/v1/featured_tags", headers=headers)
    assert listed.status_code == 200
    body = await listed.get_json()
    assert [(t["name"], t["statuses_count"]) for t in body] == [("Cats", "2"), ("dogs", "1")]
    assert all(featured_tag_problems(t) == [] for t in body)
    assert [t["id"] for t in body] == [cats["id"], dogs["id"]]


async def test_editing_a_hashtag_out_of_a_post_updates_the_count(client, svc):
    """A post edited to drop the hashtag no longer counts; one edited to add it does."""
    alice, headers = await user(svc, "alice")
    first = await post(svc, alice, "about #cats")
    second = await post(svc, alice, "about nothing")
    await feature(client, headers, "cats")
    await edit_post(svc, alice, first.id, PostEdit(text="about dogs"))
    listed = await (await client.get("/api/v1/featured_tags", headers=headers)).get_json()
    assert [(t["statuses_count"], t["last_status_at"]) for t in listed] == [("0", None)]
    await edit_post(svc, alice, second.id, PostEdit(text="about #cats after all"))
    listed = await (await client.get("/api/v1/featured_tags", headers=headers)).get_json()
    assert listed[0]["statuses_count"] == "1"


async def test_featuring_a_tag_never_used_shows_zero_and_no_date(client, svc):
    """A hashtag not used yet is featured with 0 posts and a null last_status_at."""
    _, headers = await user(svc, "alice")
    response = await feature(client, headers, "someday")
    assert response.status_code == 200
    body = await response.get_json()
    assert featured_tag_problems(body) == []
    assert body["statuses_count"] == "0"
    assert body["last_status_at"] is None


async def test_featuring_the_same_tag_again_returns_the_same_one(client, svc):
    """Featuring an already featured hashtag (any case) returns it and adds nothing."""
    _, headers = await user(svc, "alice")
    first = await (await feature(client, headers, "Art")).get_json()
    again = await feature(client, headers, "art")
    assert again.status_code == 200
    assert (await again.get_json())["id"] == first["id"]
    listed = await (await client.get("/api/v1/featured_tags", headers=headers)).get_json()
    assert [t["name"] for t in listed] == ["Art"]


async def test_featuring_past_the_limit_is_refused_naming_the_field(client, svc):
    """One more hashtag than max_featured_tags is a 422 naming `name`; nothing is added."""
    _, headers = await user(svc, "alice")
    for i in range(MAX_FEATURED_TAGS):
        assert (await feature(client, headers, f"tag{i}")).status_code == 200
    response = await feature(client, headers, "onemore")
    assert response.status_code == 422
    body = await response.get_json()
    assert body["error"] == (
        f"Validation failed: name: You can feature up to {MAX_FEATURED_TAGS} hashtags."
        " Remove one before adding another."
    )
    assert "name" in body["details"]
    listed = await (await client.get("/api/v1/featured_tags", headers=headers)).get_json()
    assert len(listed) == MAX_FEATURED_TAGS
    assert "onemore" not in [t["name"] for t in listed]


async def test_featuring_something_that_is_not_a_hashtag_is_refused(client, svc):
    """Digits only, spaces, punctuation or nothing are 422 errors naming `name`."""
    _, headers = await user(svc, "alice")
    for bad in ("1234", "two words", "a-b", "#"):
        response = await feature(client, headers, bad)
        assert response.status_code == 422, bad
        body = await response.get_json()
        assert body["error"].startswith("Validation failed: name: "), body
        assert "name" in body["details"]
    empty = await feature(client, headers, "")
    assert (await empty.get_json())["error"] == (
        "Validation failed: name: Enter the hashtag to feature."
    )
    not_a_tag = await feature(client, headers, "two words")
    assert (await not_a_tag.get_json())["error"] == (
        "Validation failed: name: Not a valid hashtag: use letters, digits and underscores"
        " (not only digits), without spaces."
    )
    assert await (await client.get("/api/v1/featured_tags", headers=headers)).get_json() == []


async def test_unfeaturing_own_tag_returns_empty_object_and_it_is_gone(client, svc):
    """DELETE of one's own featured hashtag answers {} and it leaves the list."""
    _, headers = await user(svc, "alice")
    tag = await (await feature(client, headers, "cats")).get_json()
    response = await client.delete(f"/api/v1/featured_tags/{tag['id']}", headers=headers)
    assert response.status_code == 200
    assert await response.get_json() == {}
    assert await (await client.get("/api/v1/featured_tags", headers=headers)).get_json() == []
    again = await client.delete(f"/api/v1/featured_tags/{tag['id']}", headers=headers)
    assert again.status_code == 404
    assert (await again.get_json())["error"] == "Record not found"


async def test_unfeaturing_someone_elses_tag_is_not_found(client, svc):
    """Deleting another user's featured hashtag is a 404 and theirs stays."""
    _, alice_headers = await user(svc, "alice")
    _, bob_headers = await user(svc, "bob")
    tag = await (await feature(client, alice_headers, "cats")).get_json()
    response = await client.delete(f"/api/v1/featured_tags/{tag['id']}", headers=bob_headers)
    assert response.status_code == 404
    assert (await response.get_json())["error"] == "Record not found"
    listed = await (await client.get("/api/v1/featured_tags", headers=alice_headers)).get_json()
    assert [t["id"] for t in listed] == [tag["id"]]


async def test_suggestions_are_the_most_used_tags_not_featured_yet(client, svc):
    """Suggestions list the user's most used hashtags, most used first, without featured ones."""
    alice, headers = await user(svc, "alice")
    bob, _ = await user(svc, "bob")
    for text in ("#rust #python", "#python", "#python #go", "#rust", "#python"):
        await post(svc, alice, text)
    await post(svc, bob, "#elixir #elixir")
    await post(svc, alice, "#secret", visibility="private")
    response = await client.get("/api/v1/featured_tags/suggestions", headers=headers)
    assert response.status_code == 200
    body = await response.get_json()
    assert [t["name"] for t in body] == ["python", "rust", "go"]
    assert body[0]["url"] == svc.url("/tags/python")
    assert len(body[0]["history"]) == 7
    assert body[0]["history"][0]["uses"] == "4"
    await feature(client, headers, "python")
    after = await (
        await client.get("/api/v1/featured_tags/suggestions", headers=headers)
    ).get_json()
    assert [t["name"] for t in after] == ["rust", "go"]


async def test_anyone_sees_an_accounts_featured_tags_without_a_token(client, svc):
    """Another account's featured hashtags are listed logged out, with counts."""
    alice, headers = await user(svc, "alice")
    await post(svc, alice, "#cats again")
    await feature(client, headers, "cats")
    response = await client.get(f"/api/v1/accounts/{alice.id}/featured_tags")
    assert response.status_code == 200
    body = await response.get_json()
    assert [(t["name"], t["statuses_count"]) for t in body] == [("cats", "1")]
    assert all(featured_tag_problems(t) == [] for t in body)
    bob, bob_headers = await user(svc, "bob")
    seen = await client.get(f"/api/v1/accounts/{alice.id}/featured_tags", headers=bob_headers)
    assert await seen.get_json() == body
    none = await client.get(f"/api/v1/accounts/{bob.id}/featured_tags")
    assert await none.get_json() == []


async def test_unknown_accounts_featured_tags_are_not_found(client, svc):
    """An unknown account id is a 404 with a JSON error."""
    response = await client.get("/api/v1/accounts/987654321/featured_tags")
    assert response.status_code == 404
    assert (await response.get_json())["error"] == "Record not found"


async def test_featured_tags_need_a_token_and_the_right_scope(client, svc):
    """No token: 401; a read-only token cannot feature (403)."""
    assert (await client.get("/api/v1/featured_tags")).status_code == 401
    assert (await client.get("/api/v1/featured_tags/suggestions")).status_code == 401
    missing = await client.post("/api/v1/featured_tags", form={"name": "cats"})
    assert missing.status_code == 401
    _, read_only = await user(svc, "alice", scopes="read")
    refused = await feature(client, read_only, "cats")
    assert refused.status_code == 403
    assert "error" in await refused.get_json()
    listed = await client.get("/api/v1/featured_tags", headers=read_only)
    assert listed.status_code == 200


async def test_a_featured_tag_says_featuring_on_the_tag_entity(client, svc):
    """`GET /api/v1/tags/:name` says `featuring` true for the viewer who features it, false
    for others, and false again once it is unfeatured."""
    _, headers = await user(svc, "alice")
    _, others = await user(svc, "bob")
    featured = await client.post("/api/v1/featured_tags", headers=headers, json={"name": "Cats"})
    assert featured.status_code == 200, await featured.get_json()
    tag = await (await client.get("/api/v1/tags/cats", headers=headers)).get_json()
    assert tag["featuring"] is True and tag["following"] is False
    assert (await (await client.get("/api/v1/tags/cats", headers=others)).get_json())[
        "featuring"
    ] is False
    featured_id = (await featured.get_json())["id"]
    await client.delete(f"/api/v1/featured_tags/{featured_id}", headers=headers)
    tag = await (await client.get("/api/v1/tags/cats", headers=headers)).get_json()
    assert tag["featuring"] is False
