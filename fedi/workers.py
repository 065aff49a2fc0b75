"""The generic job engine: claim due rows → run the handler → done, retry later, or dead.

Handlers are registered per job kind by app.py (mail, and later inbox, fan-out, delivery, media).
Enqueueing wakes the worker through an asyncio.Event; polling only serves scheduled retries.
Tests and `fedi jobs` drive it with `run_once()` / `run_until_idle()`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from fedi.storage import jobs as job_store
from fedi.storage.clock import from_db, utcnow
from fedi.storage.db import Database
from fedi.storage.rows import Job

logger = logging.getLogger(__name__)

Handler = Callable[[Job], Awaitable[None]]


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

    def __init__(self, db: Database) -> None:
        self.db = db
        self.queues: dict[str, Queue] = {}
        self._wakes: dict[str, asyncio.Event] = {}
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    def register(self, queue: Queue) -> None:
        """Add a job kind and its handler."""
        self.queues[queue.kind] = queue

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
                await asyncio.gather(*(self._run(queue, job) for job in claimed))
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

    async def _run(self, queue: Queue, job: Job) -> None:
        try:
            await queue.handler(job)
        except PermanentFailure as exc:
            logger.warning("job dead kind=%s id=%s error=%s", job.kind, job.id, exc)
            async with self.db.write() as tx:
                await job_store.give_up(tx, job.id, error=str(exc))
            return
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
            return
        async with self.db.write() as tx:
            await job_store.complete(tx, job.id)

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
        """
        wake = self._wakes[queue.kind]
        in_flight: set[asyncio.Task[None]] = set()
        try:
            await self._claim_loop(queue, wake, in_flight)
        finally:
            # Interrupted jobs keep their lease and run again after it expires (restart-safe).
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _claim_loop(
        self, queue: Queue, wake: asyncio.Event, in_flight: set[asyncio.Task[None]]
    ) -> None:
        while not self._stopping:
            try:
                free = queue.concurrency - len(in_flight)
                claimed: list[Job] = []
                if free > 0:
                    async with self.db.write() as tx:
                        claimed = await job_store.claim_due(
                            tx, [queue.kind], limit=free, lease=queue.lease
                        )
                for job in claimed:
                    in_flight.add(asyncio.create_task(self._run(queue, job)))
                if claimed and len(in_flight) < queue.concurrency:
                    continue
                wait = await self._seconds_until_due(queue.kind) if free > 0 else 60.0
            except Exception:
                logger.exception("job loop error kind=%s", queue.kind)
                wait = 5.0
            wake.clear()
            waiter = asyncio.create_task(wake.wait())
            try:
                done, _ = await asyncio.wait(
                    {waiter, *in_flight},
                    timeout=max(wait, 0.05),
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                waiter.cancel()
            in_flight -= done

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
