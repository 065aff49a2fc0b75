"""Background jobs let HTTP requests go first, without starving, and streams do not hold them back.

The app counts its in-flight requests in `app.load_gauge`; the job runner (started here on the
app's own services, as `fedi serve` does) holds new job starts while requests run. A request is
kept in flight by sending only part of its body (as a slow client would); a hold of 60 s makes
"the job ran within 10 s" prove it was not held, and "still pending" prove it was.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedi.context import Services
from fedi.storage import jobs as job_store
from fedi.storage.rows import Job
from fedi.workers import YIELD_HOLD, Queue
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

KIND = "test-yield"
DEADLINE = 10.0
"""Seconds within which a job that must run has run (a failure bound, not a timing claim)."""
LONG_HOLD = 60.0
"""A hold longer than any test: a job that runs within DEADLINE was not held back."""


class Recorder:
    """The test queue's handler: remembers which jobs ran and lets the test await them."""

    def __init__(self) -> None:
        self.ran: list[int] = []
        self.changed = asyncio.Event()

    async def handle(self, job: Job) -> None:
        self.ran.append(job.data["n"])
        self.changed.set()

    async def until(self, count: int) -> None:
        """Wait until `count` jobs have run (fails after DEADLINE)."""

        async def wait() -> None:
            while len(self.ran) < count:
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), DEADLINE)


async def enqueue(svc: Services, *numbers: int) -> None:
    """Queue one test job per number and wake the workers, as services do."""
    async with svc.db.write() as tx:
        for n in numbers:
            await job_store.enqueue(tx, KIND, {"n": n})
        tx.on_commit(svc.jobs.wake)


async def job_states(svc: Services) -> list[str]:
    async with svc.db.read() as conn:
        jobs = await job_store.list_jobs(conn, kind=KIND)
    return [job.state for job in jobs]


@pytest.fixture
async def workers(svc: Services) -> AsyncIterator[Recorder]:
    """The app's job runner started with a test queue (stopped by the app's shutdown)."""
    recorder = Recorder()
    svc.jobs.register(Queue(kind=KIND, handler=recorder.handle, concurrency=4))
    svc.jobs.start()
    yield recorder
    await svc.jobs.stop()


