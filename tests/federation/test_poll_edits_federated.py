"""Poll edits and final results across two fedi instances over real HTTP: A's edited poll
reaches B as Update{Question} and resets the votes there too; at a poll's end B fetches the
Question from A once and shows (and notifies) the final tallies even without A's closing Update.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from fedi.errors import NotFound
from fedi.notifications import list_notifications
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post, edit_post
from fedi.polls.editing import history_polls
from fedi.polls.rules import PollDraft
from fedi.polls.view import PollView
from fedi.polls.voting import get_poll, vote
from fedi.storage import polls as poll_store
from fedi.storage import posts as post_store
from fedi.storage.rows import Account, Post

if TYPE_CHECKING:
    from tests.federation.conftest import Instance, Pair

pytestmark = pytest.mark.asyncio(loop_scope="module")

PAST = "2000-01-01T00:00:00.000Z"


async def _stored(inst: Instance, uri: str) -> Post | None:
    async with inst.svc.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def _poll_at(inst: Instance, viewer: Account, uri: str) -> PollView | None:
    post = await _stored(inst, uri)
    if post is None:
        return None
    try:
        return await get_poll(inst.svc, viewer.id, post.id)
    except NotFound:
        return None


async def _followed(pair: Pair, follower: Account, author: Account) -> None:
    b = pair.b
    author_on_b = await b.remote(author)
    await follow_account(b.svc, follower, author_on_b)

    async def accepted() -> bool:
        return await b.follow_state(follower, author_on_b) == "accepted"

    await b.eventually(accepted, "B's follow of A's author is accepted")


def _when(inst: Instance, viewer: Account, uri: str, test: object) -> object:
    async def check() -> PollView | None:
        poll = await _poll_at(inst, viewer, uri)
        return poll if poll is not None and test(poll) else None  # type: ignore[operator]

    return check


async def test_an_edited_poll_resets_the_votes_on_both_sides(two_instances: Pair) -> None:
    """Alice (A) changes her poll's options after Bob (B) voted: both servers drop the vote,
    B shows the new options and both versions' polls in the history, Bob votes again."""
    a, b = two_instances.a, two_instances.b
    alice = await a.user("alice_pedit")
    bob = await b.user("bob_pedit")
    await _followed(two_instances, bob, alice)
    draft = PollDraft(options=("Tea", "Coffee"), expires_in=3600)
    post = await create_post(a.svc, alice, PostDraft(text="Drink?", poll=draft))
    await b.eventually(_when(b, bob, post.uri, lambda p: True), "the poll reaches B")
    remote_post = await _stored(b, post.uri)
    assert remote_post is not None
    await vote(b.svc, bob, remote_post.id, [0])
    await a.eventually(
        _when(a, alice, post.uri, lambda p: p.votes_count == 1), "A counts bob's vote"
    )

    new = PollDraft(options=("Tea", "Coffee", "Juice"), expires_in=3600)
    await edit_post(a.svc, alice, post.id, PostEdit(text="Drink? Juice too.", poll=new))
    on_a = await get_poll(a.svc, alice.id, post.id)
    assert [o.votes for o in on_a.options] == [0, 0, 0]

    on_b = await b.eventually(
        _when(b, bob, post.uri, lambda p: len(p.options) == 3), "B gets the edited poll"
    )
    assert [o.title for o in on_b.options] == ["Tea", "Coffee", "Juice"]
    assert on_b.votes_count == 0 and on_b.own_votes == () and on_b.can_vote
    assert await history_polls(b.svc, remote_post) == [
        ("Tea", "Coffee"),
        ("Tea", "Coffee", "Juice"),
    ]

    await vote(b.svc, bob, remote_post.id, [2])
    await a.eventually(
        _when(a, alice, post.uri, lambda p: [o.votes for o in p.options] == [0, 0, 1]),
        "A counts bob's new vote",
    )


async def test_removing_a_poll_removes_it_on_the_other_side(two_instances: Pair) -> None:
    """Alice edits her poll away (Update{Note}); B's copy loses the poll too."""
    a, b = two_instances.a, two_instances.b
    alice = await a.user("alice_pdrop")
    bob = await b.user("bob_pdrop")
    await _followed(two_instances, bob, alice)
    draft = PollDraft(options=("Yes", "No"), expires_in=3600)
    post = await create_post(a.svc, alice, PostDraft(text="Agree?", poll=draft))
    await b.eventually(_when(b, bob, post.uri, lambda p: True), "the poll reaches B")
    await edit_post(a.svc, alice, post.id, PostEdit(text="Never mind.", remove_poll=True))

    async def gone() -> bool:
        stored = await _stored(b, post.uri)
        return (
            stored is not None
            and "Never mind." in stored.content_html
            and await _poll_at(b, bob, post.uri) is None
        )

    await b.eventually(gone, "B removes the poll")


async def _notice_types(inst: Instance, account: Account) -> list[str]:
    viewer = await inst.viewer(account)
    return [n.type for n in await list_notifications(inst.svc, viewer)]


async def test_at_its_end_a_remote_poll_is_fetched_for_its_final_results(
    two_instances: Pair,
) -> None:
    """A's tallies changed without B hearing of it; when the poll ends on B, B fetches A's
    Question once, shows the final counts and notifies its voter."""
    a, b = two_instances.a, two_instances.b
    alice, carol = await a.user("alice_pfinal"), await a.user("carol_pfinal")
    bob = await b.user("bob_pfinal")
    await _followed(two_instances, bob, alice)
    draft = PollDraft(options=("Now", "Later"), expires_in=3600)
    post = await create_post(a.svc, alice, PostDraft(text="When?", poll=draft))
    await b.eventually(_when(b, bob, post.uri, lambda p: True), "the poll reaches B")
    remote_post = await _stored(b, post.uri)
    assert remote_post is not None
    await vote(b.svc, bob, remote_post.id, [0])
    await a.eventually(
        _when(a, alice, post.uri, lambda p: p.votes_count == 1), "A counts bob's vote"
    )
    await two_instances.settle()  # A's tally update has reached B

    # Carol's vote is counted on A without a tally update going out, and A's poll ends
    # (its own end job, and so its closing Update, is still an hour away).
    async with a.svc.db.write() as tx:
        await poll_store.record_votes(
            tx, post_id=post.id, account_id=carol.id, choices=[1], uris=[None], recount=True
        )
        await tx.execute("UPDATE polls SET expires_at = ? WHERE post_id = ?", (PAST, post.id))
    stale = await _poll_at(b, bob, post.uri)
    assert stale is not None and [o.votes for o in stale.options] == [1, 0]

    # The poll ends on B: its end job fetches A's Question before notifying.
    async with b.svc.db.write() as tx:
        await tx.execute(
            "UPDATE polls SET expires_at = ? WHERE post_id = ?", (PAST, remote_post.id)
        )
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = ? WHERE dedupe_key = ?",
            (PAST, f"poll-end:{remote_post.id}"),
        )
    b.svc.jobs.wake()

    async def notified() -> bool:
        return "poll" in await _notice_types(b, bob)

    await b.eventually(notified, "B notifies its voter of the end")
    final = await _poll_at(b, bob, post.uri)
    assert final is not None and final.expired
    assert [o.votes for o in final.options] == [1, 1] and final.own_votes == (0,)
