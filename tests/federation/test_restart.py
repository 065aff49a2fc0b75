"""Deliveries survive trouble: a restart in the middle of a fan-out, and a peer that is down.

Instead of waiting out leases (5 minutes) and retry delays, the tests make them run out at once
(`Instance.expire_leases`, `Instance.make_due`).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from fedi.outbox.commands import PostDraft
from fedi.outbox.delivery import deliverer_of
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage import jobs as job_store
from fedi.storage.clock import from_db, utcnow
from fedi.storage.rows import Account, Job, Post

if TYPE_CHECKING:
    from tests.federation.conftest import Instance, Pair, PairFactory

LEASE = timedelta(minutes=5)


async def followers_on_b(pair: Pair, author: Account, names: list[str]) -> list[Account]:
    """Accounts on B, one per name, each following `author` of A (accepted)."""
    author_on_b = await pair.b.remote(author)
    followers = [await pair.b.user(name) for name in names]
    for follower in followers:
        await follow_account(pair.b.svc, follower, author_on_b)
    await pair.settle()
    return followers


def carries(job: Job, post: Post) -> bool:
    """Whether a delivery or inbox job carries an activity about `post` (its Create, say)."""
    activity = json.loads(job.data["body"])
    obj = activity.get("object")
    return isinstance(obj, dict) and obj.get("id") == post.uri


async def creates_received(inst: Instance, post: Post) -> int:
    """How many inbox jobs `inst` holds for the Create of `post` (each is processed once)."""
    return sum(carries(j, post) for j in await inst.jobs(kind="inbox"))


async def times_at_home(inst: Instance, account: Account, post: Post) -> int:
    """How many times `post` shows in `account`'s home timeline on `inst`."""
    return sum(v.post.uri == post.uri for v in await inst.home(account))


async def test_restart_in_the_middle_of_a_fanout_loses_nothing(
    tmp_path: Path, pair_factory: PairFactory
) -> None:
    """A stops with one post sent but not marked sent, one delivery claimed and one fan-out
    pending; after a restart every follower on B has each post exactly once."""
    async with pair_factory(tmp_path) as pair:
        a, b = pair.a, pair.b
        alice = await a.user("alice")
        readers = await followers_on_b(pair, alice, ["bob", "carol", "dave"])
        await a.svc.jobs.stop()  # from here on, A's queues move only when the test says so

        sent = await create_post(a.svc, alice, PostDraft(text="Sent before the crash"))
        claimed = await create_post(a.svc, alice, PostDraft(text="Claimed at the crash"))
        assert await a.svc.jobs.run_once(["fanout"]) == 2
        pending = await create_post(a.svc, alice, PostDraft(text="Queued at the crash"))
        async with a.svc.db.write() as tx:
            deliveries = await job_store.claim_due(tx, ["deliver"], limit=10, lease=LEASE)
        [first] = [j for j in deliveries if carries(j, sent)]
        assert len(deliveries) == 2  # one shared inbox on B per post
        await deliverer_of(a.svc).handle(first)  # B has it; A crashes before recording that
        for reader in readers:
            await b.eventually(
                lambda r=reader: b.seen_at_home(r, sent.uri), "the first post reaches B"
            )

        waiting = sorted((j.kind, j.state) for j in await a.waiting())
        assert waiting == [("deliver", "running"), ("deliver", "running"), ("fanout", "pending")]

        await a.stop()
        await a.expire_leases()  # as five minutes after the crash
        await a.start()
        await pair.settle()

        for post in (sent, claimed, pending):
            assert await creates_received(b, post) == 1
            for reader in readers:
                assert await times_at_home(b, reader, post) == 1, (reader.username, post.source)
        assert {j.state for j in await a.jobs()} == {"done"}
        [resent] = [j for j in await a.jobs(kind="deliver") if carries(j, sent)]
        assert resent.attempts == 2  # sent again after the restart; B took it only once


async def test_stopping_while_the_workers_deliver_loses_nothing(
    tmp_path: Path, pair_factory: PairFactory
) -> None:
    """A stops at once after ten posts, whatever its workers were doing; after a restart every
    follower on B has each post exactly once."""
    async with pair_factory(tmp_path) as pair:
        a, b = pair.a, pair.b
        alice = await a.user("alice")
        readers = await followers_on_b(pair, alice, ["bob", "carol"])
        posts = [await create_post(a.svc, alice, PostDraft(text=f"Post {i}")) for i in range(10)]

        await a.stop()
        await a.expire_leases()
        await a.start()
        await pair.settle()

        for post in posts:
            assert await creates_received(b, post) == 1
            for reader in readers:
                assert await times_at_home(b, reader, post) == 1, (reader.username, post.source)
        assert {j.state for j in await a.jobs()} == {"done"}


async def test_delivery_to_a_dead_port_is_retried_until_it_comes_back(
    tmp_path: Path, pair_factory: PairFactory
) -> None:
    """While B is down A's delivery fails and is scheduled again within a minute; when B is back
    on its port the retry delivers the post."""
    async with pair_factory(tmp_path) as pair:
        a, b = pair.a, pair.b
        alice = await a.user("alice")
        [bob] = await followers_on_b(pair, alice, ["bob"])

        await b.stop()
        post = await create_post(a.svc, alice, PostDraft(text="Are you there?"))

        async def failed_once() -> list[Job]:
            return [j for j in await a.jobs(kind="deliver", state="retry") if carries(j, post)]

        [waiting] = await a.eventually(failed_once, "A's delivery to the dead port failed once")
        assert waiting.attempts == 1 and "unreachable" in waiting.last_error
        due = from_db(waiting.next_attempt_at)
        assert due is not None and due - utcnow() <= timedelta(seconds=60)

        await b.start()
        await a.make_due()
        seen = await b.eventually(
            lambda: b.seen_at_home(bob, post.uri), "the retried delivery reaches bob"
        )
        assert "Are you there?" in seen.post.content_html
        await pair.settle()
        [delivery] = [j for j in await a.jobs(kind="deliver") if carries(j, post)]
        assert (delivery.state, delivery.attempts) == ("done", 2)
