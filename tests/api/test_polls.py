"""Polls through the client API: posting one with a status, reading it, voting, its end."""

from __future__ import annotations

from typing import Any

import pytest
from mastodon import MastodonAPIError

from fedi.context import Services
from fedi.polls import rules
from tests.api import test_e2e_clients as e2e
from tests.api.entity_schema import BOOL, ID, INT, LIST, STR, TIME, _table, status_problems
from tests.api.statuses_helpers import api_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

live = e2e.live
"""The e2e module's `fedi serve` on a loopback port (a fixture), for the Mastodon.py test."""
POLL = {"options": ["Tea", "Coffee", "Water"], "expires_in": 3600}


async def _users(svc: Services) -> tuple[Any, Any, str, str]:
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    return alice, bob, await make_token(svc, alice), await make_token(svc, bob)


async def _error(response: Any, status: int = 422) -> str:
    body = await response.get_json()
    assert response.status_code == status, body
    return str(body["error"])


async def _vote(client: Any, token: str, poll_id: str, choices: list[int]) -> Any:
    return await client.post(
        f"/api/v1/polls/{poll_id}/votes", headers=bearer(token), json={"choices": choices}
    )


async def _end_now(svc: Services, post_id: int) -> None:
    """Move a poll's end (and its end job) into the past, as if the time had come."""
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE polls SET expires_at = '2000-01-01T00:00:00.000Z' WHERE post_id = ?",
            (post_id,),
        )
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE dedupe_key = ?",
            (f"poll-end:{post_id}",),
        )


async def test_a_status_with_a_poll_shows_the_poll(client, svc):
    """A status posted with `poll[...]` carries a complete Poll entity."""
    _, _, token, _ = await _users(svc)
    body = await api_post(client, token, "What do you drink?", poll=POLL)
    poll = body["poll"]
    assert poll["id"] == body["id"]
    assert poll["options"] == [
        {"title": "Tea", "votes_count": 0},
        {"title": "Coffee", "votes_count": 0},
        {"title": "Water", "votes_count": 0},
    ]
    assert poll["expired"] is False and poll["multiple"] is False
    assert poll["votes_count"] == 0 and poll["voters_count"] is None
    assert poll["expires_at"].endswith("Z") and poll["emojis"] == []
    assert poll["voted"] is True and poll["own_votes"] == []  # one's own poll counts as voted


