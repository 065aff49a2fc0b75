"""Polls from another server's side: its Questions become polls here, and its votes on our polls
are counted by the rules (one per voter, existing options, running polls, visible posts), never
stored as posts. Another server is a FakeRemote on 127.0.0.1 that signs what it sends.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

from typing import Any

import pytest

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.polls.rules import PollDraft
from fedi.polls.voting import get_poll
from fedi.storage import polls as poll_store
from fedi.storage import posts as post_store
from fedi.storage.rows import Account, Post
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


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
def bob(peer: Peer) -> RemoteActor:
    return peer.actor("bob")


async def _send(client: Any, run_jobs: Any, actor: RemoteActor, activity: dict) -> None:
    response = await deliver(client, actor, activity)
    assert response.status_code == 202, await response.get_data()
    await run_jobs()


async def _poll_post(svc: Services, author: Account, **draft: Any) -> Post:
    poll = PollDraft(options=("Tea", "Coffee"), expires_in=3600, **draft)
    return await create_post(svc, author, PostDraft(text="Which?", poll=poll))


def _vote(actor: RemoteActor, question: Post, name: str) -> dict[str, Any]:
    """A Mastodon-shaped vote: Create{Note{name, inReplyTo}} to the poll's author only."""
    note = {
        "id": actor.new_id("votes"),
        "type": "Note",
        "name": name,
        "attributedTo": actor.uri,
        "inReplyTo": question.uri,
        "to": [question.uri.split("/statuses/")[0]],
    }
    return actor.activity("Create", note, to=note["to"])


async def _counts(svc: Services, post: Post) -> tuple[int, ...]:
    async with svc.db.read() as conn:
        poll = await poll_store.get_poll(conn, post.id)
    assert poll is not None
    return poll.votes


def _question(actor: RemoteActor, options: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    return actor.note(
        "<p>Pick one</p>",
        type="Question",
        oneOf=[
            {"type": "Note", "name": n, "replies": {"type": "Collection", "totalItems": c}}
            for n, c in options
        ],
        endTime="2099-01-01T00:00:00Z",
        votersCount=sum(c for _, c in options),
        **extra,
    )


async def test_remote_votes_count_once_and_are_never_posts(svc, client, run_jobs, alice, bob):
    """Bob's vote counts; a second one, an unknown option or a vote by the author do not."""
    post = await _poll_post(svc, alice)
    first = _vote(bob, post, "Coffee")
    await _send(client, run_jobs, bob, first)
    assert await _counts(svc, post) == (0, 1)
    await _send(client, run_jobs, bob, first)  # redelivered
    await _send(client, run_jobs, bob, _vote(bob, post, "Tea"))  # a second vote
    await _send(client, run_jobs, bob, _vote(bob, post, "Milk"))  # no such option
    assert await _counts(svc, post) == (0, 1)
    async with svc.db.read() as conn:
        assert await post_store.get_post_by_uri(conn, first["object"]["id"]) is None
    poll = await get_poll(svc, alice.id, post.id)
    assert poll.votes_count == 1


async def test_multiple_choice_votes_arrive_one_note_per_option(svc, client, run_jobs, alice, bob):
    """Mastodon sends one Note per chosen option; each counts once, the voter once."""
    post = await _poll_post(svc, alice, multiple=True)
    await _send(client, run_jobs, bob, _vote(bob, post, "Tea"))
    await _send(client, run_jobs, bob, _vote(bob, post, "Coffee"))
    await _send(client, run_jobs, bob, _vote(bob, post, "Coffee"))
    assert await _counts(svc, post) == (1, 1)
    poll = await get_poll(svc, alice.id, post.id)
    assert poll.voters_count == 1


async def test_votes_on_hidden_or_ended_polls_are_not_counted(svc, client, run_jobs, alice, bob):
    """A followers-only poll refuses a stranger's vote; an ended poll refuses every vote."""
    hidden = await create_post(
        svc,
        alice,
        PostDraft(
            text="Friends only",
            visibility="private",
            poll=PollDraft(options=("Tea", "Coffee"), expires_in=3600),
        ),
    )
    await _send(client, run_jobs, bob, _vote(bob, hidden, "Tea"))
    assert await _counts(svc, hidden) == (0, 0)
    ended = await _poll_post(svc, alice)
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE polls SET expires_at = '2000-01-01T00:00:00.000Z' WHERE post_id = ?",
            (ended.id,),
        )
    await _send(client, run_jobs, bob, _vote(bob, ended, "Tea"))
    assert await _counts(svc, ended) == (0, 0)


async def test_a_remote_question_becomes_a_poll_and_updates_refresh_it(
    svc, client, run_jobs, alice, bob
):
    """Bob's Question is stored with its poll; an Update{Question} brings the new tallies."""
    question = _question(bob, [("Yes", 3), ("No", 1)])
    await _send(client, run_jobs, bob, bob.create(question))
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, question["id"])
    assert post is not None
    poll = await get_poll(svc, alice.id, post.id)
    assert [(o.title, o.votes) for o in poll.options] == [("Yes", 3), ("No", 1)]
    assert poll.can_vote and poll.expires_at == "2099-01-01T00:00:00.000Z"
    updated = {
        **question,
        "oneOf": [
            {"type": "Note", "name": "Yes", "replies": {"type": "Collection", "totalItems": 4}},
            {"type": "Note", "name": "No", "replies": {"type": "Collection", "totalItems": 2}},
        ],
        "votersCount": 6,
        "closed": "2026-01-01T00:00:00Z",
    }
    await _send(client, run_jobs, bob, bob.activity("Update", updated))
    poll = await get_poll(svc, alice.id, post.id)
    assert [o.votes for o in poll.options] == [4, 2] and poll.expired


async def test_a_huge_remote_poll_is_capped(svc, client, run_jobs, alice, bob):
    """A Question with hundreds of options keeps the first 20 (Mastodon's CVE-2026-23962)."""
    question = _question(bob, [(f"Option {i}", 0) for i in range(300)])
    await _send(client, run_jobs, bob, bob.create(question))
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, question["id"])
    assert post is not None
    poll = await get_poll(svc, alice.id, post.id)
    assert len(poll.options) == 20
