"""Delivery: signed POSTs to real (fake) remote inboxes over loopback, retries, breaker, restart."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.delivery import DeliveryTuning, deliver_queue, mark_host_alive
from fedi.outbox.fanout import fanout_queue
from fedi.outbox.posts import create_post
from fedi.remote import open_http
from fedi.storage import accounts as account_store
from fedi.storage import hosts as host_store
from fedi.storage import jobs as job_store
from fedi.storage.clock import from_db, now_db, to_db, utcnow
from fedi.storage.rows import Account
from fedi.workers import JobRunner
from tests.factories import browser_login, make_user
from tests.federation.fake_inbox import (
    FakeInbox,
    add_follower,
    federation_config,
    jobs_of,
    make_due,
    remote_account,
)

FAST = DeliveryTuning(timeout=httpx.Timeout(0.5, connect=0.5), total=2.0)


@pytest.fixture
def config(tmp_path):
    return federation_config(tmp_path)


@pytest.fixture(autouse=True)
async def http(svc: Services) -> AsyncIterator[httpx.AsyncClient]:
    client = await open_http(svc.config)
    svc.extras["http"] = client
    svc.jobs.register(deliver_queue(svc, tuning=FAST))
    yield client
    await client.aclose()


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
async def fake(alice: Account) -> AsyncIterator[FakeInbox]:
    server = FakeInbox({alice.public_key_id: alice.public_key_pem})
    await server.start()
    yield server
    await server.stop()


async def _post_to(svc: Services, alice: Account, fake: FakeInbox, text: str = "hello") -> Account:
    """A remote follower on `fake` and a public post by alice; returns the follower."""
    bob = await remote_account(svc, fake, "bob", shared_inbox=False)
    await add_follower(svc, bob, alice)
    await create_post(svc, alice, PostDraft(text=text, visibility="public"))
    await svc.jobs.run_once(["fanout"])
    return bob


async def _deliveries(svc: Services) -> list[Any]:
    return await jobs_of(svc, "deliver")


async def test_a_delivery_is_signed_and_posted_once(svc, alice, fake):
    """A public post reaches a remote follower's inbox once, signed by its author with a Digest."""
    bob = await _post_to(svc, alice, fake)

    await svc.jobs.run_until_idle()

    [received] = fake.received
    assert received.verified, received.reason
    assert received.path == "/users/bob/inbox"
    assert received.headers["Content-Type"] == "application/activity+json"
    assert f'keyId="{alice.public_key_id}"' in received.headers["Signature"]
    assert received.json["type"] == "Create" and received.json["actor"] == alice.uri
    [job] = await _deliveries(svc)
    assert job.state == "done" and job.data["inbox"] == bob.inbox_uri


async def test_a_server_error_is_retried_within_a_minute_then_succeeds(svc, alice, fake):
    """500 → retry (the first within 60 s); once the server recovers the delivery goes out."""
    fake.status = 500
    await _post_to(svc, alice, fake)

    await svc.jobs.run_once(["deliver"])
    [job] = await _deliveries(svc)
    assert job.state == "retry" and "500" in job.last_error
    wait = from_db(job.next_attempt_at) - utcnow()
    assert timedelta(0) < wait <= timedelta(seconds=60)

    fake.status = 202
    await make_due(svc)
    await svc.jobs.run_until_idle()
    [job] = await _deliveries(svc)
    assert job.state == "done" and job.attempts == 2
    assert len(fake.verified) == 2


@pytest.mark.parametrize("status", [404, 410, 400, 403])
async def test_permanent_client_errors_are_not_retried(svc, alice, fake, status):
    """404, 410 and other 4xx (not 401/408/429) end the delivery at once: dead, one attempt."""
    fake.status = status
    await _post_to(svc, alice, fake)

    await svc.jobs.run_until_idle()

    [job] = await _deliveries(svc)
    assert job.state == "dead" and job.attempts == 1 and str(status) in job.last_error
    assert len(fake.received) == 1
    async with svc.db.read() as conn:
        host = await host_store.get_host(conn, fake.host)
    assert host is not None and host.consecutive_failures == 0  # the host itself is fine


async def test_410_marks_the_receiving_actor_gone(svc, alice, fake):
    """A 410 from a remote account's personal inbox marks that account deleted here."""
    fake.status = 410
    bob = await _post_to(svc, alice, fake)

    await svc.jobs.run_until_idle()

    async with svc.db.read() as conn:
        gone = await account_store.get_account(conn, bob.id)
    assert gone is not None and gone.deleted_at is not None


@pytest.mark.parametrize("retry_after", ["120", "HTTP-DATE"])
async def test_429_honours_retry_after(svc, alice, fake, retry_after):
    """429 with Retry-After (seconds or an HTTP date) schedules the retry at that time."""
    if retry_after == "HTTP-DATE":
        when = utcnow() + timedelta(seconds=120)
        retry_after = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    fake.status = 429
    fake.retry_after = retry_after
    await _post_to(svc, alice, fake)

    await svc.jobs.run_once(["deliver"])

    [job] = await _deliveries(svc)
    assert job.state == "retry" and "429" in job.last_error
    wait = (from_db(job.next_attempt_at) - utcnow()).total_seconds()
    assert 100 <= wait <= 121


