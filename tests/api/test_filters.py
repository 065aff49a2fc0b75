"""Filters through the client API: v2 CRUD with keywords and statuses, v1 as keyword rows, and
the matching statuses carry (`filtered`) or lose (`hide`)."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.filters import (
    FilterDraft,
    KeywordChange,
    create_filter,
    filter_results,
    keyword_matches,
)
from fedi.outbox.boosts import boost_post
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage.filters import FilterKeyword
from fedi.storage.rows import Account, Post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

FILTER_KEYS = {"id", "title", "context", "expires_at", "filter_action", "keywords", "statuses"}


async def post(svc: Services, author: Account, text: str, **fields: Any) -> Post:
    return await create_post(svc, author, PostDraft(text=text, **fields))


async def token_for(svc: Services, name: str) -> tuple[Account, dict[str, str]]:
    _, account = await make_user(svc, name)
    return account, bearer(await make_token(svc, account))


async def test_a_filter_is_created_with_keywords_from_form_data(client, svc):
    """Mastodon.py's form keys create a filter with its keywords; it is listed and readable."""
    _, headers = await token_for(svc, "alice")
    response = await client.post(
        "/api/v2/filters",
        headers=headers,
        form={
            "title": "Spoilers",
            "context[]": "home",
            "filter_action": "hide",
            "expires_in": "3600",
            "keywords_attributes[][keyword]": "finale",
            "keywords_attributes[][whole_word]": "false",
        },
    )
    assert response.status_code == 200, await response.get_json()
    body = await response.get_json()
    assert set(body) == FILTER_KEYS
    assert (body["title"], body["context"], body["filter_action"]) == ("Spoilers", ["home"], "hide")
    assert body["expires_at"].endswith("Z")
    assert [(k["keyword"], k["whole_word"]) for k in body["keywords"]] == [("finale", False)]
    assert body["statuses"] == []
    listed = await (await client.get("/api/v2/filters", headers=headers)).get_json()
    assert [f["id"] for f in listed] == [body["id"]]
    one = await (await client.get(f"/api/v2/filters/{body['id']}", headers=headers)).get_json()
    assert one == body


async def test_a_filter_is_changed_keywords_added_changed_and_destroyed(client, svc):
    """PUT changes fields and keywords (`_destroy` removes one); DELETE removes the filter."""
    _, headers = await token_for(svc, "alice")
    created = await (
        await client.post(
            "/api/v2/filters",
            headers=headers,
            json={
                "title": "Words",
                "context": ["home", "public"],
                "keywords_attributes": [{"keyword": "one"}, {"keyword": "two"}],
            },
        )
    ).get_json()
    one, two = created["keywords"]
    changed = await client.put(
        f"/api/v2/filters/{created['id']}",
        headers=headers,
        json={
            "title": "Renamed",
            "context": ["thread"],
            "filter_action": "warn",
            "keywords_attributes": [
                {"id": one["id"], "keyword": "uno", "whole_word": False},
                {"id": two["id"], "_destroy": True},
                {"keyword": "three"},
            ],
        },
    )
    assert changed.status_code == 200
    body = await changed.get_json()
    assert (body["title"], body["context"], body["expires_at"]) == ("Renamed", ["thread"], None)
    assert [(k["keyword"], k["whole_word"]) for k in body["keywords"]] == [
        ("uno", False),
        ("three", True),
    ]
    deleted = await client.delete(f"/api/v2/filters/{created['id']}", headers=headers)
    assert deleted.status_code == 200
    assert await deleted.get_json() == {}
    missing = await client.get(f"/api/v2/filters/{created['id']}", headers=headers)
    assert missing.status_code == 404
    assert (await missing.get_json())["error"] == "Record not found"


async def test_bad_filter_input_names_the_field(client, svc):
    """A blank title, no or unknown context, or an unknown action is 422 naming the field."""
    _, headers = await token_for(svc, "alice")
    cases = [
        ({"context": ["home"]}, "Validation failed: title: can't be blank"),
        ({"title": "x"}, "Validation failed: context: can't be blank"),
        (
            {"title": "x", "context": ["everywhere"]},
            "Validation failed: context: everywhere is not one of home, notifications, public, "
            "thread, account",
        ),
        (
            {"title": "x", "context": ["home"], "filter_action": "delete"},
            "Validation failed: filter_action: must be one of warn, hide, blur",
        ),
        (
            {"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": " "}]},
            "Validation failed: keyword: can't be blank",
        ),
    ]
    for body, message in cases:
        response = await client.post("/api/v2/filters", headers=headers, json=body)
        assert response.status_code == 422, body
        assert (await response.get_json())["error"] == message
    assert await (await client.get("/api/v2/filters", headers=headers)).get_json() == []


