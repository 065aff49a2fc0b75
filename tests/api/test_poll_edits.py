"""Editing a status's poll through the client API (Mastodon 4.x `PUT /api/v1/statuses/:id`):
new options reset the votes, a new end keeps them, no poll removes it, the history shows each
version's poll."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.storage.clock import now_db
from tests.api import test_e2e_clients as e2e
from tests.api.statuses_helpers import api_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

live = e2e.live
"""The e2e module's `fedi serve` on a loopback port (a fixture), for the Mastodon.py test."""
POLL = {"options": ["Tea", "Coffee", "Water"], "expires_in": 3600}


async def _users(svc: Services) -> tuple[str, str]:
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    return await make_token(svc, alice), await make_token(svc, bob)


async def _put(client: Any, token: str, status_id: str, **fields: Any) -> Any:
    return await client.put(f"/api/v1/statuses/{status_id}", headers=bearer(token), json=fields)


async def _ok(response: Any) -> dict[str, Any]:
    body = await response.get_json()
    assert response.status_code == 200, body
    return body  # type: ignore[no-any-return]


async def _vote(client: Any, token: str, poll_id: str, choices: list[int]) -> dict[str, Any]:
    return await _ok(
        await client.post(
            f"/api/v1/polls/{poll_id}/votes", headers=bearer(token), json={"choices": choices}
        )
    )


async def _poll(client: Any, token: str, poll_id: str) -> dict[str, Any]:
    return await _ok(await client.get(f"/api/v1/polls/{poll_id}", headers=bearer(token)))


def _counts(poll: dict[str, Any]) -> list[int]:
    return [o["votes_count"] for o in poll["options"]]


async def test_new_options_reset_the_votes_and_voters_may_vote_again(client, svc):
    """Editing the options deletes every vote (nobody is notified); the voter votes afresh."""
    alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "What do you drink?", poll=POLL)
    await _vote(client, bob_token, status["id"], [1])
    before = await (await client.get("/api/v1/notifications", headers=bearer(bob_token))).get_json()

    edited = await _ok(
        await _put(
            client,
            alice_token,
            status["id"],
            status="What do you drink?",
            poll={"options": ["Tea", "Juice"], "expires_in": 3600},
        )
    )
    assert [o["title"] for o in edited["poll"]["options"]] == ["Tea", "Juice"]
    assert _counts(edited["poll"]) == [0, 0] and edited["poll"]["votes_count"] == 0
    assert edited["edited_at"] is not None

    seen = await _poll(client, bob_token, status["id"])
    assert seen["voted"] is False and seen["own_votes"] == []
    again = await _vote(client, bob_token, status["id"], [1])
    assert _counts(again) == [0, 1] and again["own_votes"] == [1]
    after = await (await client.get("/api/v1/notifications", headers=bearer(bob_token))).get_json()
    assert after == before  # Mastodon tells voters nothing when their votes go


async def test_switching_to_multiple_choice_resets_the_votes(client, svc):
    """Same options but several choices allowed: the old single votes go."""
    alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll=POLL)
    await _vote(client, bob_token, status["id"], [0])
    edited = await _ok(
        await _put(
            client, alice_token, status["id"], status="Drink?", poll={**POLL, "multiple": True}
        )
    )
    assert edited["poll"]["multiple"] is True and _counts(edited["poll"]) == [0, 0, 0]
    assert edited["poll"]["voters_count"] == 0


async def test_a_new_end_alone_keeps_the_votes(client, svc):
    """Same options, a longer poll: the votes stay, the poll ends later."""
    alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll=POLL)
    await _vote(client, bob_token, status["id"], [2])
    edited = await _ok(
        await _put(
            client,
            alice_token,
            status["id"],
            status="Drink? (a day to answer)",
            poll={**POLL, "expires_in": 86400, "hide_totals": True},
        )
    )
    assert _counts(edited["poll"]) == [0, 0, 1]
    assert edited["poll"]["expires_at"] > status["poll"]["expires_at"]
    assert (await _poll(client, bob_token, status["id"]))["own_votes"] == [2]
    # The end job moved with the poll's end.
    async with svc.db.read() as conn:
        row = await conn.fetchone(
            "SELECT j.next_attempt_at, p.expires_at FROM jobs j, polls p"
            " WHERE j.dedupe_key = ? AND p.post_id = ?",
            (f"poll-end:{status['id']}", int(status["id"])),
        )
    assert row is not None and row[0] == row[1]


async def test_an_edit_without_a_poll_removes_it(client, svc):
    """As Mastodon: PUT without `poll` leaves the status without its poll."""
    alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll=POLL)
    await _vote(client, bob_token, status["id"], [0])
    edited = await _ok(await _put(client, alice_token, status["id"], status="No poll after all"))
    assert edited["poll"] is None
    response = await client.get(f"/api/v1/polls/{status['id']}", headers=bearer(bob_token))
    assert response.status_code == 404
    assert "no poll" in (await response.get_json())["error"]