async def test_retry_after_is_capped(svc, alice, fake):
    """A Retry-After of a week is capped (6 hours), so a peer cannot park our queue."""
    fake.status = 503
    fake.retry_after = str(7 * 24 * 3600)
    await _post_to(svc, alice, fake)

    await svc.jobs.run_once(["deliver"])

    [job] = await _deliveries(svc)
    wait = from_db(job.next_attempt_at) - utcnow()
    assert timedelta(hours=5, minutes=59) <= wait <= timedelta(hours=6)


async def test_401_to_cavage_knocks_again_with_rfc9421(svc, alice, fake):
    """A server that wants RFC 9421 answers 401 to cavage; the second knock at once succeeds."""
    fake.rfc9421_only = True
    await _post_to(svc, alice, fake)

    await svc.jobs.run_until_idle()

    assert [(r.scheme, r.verified) for r in fake.received] == [("cavage", True), ("rfc9421", True)]
    assert "Content-Digest" in fake.received[1].headers
    [job] = await _deliveries(svc)
    assert job.state == "done" and job.attempts == 1


async def test_401_to_both_signatures_is_retried(svc, alice, fake):
    """When both signature formats get 401 the delivery is retried later, not dropped."""
    fake.keys.clear()  # the server cannot find our key, whatever we send
    await _post_to(svc, alice, fake)

    await svc.jobs.run_once(["deliver"])

    assert [r.scheme for r in fake.received] == ["cavage", "rfc9421"]
    [job] = await _deliveries(svc)
    assert job.state == "retry" and "401" in job.last_error


async def test_a_dead_port_is_retried_and_delivered_once_it_listens(svc, alice):
    """Nothing listening → retry; when the server comes up the due delivery reaches it."""
    later = FakeInbox({alice.public_key_id: alice.public_key_pem})  # bound, not listening yet
    try:
        await _post_to(svc, alice, later)
        await svc.jobs.run_once(["deliver"])
        [job] = await _deliveries(svc)
        assert job.state == "retry" and "unreachable" in job.last_error
        async with svc.db.read() as conn:
            host = await host_store.get_host(conn, later.host)
        assert host is not None and host.consecutive_failures == 1

        await later.start()
        await make_due(svc)
        await svc.jobs.run_until_idle()

        [job] = await _deliveries(svc)
        assert job.state == "done"
        assert len(later.verified) == 1
        async with svc.db.read() as conn:
            host = await host_store.get_host(conn, later.host)
        assert host is not None and host.consecutive_failures == 0
    finally:
        await later.stop()


async def test_a_slow_host_does_not_hold_up_a_fast_one(svc, alice, fake):
    """Both in one batch: the fast host has its delivery while the slow one is still waiting."""
    svc.jobs.register(deliver_queue(svc, tuning=DeliveryTuning(timeout=httpx.Timeout(1.0))))
    slow = FakeInbox({alice.public_key_id: alice.public_key_pem})
    slow.delay = 10.0
    await slow.start()
    try:
        carol = await remote_account(svc, slow, "carol")
        bob = await remote_account(svc, fake, "bob")
        await add_follower(svc, carol, alice)
        await add_follower(svc, bob, alice)
        await create_post(svc, alice, PostDraft(text="race", visibility="public"))
        await svc.jobs.run_once(["fanout"])

        started = time.monotonic()
        assert await svc.jobs.run_once(["deliver"]) == 2
        elapsed = time.monotonic() - started

        [fast] = fake.verified
        assert fast.at - started < 0.9  # answered before the slow host's 1 s timeout ran out
        assert len(slow.received) == 1 and 1.0 <= elapsed < 5.0  # the slow one timed out
        states = {j.data["host"]: j.state for j in await _deliveries(svc)}
        assert states == {fake.host: "done", slow.host: "retry"}
    finally:
        await slow.stop()


async def test_the_circuit_breaker_holds_deliveries_to_a_failing_host(svc, alice, fake):
    """After 10 failures in a row, deliveries to that host are rescheduled, not attempted."""
    await _post_to(svc, alice, fake)
    async with svc.db.write() as tx:
        for _ in range(10):
            await host_store.record_failure(tx, fake.host, unavailable_after=timedelta(days=7))

    await svc.jobs.run_once(["deliver"])

    assert fake.received == []
    [job] = await _deliveries(svc)
    assert job.state == "retry" and "circuit open" in job.last_error
    assert from_db(job.next_attempt_at) - utcnow() > timedelta(seconds=30)