async def test_keywords_and_statuses_have_their_own_endpoints(client, svc):
    """Keywords and filtered statuses are added, read, changed and removed one by one."""
    alice, headers = await token_for(svc, "alice")
    created = await (
        await client.post(
            "/api/v2/filters", headers=headers, json={"title": "T", "context": ["home"]}
        )
    ).get_json()
    base = f"/api/v2/filters/{created['id']}"
    keyword = await (
        await client.post(base + "/keywords", headers=headers, form={"keyword": "cats"})
    ).get_json()
    assert (keyword["keyword"], keyword["whole_word"]) == ("cats", True)
    changed = await client.put(
        f"/api/v2/filters/keywords/{keyword['id']}", headers=headers, json={"whole_word": False}
    )
    assert (await changed.get_json())["whole_word"] is False
    listed = await (await client.get(base + "/keywords", headers=headers)).get_json()
    assert [k["keyword"] for k in listed] == ["cats"]
    mine = await post(svc, alice, "a post to hide")
    status = await client.post(
        base + "/statuses", headers=headers, json={"status_id": str(mine.id)}
    )
    assert status.status_code == 200
    entry = await status.get_json()
    assert entry["status_id"] == str(mine.id)
    twice = await client.post(base + "/statuses", headers=headers, json={"status_id": str(mine.id)})
    assert twice.status_code == 422
    one = await client.get(f"/api/v2/filters/statuses/{entry['id']}", headers=headers)
    assert await one.get_json() == entry
    full = await (await client.get(base, headers=headers)).get_json()
    assert full["statuses"] == [entry]
    assert (
        await client.delete(f"/api/v2/filters/statuses/{entry['id']}", headers=headers)
    ).status_code == 200
    assert (
        await client.delete(f"/api/v2/filters/keywords/{keyword['id']}", headers=headers)
    ).status_code == 200
    empty = await (await client.get(base, headers=headers)).get_json()
    assert (empty["keywords"], empty["statuses"]) == ([], [])
    _, bobs = await token_for(svc, "bob")
    theirs = await client.get(base + "/keywords", headers=bobs)
    assert theirs.status_code == 404


async def test_v1_filters_are_keywords_of_v2_filters(client, svc):
    """A v1 filter is one keyword of a v2 filter; irreversible is `hide`; deleting it removes
    the filter."""
    _, headers = await token_for(svc, "alice")
    created = await client.post(
        "/api/v1/filters",
        headers=headers,
        form={"phrase": "Brexit", "context[]": "home", "irreversible": "true", "whole_word": "1"},
    )
    assert created.status_code == 200
    v1 = await created.get_json()
    assert v1 == {
        "id": v1["id"],
        "phrase": "Brexit",
        "context": ["home"],
        "whole_word": True,
        "expires_at": None,
        "irreversible": True,
    }
    v2 = await (await client.get("/api/v2/filters", headers=headers)).get_json()
    assert [(f["title"], f["filter_action"]) for f in v2] == [("Brexit", "hide")]
    assert v2[0]["keywords"][0]["id"] == v1["id"]
    changed = await client.put(
        f"/api/v1/filters/{v1['id']}",
        headers=headers,
        json={"phrase": "Bremain", "context": ["home", "public"], "irreversible": False},
    )
    assert (await changed.get_json())["phrase"] == "Bremain"
    listed = await (await client.get("/api/v1/filters", headers=headers)).get_json()
    assert [(f["phrase"], f["context"], f["irreversible"]) for f in listed] == [
        ("Bremain", ["home", "public"], False)
    ]
    assert (await client.delete(f"/api/v1/filters/{v1['id']}", headers=headers)).status_code == 200
    assert await (await client.get("/api/v2/filters", headers=headers)).get_json() == []
    missing = await client.get(f"/api/v1/filters/{v1['id']}", headers=headers)
    assert missing.status_code == 404


