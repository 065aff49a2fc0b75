"""How many ordinary HTTP requests this process is handling, for background work to yield to.

The app (`fedi.app.FediQuart`) counts an HTTP request from the server's call into the app until
its response is sent. A response with a streamed body (Server-Sent Events, a file) stops counting
once its handler has returned it, and WebSocket connections never count, so an open stream or a
long download does not hold workers back. A request whose body is still arriving (a slow upload)
counts until it is answered.

The job engine (`fedi.workers.JobRunner.yield_to`) waits, bounded, for the process to be quiet
(no request in flight for a few milliseconds: under load the count touches zero for an instant
between two requests, which is no room for a burst of jobs) before starting more jobs. The gauge is
per process: with several server processes each has its own and its workers yield to its requests.
"""

from __future__ import annotations

import asyncio
import time


class LoadGauge:
    """A counter of in-flight requests, when it last fell to zero, and an event set then."""

    __slots__ = ("_idle", "idle_since", "in_flight")

    def __init__(self) -> None:
        self.in_flight = 0
        self.idle_since = 0.0  # time.monotonic() when the count last fell to zero
        self._idle = asyncio.Event()  # binds to the running loop on first wait

    def enter(self) -> None:
        """A request has started (call `leave` exactly once when it is answered)."""
        self.in_flight += 1

    def leave(self) -> None:
        """A request is answered; the last one out notes the time and wakes the waiters."""
        self.in_flight -= 1
        if not self.in_flight:
            self.idle_since = time.monotonic()
            self._idle.set()

    @property
    def busy(self) -> bool:
        """True while at least one request is in flight."""
        return self.in_flight > 0

    def quiet(self, calm: float) -> bool:
        """True when no request has been in flight for the last `calm` seconds."""
        return not self.in_flight and time.monotonic() - self.idle_since >= calm

    async def wait_quiet(self, calm: float, at_most: float) -> bool:
        """Wait until no request has been in flight for `calm` seconds, at most `at_most`
        seconds in all; True if the process got quiet, False if the wait ran out."""
        deadline = time.monotonic() + at_most
        while True:
            now = time.monotonic()
            if not self.in_flight and now - self.idle_since >= calm:
                return True
            left = deadline - now
            if left <= 0:
                return False
            if self.in_flight:
                # Cleared only while busy: the `leave` that reaches zero sets it again.
                self._idle.clear()
                try:
                    async with asyncio.timeout(left):
                        await self._idle.wait()
                except TimeoutError:
                    return False
            else:  # idle, not yet for `calm`: a timer, then look again
                await asyncio.sleep(min(left, self.idle_since + calm - now))