async def open_slow_request(app: Any, client: Any) -> Any:
    """A form POST whose body is still arriving: in flight until `finish_slow_request`."""
    before = app.load_gauge.in_flight
    conn = client.request(
        "/login",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    await conn.__aenter__()
    await conn.send(b"username=alice&pass")
    for _ in range(100):  # the app starts handling it on one of the next turns of the loop
        if app.load_gauge.in_flight > before:
            break
        await asyncio.sleep(0)
    return conn


async def finish_slow_request(conn: Any) -> Any:
    """Send the rest of the body; the request (no CSRF token) gets its 403 answer."""
    await conn.send(b"word=secret")
    await conn.send_complete()
    await asyncio.wait_for(conn.__aexit__(None, None, None), DEADLINE)
    return await conn.as_response()


async def test_server_runner_yields_to_the_apps_gauge(app: Any, svc: Services):
    """The server's job runner is wired to the app's load gauge with the default hold."""
    assert svc.jobs.gauge is app.load_gauge
    assert svc.jobs.yield_hold == YIELD_HOLD


async def test_requests_are_counted_while_in_flight_and_not_after(app: Any, anon_client: Any):
    """A request counts as in flight until it is answered; answered ones (any status) do not."""
    gauge = app.load_gauge
    conn = await open_slow_request(app, anon_client)
    assert gauge.in_flight == 1
    response = await finish_slow_request(conn)
    assert response.status_code == 403
    assert "This form has expired" in (await response.get_data(as_text=True))
    assert (await anon_client.get("/.well-known/nodeinfo")).status_code == 200
    missing = await anon_client.get("/no-such-page")
    assert missing.status_code == 404
    static = await anon_client.get("/static/fedi.css")  # a file body, streamed
    assert static.status_code == 200 and b"{" in await static.get_data()
    assert gauge.in_flight == 0


async def test_job_queued_during_requests_still_runs(
    app: Any, svc: Services, anon_client: Any, workers: Recorder
):
    """Jobs queued while a request stays in flight all run anyway (held briefly, never starved)."""
    conn = await open_slow_request(app, anon_client)
    assert app.load_gauge.busy
    try:
        await enqueue(svc, 1, 2, 3, 4, 5, 6)
        await workers.until(6)
        assert sorted(workers.ran) == [1, 2, 3, 4, 5, 6]
    finally:
        response = await finish_slow_request(conn)
    assert response.status_code == 403


async def test_held_job_starts_when_the_requests_end(
    app: Any, svc: Services, anon_client: Any, workers: Recorder
):
    """A job held back by an in-flight request starts as soon as that request is answered."""
    svc.jobs.yield_to(app.load_gauge, hold=LONG_HOLD)
    conn = await open_slow_request(app, anon_client)
    assert app.load_gauge.busy
    await enqueue(svc, 1)
    for _ in range(20):  # let the job loops look at the queue: they must not claim it yet
        await asyncio.sleep(0)
    assert await job_states(svc) == ["pending"]
    response = await finish_slow_request(conn)
    assert response.status_code == 403
    await workers.until(1)
    assert workers.ran == [1]


async def test_jobs_run_at_full_concurrency_without_requests(app: Any, svc: Services):
    """With no request in flight, a queue runs as many jobs at once as its concurrency allows."""
    barrier = asyncio.Barrier(4)
    passed: list[int] = []
    all_passed = asyncio.Event()

    async def together(job: Job) -> None:
        await asyncio.wait_for(barrier.wait(), DEADLINE)  # all four must be running at once
        passed.append(job.data["n"])
        if len(passed) == 4:
            all_passed.set()

    assert svc.jobs.gauge is app.load_gauge and not app.load_gauge.busy
    svc.jobs.register(Queue(kind=KIND, handler=together, concurrency=4, max_attempts=1))
    svc.jobs.start()
    try:
        await enqueue(svc, 0, 1, 2, 3)
        await asyncio.wait_for(all_passed.wait(), DEADLINE)
    finally:
        await svc.jobs.stop()
    assert sorted(passed) == [0, 1, 2, 3]


async def test_open_sse_stream_does_not_hold_jobs_back(
    app: Any, svc: Services, client: Any, workers: Recorder
):
    """An open Server-Sent Events stream is not an in-flight request: jobs run at once."""
    svc.jobs.yield_to(app.load_gauge, hold=LONG_HOLD)
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    conn = client.request("/api/v1/streaming/user", headers=bearer(token))
    await conn.__aenter__()
    await conn.send_complete()
    try:
        first = await asyncio.wait_for(conn.receive(), DEADLINE)
        assert first.startswith(b":)")  # the stream is open and subscribed
        assert app.load_gauge.in_flight == 0
        await enqueue(svc, 7)
        await workers.until(1)
        assert workers.ran == [7]
    finally:
        await conn.disconnect()
        await conn.__aexit__(None, None, None)
    assert app.load_gauge.in_flight == 0


async def test_open_websocket_does_not_hold_jobs_back(
    app: Any, svc: Services, client: Any, workers: Recorder
):
    """An open streaming WebSocket is not an in-flight request: jobs run at once."""
    svc.jobs.yield_to(app.load_gauge, hold=LONG_HOLD)
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    async with client.websocket(
        "/api/v1/streaming", query_string={"access_token": token, "stream": "user"}
    ) as ws:
        await ws.send('{"type": "subscribe", "stream": "public"}')
        await ws.send("not json")  # answered in order: once it comes back, the socket is open
        error = await asyncio.wait_for(ws.receive(), DEADLINE)
        assert "Could not read the message" in error
        assert app.load_gauge.in_flight == 0
        await enqueue(svc, 8)
        await workers.until(1)
        assert workers.ran == [8]