def test_keywords_match_whole_words_only_where_asked():
    """Whole-word keywords match at word boundaries, case-insensitively; others anywhere."""

    def kw(text: str, whole: bool) -> FilterKeyword:
        return FilterKeyword(id=1, filter_id=1, keyword=text, whole_word=int(whole), created_at="")

    assert keyword_matches([kw("cat", True)], "A CAT sat") == ["cat"]
    assert keyword_matches([kw("cat", True)], "concatenate") == []
    assert keyword_matches([kw("cat", False)], "concatenate") == ["cat"]
    assert keyword_matches([kw("#tag", True)], "see #tag.") == ["#tag"]
    assert keyword_matches([kw("c++", True)], "I write C++ daily") == ["c++"]


async def test_list_timeline_hides_and_warns_by_home_filters(client, svc):
    """A `hide` filter of home drops matching posts from the list timeline; a `warn` filter
    adds `filtered` with keyword and status matches; an expired filter does nothing."""
    alice, headers = await token_for(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, alice, bob)
    hidden = await post(svc, bob, "the finale was great")
    warned = await post(svc, bob, "I like cats")
    picked = await post(svc, bob, "something else")
    plain = await post(svc, bob, "nothing to see")
    the_list = await (
        await client.post("/api/v1/lists", headers=headers, json={"title": "Bob"})
    ).get_json()
    await client.post(
        f"/api/v1/lists/{the_list['id']}/accounts",
        headers=headers,
        json={"account_ids": [str(bob.id)]},
    )
    await client.post(
        "/api/v2/filters",
        headers=headers,
        json={
            "title": "Spoilers",
            "context": ["home"],
            "filter_action": "hide",
            "keywords_attributes": [{"keyword": "finale"}],
        },
    )
    warn = await (
        await client.post(
            "/api/v2/filters",
            headers=headers,
            json={
                "title": "Pets",
                "context": ["home"],
                "keywords_attributes": [{"keyword": "cats"}],
            },
        )
    ).get_json()
    await client.post(
        f"/api/v2/filters/{warn['id']}/statuses",
        headers=headers,
        json={"status_id": str(picked.id)},
    )
    await client.post(
        "/api/v2/filters",
        headers=headers,
        json={
            "title": "Old",
            "context": ["home"],
            "filter_action": "hide",
            "expires_in": 1,
            "keywords_attributes": [{"keyword": "nothing"}],
        },
    )
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE filters SET expires_at = '2000-01-01T00:00:00.000Z' WHERE title = 'Old'"
        )
    body = await (
        await client.get(f"/api/v1/timelines/list/{the_list['id']}", headers=headers)
    ).get_json()
    assert [int(s["id"]) for s in body] == [plain.id, picked.id, warned.id]
    assert hidden.id not in [int(s["id"]) for s in body]
    assert body[0]["filtered"] == []
    assert [
        (f["filter"]["title"], f["keyword_matches"], f["status_matches"])
        for f in body[1]["filtered"]
    ] == [("Pets", None, [str(picked.id)])]
    assert [(f["filter"]["id"], f["keyword_matches"]) for f in body[2]["filtered"]] == [
        (warn["id"], ["cats"])
    ]


async def test_filter_results_match_a_boost_on_the_boosted_post(svc):
    """The statuses engineer's seam: a boost row is matched on its original, under both ids."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    original = await post(svc, bob, "spoilers inside")
    boost = await boost_post(svc, alice, original.id)
    await create_filter(
        svc,
        alice,
        FilterDraft(title="S", context=["public"], keywords=[KeywordChange(keyword="spoilers")]),
    )
    async with svc.db.read() as conn:
        found = await filter_results(conn, alice.id, [boost], "public")
        other_context = await filter_results(conn, alice.id, [boost], "home")
        anonymous = await filter_results(conn, None, [boost], "public")
    assert set(found) == {boost.id, original.id}
    assert found[boost.id][0].keyword_matches == ["spoilers"]
    assert other_context == {}
    assert anonymous == {}


async def test_filters_need_the_filters_scopes(client, svc):
    """read:filters reads; writing needs write:filters."""
    _, alice = await make_user(svc, "alice")
    reader = bearer(await make_token(svc, alice, scopes="read:filters"))
    assert (await client.get("/api/v2/filters", headers=reader)).status_code == 200
    assert (await client.get("/api/v1/filters", headers=reader)).status_code == 200
    denied = await client.post(
        "/api/v2/filters", headers=reader, json={"title": "x", "context": ["home"]}
    )
    assert denied.status_code == 403
    assert (await denied.get_json())["error"] == "This action is outside the authorized scopes"