async def test_form_encoded_poll_parameters_work(client, svc):
    """`poll[options][]=...&poll[expires_in]=...&poll[multiple]=1` as Tusky sends them."""
    _, _, token, _ = await _users(svc)
    response = await client.post(
        "/api/v1/statuses",
        headers={**bearer(token), "Content-Type": "application/x-www-form-urlencoded"},
        data="status=Pick&poll[options][]=A&poll[options][]=B"
        "&poll[expires_in]=300&poll[multiple]=1&poll[hide_totals]=0",
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    assert [o["title"] for o in body["poll"]["options"]] == ["A", "B"]
    assert body["poll"]["multiple"] is True and body["poll"]["voters_count"] == 0


async def test_bad_polls_are_refused_naming_the_field(client, svc):
    """Too few or too many options, long or repeated ones, bad durations: 422 naming the field."""
    _, _, token, _ = await _users(svc)
    cases = [
        ({"options": ["Only"], "expires_in": 3600}, "poll[options]", "at least 2 options"),
        ({"options": list("ABCDE"), "expires_in": 3600}, "poll[options]", "at most 4 options"),
        ({"options": ["A", "x" * 51], "expires_in": 3600}, "poll[options]", "50 characters"),
        ({"options": ["A", "a"], "expires_in": 3600}, "poll[options]", "must all be different"),
        ({"options": ["A", ""], "expires_in": 3600}, "poll[options]", "cannot be empty"),
        ({"options": ["A", "B"], "expires_in": 60}, "poll[expires_in]", "at least 5 minutes"),
        ({"options": ["A", "B"], "expires_in": 99_999_999}, "poll[expires_in]", "at most a month"),
        ({"options": ["A", "B"]}, "poll[expires_in]", "how long the poll runs"),
    ]
    for poll, field, message in cases:
        response = await client.post(
            "/api/v1/statuses", headers=bearer(token), json={"status": "Q?", "poll": poll}
        )
        error = await _error(response)
        assert field in error and message in error, (poll, error)


async def test_a_poll_with_media_is_refused(client, svc):
    """A poll and attached files together: 422, as Mastodon answers."""
    _, _, token, _ = await _users(svc)
    response = await client.post(
        "/api/v1/statuses",
        headers=bearer(token),
        json={"status": "Q?", "poll": POLL, "media_ids": ["12345"]},
    )
    error = await _error(response)
    assert "poll" in error and "both a poll and attached files" in error


async def test_instance_advertises_the_limits_it_enforces(client):
    """`configuration.polls` in instance v1 and v2 is what the server checks."""
    expected = {
        "max_options": rules.POLL_MAX_OPTIONS,
        "max_characters_per_option": rules.POLL_MAX_CHARACTERS_PER_OPTION,
        "min_expiration": rules.POLL_MIN_EXPIRATION,
        "max_expiration": rules.POLL_MAX_EXPIRATION,
    }
    for path in ("/api/v1/instance", "/api/v2/instance"):
        body = await (await client.get(path)).get_json()
        assert body["configuration"]["polls"] == expected


async def test_voting_counts_and_shows_own_votes(client, svc):
    """Bob votes; the poll answers with his choice, and everyone sees the new counts."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll=POLL)
    response = await _vote(client, bob_token, status["id"], [1])
    poll = await response.get_json()
    assert response.status_code == 200, poll
    assert poll["voted"] is True and poll["own_votes"] == [1]
    assert [o["votes_count"] for o in poll["options"]] == [0, 1, 0]
    assert poll["votes_count"] == 1
    again = await client.get(f"/api/v1/polls/{status['id']}", headers=bearer(alice_token))
    assert [o["votes_count"] for o in (await again.get_json())["options"]] == [0, 1, 0]
    anonymous = await (await client.get(f"/api/v1/polls/{status['id']}")).get_json()
    assert "own_votes" not in anonymous and anonymous["votes_count"] == 1
    shown = await (
        await client.get(f"/api/v1/statuses/{status['id']}", headers=bearer(bob_token))
    ).get_json()
    assert shown["poll"]["own_votes"] == [1]


async def test_multiple_choice_counts_voters_once(client, svc):
    """In a multiple-choice poll, two choices add two votes and one voter."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Which?", poll={**POLL, "multiple": True})
    poll = await (await _vote(client, bob_token, status["id"], [0, 2])).get_json()
    assert [o["votes_count"] for o in poll["options"]] == [1, 0, 1]
    assert poll["votes_count"] == 2 and poll["voters_count"] == 1
    assert poll["own_votes"] == [0, 2]


async def test_refused_votes_say_why(client, svc):
    """Voting twice, in one's own poll, for a missing option or twice the same: 422."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll=POLL)
    poll_id = status["id"]
    assert "your own poll" in await _error(await _vote(client, alice_token, poll_id, [0]))
    assert "does not exist" in await _error(await _vote(client, bob_token, poll_id, [3]))
    assert "only one choice" in await _error(await _vote(client, bob_token, poll_id, [0, 1]))
    assert "Choose an option" in await _error(await _vote(client, bob_token, poll_id, []))
    assert (await _vote(client, bob_token, poll_id, [0])).status_code == 200
    assert "already voted" in await _error(await _vote(client, bob_token, poll_id, [1]))
    multi = await api_post(client, alice_token, "Which?", poll={**POLL, "multiple": True})
    assert "only once" in await _error(await _vote(client, bob_token, multi["id"], [1, 1]))


async def test_unknown_poll_is_404(client, svc):
    """A status without a poll, or no status at all: 404 JSON."""
    _, _, token, _ = await _users(svc)
    plain = await api_post(client, token, "no poll here")
    assert "no poll" in await _error(await client.get(f"/api/v1/polls/{plain['id']}"), 404)
    assert (await client.get("/api/v1/polls/999")).status_code == 404


async def test_hidden_totals_show_only_after_the_end(client, svc, run_jobs):
    """With `hide_totals`, voters see no counts until the poll ends; the author always does."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Secret?", poll={**POLL, "hide_totals": True})
    poll = await (await _vote(client, bob_token, status["id"], [0])).get_json()
    assert [o["votes_count"] for o in poll["options"]] == [None, None, None]
    author_view = await client.get(f"/api/v1/polls/{status['id']}", headers=bearer(alice_token))
    assert [o["votes_count"] for o in (await author_view.get_json())["options"]] == [1, 0, 0]
    await _end_now(svc, int(status["id"]))
    ended = await client.get(f"/api/v1/polls/{status['id']}", headers=bearer(bob_token))
    body = await ended.get_json()
    assert body["expired"] is True
    assert [o["votes_count"] for o in body["options"]] == [1, 0, 0]


