"""Polls across two fedi instances over real HTTP: A's poll goes out as a Question, B's user
votes, A counts the vote (never as a post), and B sees the new tallies from A's Update.

Poll end jobs are scheduled an hour ahead, so these tests wait for what they check with
`eventually` rather than for idle queues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from fedi.errors import NotFound
from fedi.notifications import list_notifications
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.polls.rules import PollDraft
from fedi.polls.view import PollView
from fedi.polls.voting import get_poll, vote
from fedi.storage import posts as post_store
from fedi.storage.rows import Account, Post

if TYPE_CHECKING:
    from tests.federation.conftest import Instance, Pair

pytestmark = pytest.mark.asyncio(loop_scope="module")

AP = "application/activity+json"


async def _stored(inst: Instance, uri: str) -> Post | None:
    async with inst.svc.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def _poll_at(inst: Instance, viewer: Account, uri: str) -> PollView | None:
    """The poll of the post with this id on `inst`, as `viewer` sees it (None until it arrives)."""
    post = await _stored(inst, uri)
    if post is None:
        return None
    try:
        return await get_poll(inst.svc, viewer.id, post.id)
    except NotFound:  # the poll row is not there yet
        return None


def _counts(poll: PollView | None) -> list[int | None] | None:
    return None if poll is None else [o.votes for o in poll.options]


async def _followed(pair: Pair, follower: Account, author: Account) -> None:
    """`follower` on B follows `author` on A, and A's Accept arrives."""
    b = pair.b
    author_on_b = await b.remote(author)
    await follow_account(b.svc, follower, author_on_b)
    await b.eventually(
        lambda: _accepted(b, follower, author_on_b), "B's follow of A's author is accepted"
    )


async def _accepted(inst: Instance, follower: Account, target: Account) -> bool:
    return await inst.follow_state(follower, target) == "accepted"


async def test_a_poll_travels_as_a_question_and_votes_come_back(two_instances: Pair) -> None:
    """Alice (A) asks; Bob (B) sees the poll, votes; A counts it and B sees A's new tallies."""
    a, b = two_instances.a, two_instances.b
    alice, carol = await a.user("alice_poll"), await a.user("carol_poll")
    bob = await b.user("bob_poll")
    await _followed(two_instances, bob, alice)

    draft = PollDraft(options=("Tea", "Coffee", "Water"), expires_in=3600)
    post = await create_post(a.svc, alice, PostDraft(text="What do you drink?", poll=draft))

    # A serves the post as a Question with oneOf options and their counts.
    async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
        served = (await http.get(post.uri, headers={"Accept": AP})).json()
    assert served["type"] == "Question"
    assert [o["name"] for o in served["oneOf"]] == ["Tea", "Coffee", "Water"]
    assert [o["replies"]["totalItems"] for o in served["oneOf"]] == [0, 0, 0]
    assert served["endTime"].endswith("Z") and served["votersCount"] == 0

    # B stores the Create{Question} as a post with its poll.
    on_b = await b.eventually(lambda: _poll_at(b, bob, post.uri), "the poll reaches B")
    assert [o.title for o in on_b.options] == ["Tea", "Coffee", "Water"]
    assert on_b.can_vote and not on_b.multiple and not on_b.expired
    remote_post = await _stored(b, post.uri)
    assert remote_post is not None and remote_post.local == 0

    # Bob votes on B; B counts it at once and sends the vote to A.
    voted = await vote(b.svc, bob, remote_post.id, [1])
    assert voted.own_votes == (1,) and [o.votes for o in voted.options] == [0, 1, 0]
    await a.eventually(
        lambda: _same(_poll_at(a, alice, post.uri), [0, 1, 0]), "A counts bob's vote"
    )
    # The vote is no post on A and notifies nobody (bob's follow is alice's only notice).
    viewer = await a.viewer(alice)
    assert [n.type for n in await list_notifications(a.svc, viewer)] == ["follow"]
    async with a.svc.db.read() as conn:
        assert (
            await post_store.count_account_posts(
                conn,
                (await a.remote(bob)).id,
                visibilities=("public", "unlisted", "private", "direct"),
            )
            == 0
        )

    # Carol votes on A; B learns the new tallies only from A's Update{Question}.
    await vote(a.svc, carol, post.id, [2])
    final = await b.eventually(
        lambda: _same(_poll_at(b, bob, post.uri), [0, 1, 1]), "B gets A's updated tallies"
    )
    assert final.own_votes == (1,) and final.votes_count == 2