async def test_an_edit_may_add_a_poll(client, svc):
    """A status without a poll gets one by an edit."""
    alice_token, _ = await _users(svc)
    status = await api_post(client, alice_token, "Plain at first")
    edited = await _ok(
        await _put(client, alice_token, status["id"], status="Now a question?", poll=POLL)
    )
    assert [o["title"] for o in edited["poll"]["options"]] == ["Tea", "Coffee", "Water"]
    assert edited["poll"]["expired"] is False


async def test_bad_poll_edits_are_refused_naming_the_field(client, svc):
    """An edited poll is checked as a new one: 422 naming the field, and nothing changes."""
    alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll=POLL)
    await _vote(client, bob_token, status["id"], [0])
    cases = [
        ({"options": ["Only"], "expires_in": 3600}, {}, "poll[options]", "at least 2 options"),
        ({"options": ["A", "a"], "expires_in": 3600}, {}, "poll[options]", "must all be different"),
        ({"options": ["A", "B"], "expires_in": 60}, {}, "poll[expires_in]", "at least 5 minutes"),
        ({"options": ["A", "B"]}, {}, "poll[expires_in]", "how long the poll runs"),
        (POLL, {"media_ids": ["12345"]}, "poll", "both a poll and attached files"),
    ]
    for poll, extra, field, message in cases:
        response = await _put(
            client, alice_token, status["id"], status="Changed?", poll=poll, **extra
        )
        body = await response.get_json()
        assert response.status_code == 422, (poll, body)
        assert field in body["error"] and message in body["error"], (poll, body)
    shown = await _ok(
        await client.get(f"/api/v1/statuses/{status['id']}", headers=bearer(bob_token))
    )
    assert shown["edited_at"] is None and _counts(shown["poll"]) == [1, 0, 0]


async def test_the_history_shows_the_poll_of_each_version(client, svc):
    """StatusEdit `poll` has each version's option titles (null once the poll is gone)."""
    alice_token, _ = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll={**POLL, "options": ["A", "B"]})
    await _ok(
        await _put(
            client,
            alice_token,
            status["id"],
            status="Drink? Pick one.",
            poll={**POLL, "options": ["A", "B"]},
        )
    )
    await _ok(
        await _put(
            client,
            alice_token,
            status["id"],
            status="Drink? Pick one.",
            poll={**POLL, "options": ["C", "D"]},
        )
    )
    await _ok(await _put(client, alice_token, status["id"], status="No poll now."))
    history = await _ok(
        await client.get(f"/api/v1/statuses/{status['id']}/history", headers=bearer(alice_token))
    )
    assert [h["content"] for h in history] == [
        "<p>Drink?</p>",
        "<p>Drink? Pick one.</p>",
        "<p>Drink? Pick one.</p>",
        "<p>No poll now.</p>",
    ]
    assert [h["poll"] for h in history] == [
        {"options": [{"title": "A"}, {"title": "B"}]},
        {"options": [{"title": "A"}, {"title": "B"}]},
        {"options": [{"title": "C"}, {"title": "D"}]},
        None,
    ]


async def test_a_new_end_reopens_an_ended_poll(client, svc, run_jobs):
    """An ended poll edited with a new length runs again, and ends (and notifies) again."""
    alice_token, bob_token = await _users(svc)
    status = await api_post(client, alice_token, "Drink?", poll=POLL)
    await _vote(client, bob_token, status["id"], [0])
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE polls SET expires_at = '2000-01-01T00:00:00.000Z' WHERE post_id = ?",
            (int(status["id"]),),
        )
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE dedupe_key = ?",
            (f"poll-end:{status['id']}",),
        )
    await run_jobs()
    assert (await _poll(client, bob_token, status["id"]))["expired"] is True

    edited = await _ok(await _put(client, alice_token, status["id"], status="Drink?", poll=POLL))
    assert edited["poll"]["expired"] is False and _counts(edited["poll"]) == [1, 0, 0]
    async with svc.db.read() as conn:
        row = await conn.fetchone(
            "SELECT state, next_attempt_at FROM jobs WHERE dedupe_key = ?",
            (f"poll-end:{status['id']}",),
        )
    assert row is not None and row[0] == "pending" and row[1] > now_db()


def test_mastodon_py_edits_a_poll_and_reads_its_history(live):
    """Mastodon.py (a real client) edits a poll's options; the history shows both polls."""
    alice = e2e.password_session(live, "alice@example.com")
    bob = e2e.password_session(live, "bob@example.com")
    status = alice.status_post(
        "Tea or coffee?", poll=alice.make_poll(["Tea", "Coffee"], expires_in=600)
    )
    bob.poll_vote(status["poll"]["id"], [0])
    edited = alice.status_update(
        status["id"],
        "Tea, coffee or juice?",
        poll=alice.make_poll(["Tea", "Coffee", "Juice"], expires_in=600),
    )
    assert [o["title"] for o in edited["poll"]["options"]] == ["Tea", "Coffee", "Juice"]
    assert edited["poll"]["votes_count"] == 0
    assert bob.poll(status["poll"]["id"])["voted"] is False
    history = alice.status_history(status["id"])
    assert [[o["title"] for o in h["poll"]["options"]] for h in history] == [
        ["Tea", "Coffee"],
        ["Tea", "Coffee", "Juice"],
    ]
