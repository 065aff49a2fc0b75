"""Filters applied where statuses are read through the API: home, public, hashtag, an account's
statuses, a thread and a single status carry `filtered` for `warn` matches and lose `hide` ones."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.outbox.boosts import boost_post
from fedi.outbox.interactions import follow_account
from fedi.storage.rows import Account
from tests.api.statuses_helpers import api_post
from tests.api.test_timelines import _traced
from tests.api.tokens import bearer, make_token
from tests.factories import make_user


async def _user(svc: Services, name: str) -> tuple[Account, str]:
    _, account = await make_user(svc, name)
    return account, await make_token(svc, account)


async def _filter(
    client: Any, token: str, title: str, keyword: str, context: list[str], action: str = "warn"
) -> dict[str, Any]:
    response = await client.post(
        "/api/v2/filters",
        headers=bearer(token),
        json={
            "title": title,
            "context": context,
            "filter_action": action,
            "keywords_attributes": [{"keyword": keyword}],
        },
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    return body  # type: ignore[no-any-return]


async def _statuses(client: Any, path: str, token: str | None) -> list[dict[str, Any]]:
    response = await client.get(path, headers=bearer(token) if token else {})
    body = await response.get_json()
    assert response.status_code == 200, body
    return body  # type: ignore[no-any-return]


def _ids(statuses: list[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in statuses]


def _matches(status: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(f["filter"]["title"], f["keyword_matches"]) for f in status["filtered"]]


async def test_warn_filter_marks_statuses_on_home_and_on_their_own(client, svc):
    """A `warn` filter of home gives matching statuses `filtered` (the FilterResult with the
    keyword) on the home timeline and on `GET /api/v1/statuses/:id`; others get `[]`."""
    alice, alice_token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    await follow_account(svc, alice, bob)
    cats = await api_post(client, bob_token, "I like cats a lot")
    plain = await api_post(client, bob_token, "nothing special")
    made = await _filter(client, alice_token, "Pets", "cats", ["home"])

    home = await _statuses(client, "/api/v1/timelines/home", alice_token)
    assert _ids(home) == [plain["id"], cats["id"]]
    assert home[0]["filtered"] == []
    assert _matches(home[1]) == [("Pets", ["cats"])]
    assert home[1]["filtered"][0]["filter"]["id"] == made["id"]
    assert home[1]["filtered"][0]["filter"]["context"] == ["home"]
    assert home[1]["filtered"][0]["status_matches"] is None

    single = await client.get(f"/api/v1/statuses/{cats['id']}", headers=bearer(alice_token))
    assert single.status_code == 200
    assert _matches(await single.get_json()) == [("Pets", ["cats"])]
    many = await _statuses(client, f"/api/v1/statuses?id[]={cats['id']}", alice_token)
    assert _matches(many[0]) == [("Pets", ["cats"])]
    # Someone else's filters are not theirs to see; a logged-out reader gets no `filtered`.
    other = await client.get(f"/api/v1/statuses/{cats['id']}", headers=bearer(bob_token))
    assert (await other.get_json())["filtered"] == []
    anonymous = await client.get(f"/api/v1/statuses/{cats['id']}")
    assert "filtered" not in await anonymous.get_json()


async def test_hide_filter_drops_posts_from_home_and_public(client, svc):
    """A `hide` filter of home and public leaves matching posts (and boosts of them) out of
    both timelines for its owner; logged-out readers and other contexts are unaffected."""
    alice, alice_token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    carol, carol_token = await _user(svc, "carol")
    await follow_account(svc, alice, bob)
    spoiler = await api_post(client, carol_token, "the finale was great #tv")
    plain = await api_post(client, bob_token, "a quiet day #tv")
    boost = await boost_post(svc, bob, int(spoiler["id"]))
    await _filter(client, alice_token, "Spoilers", "finale", ["home", "public"], "hide")

    home = await _statuses(client, "/api/v1/timelines/home", alice_token)
    assert _ids(home) == [plain["id"]]
    public = await _statuses(client, "/api/v1/timelines/public", alice_token)
    assert _ids(public) == [plain["id"]]
    tagged = await _statuses(client, "/api/v1/timelines/tag/tv", alice_token)
    assert _ids(tagged) == [plain["id"]]

    everyone = await _statuses(client, "/api/v1/timelines/public", None)
    assert _ids(everyone) == [plain["id"], spoiler["id"]]
    bobs_home = await _statuses(client, "/api/v1/timelines/home", bob_token)
    assert _ids(bobs_home) == [str(boost.id), plain["id"]]
    # A hide filter never makes a status 404: on its own it is reported, not hidden.
    single = await client.get(f"/api/v1/statuses/{spoiler['id']}", headers=bearer(alice_token))
    assert single.status_code == 200
    assert _matches(await single.get_json()) == [("Spoilers", ["finale"])]


async def test_a_public_only_filter_leaves_home_alone(client, svc):
    """A filter applies in its contexts only: a public `hide` filter keeps the post at home."""
    alice, alice_token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    await follow_account(svc, alice, bob)
    noisy = await api_post(client, bob_token, "football scores")
    await _filter(client, alice_token, "Sport", "football", ["public"], "hide")
    home = await _statuses(client, "/api/v1/timelines/home", alice_token)
    assert _ids(home) == [noisy["id"]] and home[0]["filtered"] == []
    assert await _statuses(client, "/api/v1/timelines/public", alice_token) == []


async def test_thread_and_account_filters(client, svc):
    """Thread filters hide or mark replies in a status's context; account filters mark the
    statuses of a profile."""
    alice, alice_token = await _user(svc, "alice")
    bob, bob_token = await _user(svc, "bob")
    root = await api_post(client, bob_token, "what do you think?")
    rude = await api_post(client, bob_token, "something rude", in_reply_to_id=root["id"])
    cats = await api_post(client, bob_token, "cats, obviously", in_reply_to_id=root["id"])
    await _filter(client, alice_token, "Rude", "rude", ["thread"], "hide")
    await _filter(client, alice_token, "Pets", "cats", ["thread", "account"])

    response = await client.get(
        f"/api/v1/statuses/{root['id']}/context", headers=bearer(alice_token)
    )
    context = await response.get_json()
    assert response.status_code == 200
    assert _ids(context["descendants"]) == [cats["id"]]
    assert _matches(context["descendants"][0]) == [("Pets", ["cats"])]
    anonymous = await (await client.get(f"/api/v1/statuses/{root['id']}/context")).get_json()
    assert _ids(anonymous["descendants"]) == [rude["id"], cats["id"]]

    profile = await _statuses(client, f"/api/v1/accounts/{bob.id}/statuses", alice_token)
    assert _ids(profile) == [cats["id"], rude["id"], root["id"]]
    assert _matches(profile[0]) == [("Pets", ["cats"])]
    assert profile[1]["filtered"] == [] and profile[2]["filtered"] == []


async def test_filters_cost_one_query_and_none_for_anonymous_readers(client, svc):
    """The viewer's filters are read once per page; a logged-out page never reads them."""
    alice, alice_token = await _user(svc, "alice")
    for i in range(3):
        await api_post(client, alice_token, f"post {i} #tag")
    await _filter(client, alice_token, "Word", "post", ["home", "public"])
    await _statuses(client, "/api/v1/timelines/home", alice_token)  # the token is cached now
    statements = await _traced(svc)
    home = await _statuses(client, "/api/v1/timelines/home", alice_token)
    assert len(home) == 3 and all(_matches(s) == [("Word", ["post"])] for s in home)
    assert len([s for s in statements if "FROM filters " in s]) == 1, statements
    statements.clear()
    assert len(await _statuses(client, "/api/v1/timelines/public", None)) == 3
    assert len(await _statuses(client, "/api/v1/timelines/tag/tag", None)) == 3
    assert not [s for s in statements if "filters" in s], statements