async def _same(found: object, counts: list[int]) -> PollView | None:
    poll = await found  # type: ignore[misc]
    return poll if _counts(poll) == counts else None


async def test_a_second_vote_from_a_remote_voter_is_not_counted(two_instances: Pair) -> None:
    """B's user cannot vote twice: B refuses it, and A would count one vote per voter."""
    a, b = two_instances.a, two_instances.b
    alice = await a.user("alice_poll2")
    bob = await b.user("bob_poll2")
    await _followed(two_instances, bob, alice)
    draft = PollDraft(options=("Yes", "No"), expires_in=3600)
    post = await create_post(a.svc, alice, PostDraft(text="Agree?", poll=draft))
    await b.eventually(lambda: _poll_at(b, bob, post.uri), "the poll reaches B")
    remote_post = await _stored(b, post.uri)
    assert remote_post is not None
    await vote(b.svc, bob, remote_post.id, [0])
    with pytest.raises(Exception, match="already voted"):
        await vote(b.svc, bob, remote_post.id, [1])
    await a.eventually(lambda: _same(_poll_at(a, alice, post.uri), [1, 0]), "A counts one vote")
    page = await b.page(bob, f"/@{alice.username}@{a.domain}/{remote_post.id}")
    assert page.status_code == 200
    assert "100%" in page.text and 'name="choice"' not in page.text


async def _end_now(inst: Instance, post: Post) -> None:
    """Move a poll's end (and its end job) into the past on `inst`, as if the time had come."""
    async with inst.svc.db.write() as tx:
        await tx.execute(
            "UPDATE polls SET expires_at = '2000-01-01T00:00:00.000Z' WHERE post_id = ?",
            (post.id,),
        )
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE dedupe_key = ?",
            (f"poll-end:{post.id}",),
        )
    inst.svc.jobs.wake()


async def _notice_types(inst: Instance, account: Account) -> list[str]:
    viewer = await inst.viewer(account)
    return [n.type for n in await list_notifications(inst.svc, viewer)]


async def test_when_a_poll_ends_voters_on_both_sides_hear_of_it(two_instances: Pair) -> None:
    """A's poll ends: its author and local voter get `poll` notices at once; A's closing
    Update closes the poll on B, whose voter is notified there."""
    a, b = two_instances.a, two_instances.b
    alice, carol = await a.user("alice_poll3"), await a.user("carol_poll3")
    bob = await b.user("bob_poll3")
    await _followed(two_instances, bob, alice)
    draft = PollDraft(options=("Now", "Later"), expires_in=3600)
    post = await create_post(a.svc, alice, PostDraft(text="When?", poll=draft))
    await b.eventually(lambda: _poll_at(b, bob, post.uri), "the poll reaches B")
    remote_post = await _stored(b, post.uri)
    assert remote_post is not None
    await vote(b.svc, bob, remote_post.id, [0])
    await vote(a.svc, carol, post.id, [1])
    await a.eventually(lambda: _same(_poll_at(a, alice, post.uri), [1, 1]), "A counts both")

    await _end_now(a, post)
    for account in (alice, carol):
        await a.eventually(
            lambda account=account: _has_poll_notice(a, account), "A notifies the end"
        )
    closed = await b.eventually(lambda: _closed(b, bob, post.uri), "B learns the poll closed")
    assert [o.votes for o in closed.options] == [1, 1]
    await b.eventually(lambda: _has_poll_notice(b, bob), "B notifies its voter")


async def _has_poll_notice(inst: Instance, account: Account) -> bool:
    return "poll" in await _notice_types(inst, account)


async def _closed(inst: Instance, viewer: Account, uri: str) -> PollView | None:
    poll = await _poll_at(inst, viewer, uri)
    return poll if poll is not None and poll.expired else None