async def test_the_breaker_closes_after_its_cooldown(svc, alice, fake):
    """Once the cool-down has passed since the last failure, the host is tried again."""
    await _post_to(svc, alice, fake)
    async with svc.db.write() as tx:
        await tx.execute(
            "INSERT INTO hosts (domain, first_failure_at, last_failure_at, consecutive_failures)"
            " VALUES (?, ?, ?, 12)",
            (
                fake.host,
                to_db(utcnow() - timedelta(hours=1)),
                to_db(utcnow() - timedelta(minutes=2)),
            ),
        )

    await svc.jobs.run_until_idle()

    assert len(fake.verified) == 1
    async with svc.db.read() as conn:
        host = await host_store.get_host(conn, fake.host)
    assert host is not None and host.consecutive_failures == 0


async def test_a_host_failing_for_a_week_becomes_unavailable_and_revives(svc, alice, fake):
    """A failure streak of 7 days marks the host unavailable: its deliveries are dropped, until
    it talks to us again."""
    fake.status = 503
    await _post_to(svc, alice, fake)
    async with svc.db.write() as tx:
        await tx.execute(
            "INSERT INTO hosts (domain, first_failure_at, last_failure_at, consecutive_failures)"
            " VALUES (?, ?, ?, 3)",
            (fake.host, to_db(utcnow() - timedelta(days=8)), to_db(utcnow() - timedelta(hours=2))),
        )
    await svc.jobs.run_once(["deliver"])
    async with svc.db.read() as conn:
        host = await host_store.get_host(conn, fake.host)
    assert host is not None and host.unavailable_since is not None

    fake.status = 202
    await make_due(svc)
    await svc.jobs.run_until_idle()
    assert len(fake.received) == 1  # the retry was dropped, not sent
    [job] = await _deliveries(svc)
    assert job.state == "done"

    await mark_host_alive(svc, fake.host)
    async with svc.db.read() as conn:
        host = await host_store.get_host(conn, fake.host)
    assert host is not None and host.unavailable_since is None
    assert host.consecutive_failures == 0


async def test_a_restart_loses_nothing(svc, alice, fake):
    """Jobs claimed by a runner that crashed are picked up by a new one once their lease expires."""
    bob = await remote_account(svc, fake, "bob")
    await add_follower(svc, bob, alice)
    await create_post(svc, alice, PostDraft(text="survive", visibility="public"))
    async with svc.db.write() as tx:  # the old runner claims the fan-out, then dies
        [claimed] = await job_store.claim_due(tx, ["fanout"], limit=10, lease=timedelta(minutes=5))

    runner = _restarted_runner(svc)
    assert await runner.run_until_idle() == 0  # still leased to the dead runner
    async with svc.db.write() as tx:
        await tx.execute("UPDATE jobs SET locked_until = ?", (now_db(),))
    await runner.run_until_idle(["fanout"])
    [delivery] = await _deliveries(svc)
    async with svc.db.write() as tx:  # the next runner dies in the middle of the delivery
        await job_store.claim_due(tx, ["deliver"], limit=10, lease=timedelta(seconds=0))
    async with svc.db.read() as conn:
        assert (await job_store.get(conn, delivery.id)).state == "running"

    await _restarted_runner(svc).run_until_idle()

    assert len(fake.verified) == 1
    async with svc.db.read() as conn:
        assert (await job_store.get(conn, claimed.id)).state == "done"
        assert (await job_store.get(conn, delivery.id)).state == "done"


def _restarted_runner(svc: Services) -> JobRunner:
    """A fresh runner on the same database, as after a restart."""
    runner = JobRunner(svc.db)
    runner.register(fanout_queue(svc))
    runner.register(deliver_queue(svc, tuning=FAST))
    return runner


# --- the operator's view ----------------------------------------------------------------------


async def test_admins_see_federation_health_and_retry_dead_deliveries(app, svc, alice, fake, csrf):
    """/admin/federation lists each host's deliveries; "retry now" requeues the dead ones."""
    fake.status = 400
    await _post_to(svc, alice, fake)
    await svc.jobs.run_until_idle()
    _, boss = await make_user(svc, "boss", role="admin")
    client = app.test_client()
    await browser_login(client, svc, boss)

    page = await client.get("/admin/federation")
    body = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"<code>{fake.host}</code>" in body and "Retry now" in body

    fake.status = 202
    response = await client.post(
        "/admin/federation/retry", form={"host": fake.host, "csrf_token": csrf}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin/federation"
    await svc.jobs.run_until_idle()
    [job] = await _deliveries(svc)
    assert job.state == "done" and len(fake.verified) == 2
    after = await (await client.get("/admin/federation")).get_data(as_text=True)
    assert "Retrying 1 dead delivery" in after
    assert "Every delivery has gone out" in after


async def test_the_federation_page_is_for_staff_only(app, svc, alice):
    """A user who is not staff gets 403 at /admin/federation."""
    client = app.test_client()
    await browser_login(client, svc, alice)

    response = await client.get("/admin/federation")

    assert response.status_code == 403
    assert "Only administrators and moderators" in await response.get_data(as_text=True)
