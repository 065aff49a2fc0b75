"""The generic job engine: claim due rows → run the handler → done, retry later, or dead.

Handlers are registered per job kind by app.py (mail, and later inbox, fan-out, delivery, media).
Enqueueing wakes the worker through an asyncio.Event; polling only serves scheduled retries.
Tests and `fedi jobs` drive it with `run_once()` / `run_until_idle()`.

Requests go first: in the server the runner is given the process's `LoadGauge` (`yield_to`). Unless
the process is quiet (no HTTP request in flight for YIELD_CALM), each queue loop holds its next job
start until it is, at most YIELD_HOLD, and then starts a single job if it is still not; so under
saturating request load the background work shrinks to about one job start per queue per
YIELD_HOLD, and never stops. Jobs already running are not paused; once quiet, the free slots fill.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from fedi.load_gauge import LoadGauge
from fedi.storage import jobs as job_store
from fedi.storage.clock import from_db, utcnow
from fedi.storage.db import Database
from fedi.storage.rows import Job

logger = logging.getLogger(__name__)

Handler = Callable[[Job], Awaitable[None]]

CLAIM_GATHER = 0.01  # seconds a free slot may wait for others to free before claiming
YIELD_HOLD = 0.03  # seconds a job start may be held back while HTTP requests are in flight
YIELD_CALM = 0.005  # seconds without requests that make the process quiet (not an instant's gap)


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help; the job is marked dead at once."""


class RetryLater(Exception):
    """Raised by a handler to retry after a given delay (e.g. a Retry-After header)."""

    def __init__(self, message: str, *, delay: timedelta | None = None) -> None:
        super().__init__(message)
        self.delay = delay


def retry_delay(attempt: int, *, jitter: float | None = None) -> timedelta:
    """Polynomial backoff: about 16 s after the first failure, ~2.6 days over 16 attempts."""
    rand = random.random() if jitter is None else jitter
    seconds = attempt**4 + 15 + rand * 10 * (attempt + 1)
    return timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True, kw_only=True)
class Queue:
    """One kind of job: its handler and limits."""

    kind: str
    handler: Handler
    max_attempts: int = 16
    concurrency: int = 4
    lease: timedelta = timedelta(minutes=5)


