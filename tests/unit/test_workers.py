"""The job engine: durable rows, retries with backoff, dead jobs, restart safety."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from fedi.storage import jobs as job_store
from fedi.storage.db import Database
from fedi.storage.migrate import migrate
from fedi.storage.rows import Job
from fedi.workers import JobRunner, PermanentFailure, Queue, retry_delay


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "jobs.sqlite3")
    await database.open()
    await migrate(database)
    yield database
    await database.close()


async def _enqueue(db: Database, payload: dict, **kw) -> int | None:
    async with db.write() as tx:
        return await job_store.enqueue(tx, "test", payload, **kw)


async def test_jobs_run_once_and_are_marked_done(db):
    """A queued job runs exactly once and ends done."""
    seen: list[dict] = []

    async def handler(job: Job) -> None:
        seen.append(job.data)

    runner = JobRunner(db)
    runner.register(Queue(kind="test", handler=handler))
    job_id = await _enqueue(db, {"n": 1})
    assert await runner.run_until_idle() == 1
    assert seen == [{"n": 1}]
    async with db.read() as conn:
        assert (await job_store.get(conn, job_id)).state == "done"


async def test_failures_retry_later_then_die(db):
    """A failing job is retried with a delay and marked dead after its last attempt."""

    async def handler(job: Job) -> None:
        raise ConnectionError("peer down")

    runner = JobRunner(db)
    runner.register(Queue(kind="test", handler=handler, max_attempts=2))
    job_id = await _enqueue(db, {})
    await runner.run_once()
    async with db.read() as conn:
        job = await job_store.get(conn, job_id)
    assert job.state == "retry" and "peer down" in job.last_error and job.attempts == 1
    assert await runner.run_once() == 0  # not due yet
    async with db.write() as tx:  # make it due now
        await tx.execute("UPDATE jobs SET next_attempt_at = '2000-01-01T00:00:00.000Z'")
    await runner.run_once()
    async with db.read() as conn:
        assert (await job_store.get(conn, job_id)).state == "dead"
    assert await runner.requeue(job_id) is True
    async with db.read() as conn:
        assert (await job_store.get(conn, job_id)).state == "pending"


async def test_permanent_failure_is_not_retried(db):
    """A handler that says retrying cannot help marks the job dead at once."""

    async def handler(job: Job) -> None:
        raise PermanentFailure("410 gone")

    runner = JobRunner(db)
    runner.register(Queue(kind="test", handler=handler))
    job_id = await _enqueue(db, {})
    await runner.run_until_idle()
    async with db.read() as conn:
        job = await job_store.get(conn, job_id)
    assert job.state == "dead" and job.last_error == "410 gone"


async def test_a_crashed_worker_s_jobs_resume_after_the_lease(db):
    """Jobs claimed by a process that died run again once their lease expires."""
    async with db.write() as tx:
        await job_store.enqueue(tx, "test", {"n": 2})
        claimed = await job_store.claim_due(tx, ["test"], limit=10, lease=timedelta(seconds=-1))
    assert len(claimed) == 1
    seen = []

    async def handler(job: Job) -> None:
        seen.append(job.id)

    runner = JobRunner(db)
    runner.register(Queue(kind="test", handler=handler))
    await runner.run_until_idle()
    assert seen == [claimed[0].id]


async def test_dedupe_key_keeps_one_job(db):
    """Enqueueing the same work twice with a dedupe key keeps a single row."""
    assert await _enqueue(db, {}, dedupe_key="k") is not None
    assert await _enqueue(db, {}, dedupe_key="k") is None


def test_backoff_grows_and_spans_days():
    """The first retry comes within a minute; sixteen attempts span about two to three days."""
    assert retry_delay(1, jitter=1.0) <= timedelta(seconds=60)
    total = sum((retry_delay(n, jitter=0.5) for n in range(1, 17)), timedelta())
    assert timedelta(days=2) <= total <= timedelta(days=3.5)


def test_state_graph_refuses_illegal_moves():
    """A done job cannot be moved anywhere."""
    with pytest.raises(ValueError):
        job_store.check_transition("done", "running")


async def test_a_slow_job_does_not_hold_up_the_others(db):
    """In the server loop, jobs keep flowing while one job is still running."""
    release = asyncio.Event()
    done: list[int] = []

    async def handler(job: Job) -> None:
        if job.data["slow"]:
            await release.wait()
        done.append(job.data["n"])

    runner = JobRunner(db)
    runner.register(Queue(kind="test", handler=handler, concurrency=2))
    runner.start()
    try:
        await _enqueue(db, {"n": 0, "slow": True})
        runner.wake()
        for n in range(1, 6):
            await _enqueue(db, {"n": n, "slow": False})
            runner.wake()
        for _ in range(200):
            if len(done) == 5:
                break
            await asyncio.sleep(0.01)
        assert sorted(done) == [1, 2, 3, 4, 5]
        release.set()
        for _ in range(200):
            if len(done) == 6:
                break
            await asyncio.sleep(0.01)
        assert 0 in done
    finally:
        await runner.stop()
