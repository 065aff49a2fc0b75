"""Another server's edited polls and ended polls, as Mastodon sends and serves them: an
Update{Question} with new options resets our voters' votes (new tallies alone keep them), an
Update{Note} removes the poll, and at its end the Question is fetched from its origin for the
final results. Another server is a FakeRemote on 127.0.0.1 that signs what it sends.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

from typing import Any

import pytest

from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.errors import NotFound
from fedi.notifications import list_notifications
from fedi.polls.editing import history_polls
from fedi.polls.voting import get_poll, vote
from fedi.storage import posts as post_store
from fedi.storage.rows import Account, Post, User
from tests.factories import make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    Peer,
    RemoteActor,
    config,
    deliver,
    fast_instance_keys,
    http,
    peer,
)

PAST = "2000-01-01T00:00:00Z"


@pytest.fixture
async def alice_user(svc: Services) -> tuple[User, Account]:
    return await make_user(svc, "alice")


@pytest.fixture
def alice(alice_user: tuple[User, Account]) -> Account:
    return alice_user[1]


@pytest.fixture
def bob(peer: Peer) -> RemoteActor:
    return peer.actor("bob")


async def _send(client: Any, run_jobs: Any, actor: RemoteActor, activity: dict) -> None:
    response = await deliver(client, actor, activity)
    assert response.status_code == 202, await response.get_data()
    await run_jobs()


def _options(names: list[tuple[str, int]]) -> list[dict[str, Any]]:
    return [
        {"type": "Note", "name": n, "replies": {"type": "Collection", "totalItems": c}}
        for n, c in names
    ]


def _question(actor: RemoteActor, options: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    return actor.note(
        "<p>Pick one</p>",
        type="Question",
        oneOf=_options(options),
        endTime="2099-01-01T00:00:00Z",
        votersCount=sum(c for _, c in options),
        **extra,
    )


async def _stored(svc: Services, uri: str) -> Post:
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, uri)
    assert post is not None
    return post


async def _voted_question(
    svc: Services, client: Any, run_jobs: Any, alice: Account, bob: RemoteActor
) -> tuple[dict[str, Any], Post]:
    """Bob's Question stored here, with Alice's vote for "Yes" in it."""
    question = _question(bob, [("Yes", 3), ("No", 1)])
    await _send(client, run_jobs, bob, bob.create(question))
    post = await _stored(svc, question["id"])
    await vote(svc, alice, post.id, [0])
    await run_jobs()
    return question, post


async def test_new_options_in_an_update_reset_our_votes(svc, client, run_jobs, alice, bob):
    """Mastodon deletes the votes when the options change; so do we: Alice may vote again."""
    question, post = await _voted_question(svc, client, run_jobs, alice, bob)
    edited = {
        **question,
        "oneOf": _options([("Yes", 0), ("No", 0), ("Maybe", 0)]),
        "votersCount": 0,
        "updated": "2099-01-01T00:00:00Z",
    }
    await _send(client, run_jobs, bob, bob.activity("Update", edited))
    poll = await get_poll(svc, alice.id, post.id)
    assert [(o.title, o.votes) for o in poll.options] == [("Yes", 0), ("No", 0), ("Maybe", 0)]
    assert poll.own_votes == () and poll.can_vote
    again = await vote(svc, alice, post.id, [2])
    assert again.own_votes == (2,)


async def test_new_tallies_alone_keep_our_votes(svc, client, run_jobs, alice, bob):
    """An Update{Question} with the same options brings counts and leaves Alice's vote."""
    question, post = await _voted_question(svc, client, run_jobs, alice, bob)
    tallies = {**question, "oneOf": _options([("Yes", 5), ("No", 2)]), "votersCount": 7}
    await _send(client, run_jobs, bob, bob.activity("Update", tallies))
    poll = await get_poll(svc, alice.id, post.id)
    assert [o.votes for o in poll.options] == [5, 2] and poll.own_votes == (0,)


async def test_an_edit_keeps_the_earlier_poll_in_the_history(svc, client, run_jobs, alice, bob):
    """An edited text with new options: the history has each version's options."""
    question, post = await _voted_question(svc, client, run_jobs, alice, bob)
    edited = {
        **question,
        "content": "<p>Pick one, or maybe</p>",
        "oneOf": _options([("Yes", 0), ("No", 0), ("Maybe", 0)]),
        "updated": "2099-01-01T00:00:00Z",
    }
    await _send(client, run_jobs, bob, bob.activity("Update", edited))
    assert await history_polls(svc, post) == [("Yes", "No"), ("Yes", "No", "Maybe")]
    assert (await get_poll(svc, alice.id, post.id)).own_votes == ()


async def test_an_update_without_a_question_removes_the_poll(svc, client, run_jobs, alice, bob):
    """Mastodon drops the poll of a post updated into a plain Note; so do we."""
    question, post = await _voted_question(svc, client, run_jobs, alice, bob)
    note = {k: v for k, v in question.items() if k not in ("oneOf", "endTime", "votersCount")}
    plain = {
        **note,
        "type": "Note",
        "content": "<p>No poll now</p>",
        "updated": "2099-01-01T00:00:00Z",
    }
    await _send(client, run_jobs, bob, bob.activity("Update", plain))
    with pytest.raises(NotFound, match="no poll"):
        await get_poll(svc, alice.id, post.id)


async def test_at_its_end_the_question_is_fetched_for_the_final_results(
    svc, client, run_jobs, alice_user, alice, bob
):
    """The origin's closing Update never came: at the end we fetch the Question it serves
    (signed GET), store its final counts and notify Alice with them."""
    question, post = await _voted_question(svc, client, run_jobs, alice, bob)
    # The origin now serves the final figures (its closing Update is lost).
    bob.note(
        question["content"],
        ident=question["id"],
        type="Question",
        oneOf=_options([("Yes", 9), ("No", 4)]),
        endTime=PAST,
        votersCount=13,
    )
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE polls SET expires_at = '2000-01-01T00:00:00.000Z' WHERE post_id = ?",
            (post.id,),
        )
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE dedupe_key = ?",
            (f"poll-end:{post.id}",),
        )
    await run_jobs()
    poll = await get_poll(svc, alice.id, post.id)
    assert [o.votes for o in poll.options] == [9, 4] and poll.expired
    assert poll.own_votes == (0,)
    notices = await list_notifications(svc, Viewer(account=alice, user=alice_user[0]))
    assert [n.type for n in notices] == ["poll"]