class JobRunner:
    """Runs the registered queues inside the server process."""

    def __init__(self, db: Database, *, gauge: LoadGauge | None = None) -> None:
        self.db = db
        self.gauge = gauge
        self.yield_hold = YIELD_HOLD
        self.yield_calm = YIELD_CALM
        self.queues: dict[str, Queue] = {}
        self._wakes: dict[str, asyncio.Event] = {}
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    def register(self, queue: Queue) -> None:
        """Add a job kind and its handler."""
        self.queues[queue.kind] = queue

    def yield_to(
        self, gauge: LoadGauge | None, *, hold: float = YIELD_HOLD, calm: float = YIELD_CALM
    ) -> None:
        """Let this process's requests go first: while it is not quiet (a request within the
        last `calm` seconds), hold each job start at most `hold` seconds (the server does this);
        None: never yield (CLI, tests)."""
        self.gauge = gauge
        self.yield_hold = hold
        self.yield_calm = calm

    def wake(self) -> None:
        """Tell the loops that new work may be due (cheap; call after commit)."""
        for event in self._wakes.values():
            event.set()

    async def run_once(self, kinds: list[str] | None = None) -> int:
        """Claim and run one batch of due jobs of each kind; return how many ran."""
        ran = 0
        for kind in kinds or list(self.queues):
            queue = self.queues[kind]
            async with self.db.write() as tx:
                claimed = await job_store.claim_due(
                    tx, [kind], limit=queue.concurrency, lease=queue.lease
                )
            if claimed:
                succeeded = await asyncio.gather(*(self._run(queue, job) for job in claimed))
                async with self.db.write() as tx:
                    await job_store.complete_many(
                        tx, [job.id for job, ok in zip(claimed, succeeded, strict=True) if ok]
                    )
                ran += len(claimed)
        return ran

    async def run_until_idle(
        self, kinds: list[str] | None = None, *, max_rounds: int = 1000
    ) -> int:
        """Run batches until nothing is due (tests, CLI)."""
        total = 0
        for _ in range(max_rounds):
            ran = await self.run_once(kinds)
            total += ran
            if not ran:
                break
        return total

    async def _run(self, queue: Queue, job: Job) -> bool:
        """Run one job; on failure record the retry or death. True when it succeeded: the
        caller marks it done, batched with its next claim (one write for many jobs)."""
        try:
            await queue.handler(job)
        except PermanentFailure as exc:
            logger.warning("job dead kind=%s id=%s error=%s", job.kind, job.id, exc)
            async with self.db.write() as tx:
                await job_store.give_up(tx, job.id, error=str(exc))
            return False
        except Exception as exc:  # any failure is retried until max_attempts
            error = f"{type(exc).__name__}: {exc}"
            delay = exc.delay if isinstance(exc, RetryLater) and exc.delay else None
            async with self.db.write() as tx:
                if job.attempts >= queue.max_attempts:
                    logger.warning(
                        "job dead kind=%s id=%s attempts=%s error=%s",
                        job.kind,
                        job.id,
                        job.attempts,
                        error,
                    )
                    await job_store.give_up(tx, job.id, error=error)
                else:
                    wait = delay or retry_delay(job.attempts)
                    logger.info(
                        "job retry kind=%s id=%s attempt=%s in=%ss error=%s",
                        job.kind,
                        job.id,
                        job.attempts,
                        int(wait.total_seconds()),
                        error,
                    )
                    await job_store.retry(tx, job.id, delay=wait, error=error)
            return False
        return True

    async def _seconds_until_due(self, kind: str) -> float:
        async with self.db.read() as conn:
            due = await job_store.next_due_at(conn, [kind])
        if due is None:
            return 60.0
        when = from_db(due)
        assert when is not None
        return max(0.0, min(60.0, (when - utcnow()).total_seconds()))

    async def _queue_loop(self, queue: Queue) -> None:
        """Keep up to `queue.concurrency` jobs of one kind in flight, claiming as slots free.

        A slow job (a slow host) holds only its own slot: the others keep claiming work.
        Finished jobs are marked done in the same write as the next claim.
        """
        wake = self._wakes[queue.kind]
        in_flight: dict[asyncio.Task[bool], int] = {}
        finished: list[int] = []
        try:
            await self._claim_loop(queue, wake, in_flight, finished)
        finally:
            # Interrupted jobs keep their lease and run again after it expires (restart-safe).
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
            finished.extend(
                job_id
                for task, job_id in in_flight.items()
                if task.done()
                and not task.cancelled()
                and task.exception() is None
                and task.result()
            )
            if finished:
                async with self.db.write() as tx:
                    await job_store.complete_many(tx, finished)

    async def _claim_loop(
        self,
        queue: Queue,
        wake: asyncio.Event,
        in_flight: dict[asyncio.Task[bool], int],
        finished: list[int],
    ) -> None:
        loop = asyncio.get_running_loop()
        batch = max(1, queue.concurrency // 4)
        last_claim = 0.0
        while not self._stopping:
            # Cleared before looking for work, so a job enqueued while we look (a wake during
            # the claim or the due-time read) is not missed: the wait below returns at once.
            wake.clear()
            try:
                free = queue.concurrency - len(in_flight)
                now = loop.time()
                # Claim (and mark the finished done) once a few slots are free, not per slot: a
                # claim is a write. A slot never waits more than CLAIM_GATHER for its work.
                may_claim = free > 0 and (
                    free >= batch or not in_flight or now - last_claim >= CLAIM_GATHER
                )
                if may_claim and self.gauge is not None and not self.gauge.quiet(self.yield_calm):
                    free = await self._yield_to_requests(self.gauge, free)
                    now = loop.time()
                claimed: list[Job] = []
                if may_claim:
                    async with self.db.write() as tx:
                        await job_store.complete_many(tx, finished)
                        claimed = await job_store.claim_due(
                            tx, [queue.kind], limit=free, lease=queue.lease
                        )
                    finished.clear()
                    last_claim = now
                for job in claimed:
                    in_flight[asyncio.create_task(self._run(queue, job))] = job.id
                if len(in_flight) >= queue.concurrency:
                    wait = 60.0  # every slot busy: a finishing job wakes the loop
                elif not may_claim:
                    wait = max(0.001, CLAIM_GATHER - (now - last_claim))
                elif claimed:
                    continue  # there may be more due work for the free slots
                else:
                    wait = max(0.05, await self._seconds_until_due(queue.kind))
            except Exception:
                logger.exception("job loop error kind=%s", queue.kind)
                wait = 5.0
            waiter = asyncio.create_task(wake.wait())
            try:
                done, _ = await asyncio.wait(
                    {waiter, *in_flight},
                    timeout=wait,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                waiter.cancel()
            for task in done:
                job_id = in_flight.pop(task, None)  # type: ignore[call-overload]
                if (
                    job_id is not None
                    and not task.cancelled()
                    and task.exception() is None
                    and task.result()
                ):
                    finished.append(job_id)

    async def _yield_to_requests(self, gauge: LoadGauge, free: int) -> int:
        """Hold the next job start until the process is quiet, at most `yield_hold`; return how
        many jobs may start now: all free slots once quiet, one if requests still keep it busy."""
        if await gauge.wait_quiet(self.yield_calm, self.yield_hold):
            return free
        return 1

    async def list(
        self, *, state: str | None = None, kind: str | None = None, limit: int = 100
    ) -> list[Job]:
        """Jobs for operators (`fedi jobs list`, the admin page), newest first."""
        async with self.db.read() as conn:
            return await job_store.list_jobs(conn, state=state, kind=kind, limit=limit)

    async def requeue(self, job_id: int) -> bool:
        """Retry a dead or waiting job now; False if it is in another state."""
        async with self.db.write() as tx:
            ok = await job_store.requeue(tx, job_id)
        if ok:
            self.wake()
        return ok

    @property
    def running(self) -> bool:
        """True while the background loops run."""
        return bool(self._tasks) and all(not t.done() for t in self._tasks)

    def start(self) -> None:
        """Start one background loop per job kind (server process)."""
        self._stopping = False
        for kind, queue in self.queues.items():
            self._wakes[kind] = asyncio.Event()
            self._tasks.append(
                asyncio.create_task(self._queue_loop(queue), name=f"fedi-jobs-{kind}")
            )

    async def stop(self) -> None:
        """Stop the loops; interrupted jobs are resumed after a restart (their lease expires)."""
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._tasks.clear()