async def test_an_ended_poll_refuses_votes_and_notifies(client, svc, run_jobs):
    """When the poll ends, voters and the author get a `poll` notification; votes are refused."""
    alice, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll=POLL)
    await _vote(client, bob_token, status["id"], [2])
    await _end_now(svc, int(status["id"]))
    await run_jobs()
    _, carol = await make_user(svc, "carol")
    carol_token = await make_token(svc, carol)
    assert "already ended" in await _error(await _vote(client, carol_token, status["id"], [0]))
    for token in (alice_token, bob_token):
        found = await (await client.get("/api/v1/notifications", headers=bearer(token))).get_json()
        polls = [n for n in found if n["type"] == "poll"]
        assert len(polls) == 1, found
        assert polls[0]["status"]["id"] == status["id"]
        assert polls[0]["account"]["id"] == str(alice.id)
        assert polls[0]["status"]["poll"]["expired"] is True
    await run_jobs()  # a second run notifies nobody twice
    found = await (await client.get("/api/v1/notifications", headers=bearer(bob_token))).get_json()
    assert len([n for n in found if n["type"] == "poll"]) == 1


async def test_home_timeline_carries_polls(client, svc):
    """Statuses in a timeline page carry their polls, with the viewer's own votes."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll=POLL)
    await api_post(client, alice_token, "plain")
    await _vote(client, bob_token, status["id"], [0])
    page = await (
        await client.get(
            "/api/v1/accounts/" + status["account"]["id"] + "/statuses", headers=bearer(bob_token)
        )
    ).get_json()
    assert page[0]["poll"] is None
    assert page[1]["poll"]["own_votes"] == [0]


POLL_R = {
    "id": ID,
    "expired": BOOL,
    "multiple": BOOL,
    "votes_count": INT,
    "options": LIST,
    "emojis": LIST,
}
POLL_N = {"expires_at": TIME, "voters_count": INT}
POLL_VIEWER_R = {"voted": BOOL, "own_votes": LIST}
OPTION_R = {"title": STR}
OPTION_N = {"votes_count": INT}


def _poll_problems(poll: Any, *, authenticated: bool) -> list[str]:
    problems = _table("poll", poll, POLL_R, POLL_N)
    if authenticated:
        problems += _table("poll", poll, POLL_VIEWER_R)
    for index, option in enumerate(poll.get("options") or []):
        problems += _table(f"poll.options[{index}]", option, OPTION_R, OPTION_N)
    return problems


async def test_poll_entities_are_strict(client, svc):
    """Polls in statuses and on their own have every field strict apps need (reference §6.6)."""
    _, _, alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Which?", poll={**POLL, "multiple": True})
    assert status_problems(status, authenticated=True) == []
    await _vote(client, bob_token, status["id"], [0])
    for token in (bob_token, None):
        headers = bearer(token) if token else {}
        shown = await (
            await client.get(f"/api/v1/statuses/{status['id']}", headers=headers)
        ).get_json()
        assert status_problems(shown, authenticated=token is not None) == []
        assert _poll_problems(shown["poll"], authenticated=token is not None) == []
        alone = await (
            await client.get(f"/api/v1/polls/{status['id']}", headers=headers)
        ).get_json()
        assert _poll_problems(alone, authenticated=token is not None) == []


def test_mastodon_py_posts_reads_and_votes_in_a_poll(live):
    """Mastodon.py (a real client) posts a poll, another user votes, both read the result."""
    alice = e2e.password_session(live, "alice@example.com")
    bob = e2e.password_session(live, "bob@example.com")
    poll = alice.make_poll(["Tea", "Coffee"], expires_in=600, multiple=False)
    status = alice.status_post("Tea or coffee?", poll=poll)
    assert [o["title"] for o in status["poll"]["options"]] == ["Tea", "Coffee"]
    voted = bob.poll_vote(status["poll"]["id"], [1])
    assert voted["voted"] is True and voted["own_votes"] == [1]
    seen = alice.poll(status["poll"]["id"])
    assert [o["votes_count"] for o in seen["options"]] == [0, 1] and seen["votes_count"] == 1
    with pytest.raises(MastodonAPIError, match="already voted"):
        bob.poll_vote(status["poll"]["id"], [0])
