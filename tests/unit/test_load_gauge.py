"""The load gauge: a count of in-flight requests that background work can wait on."""

from __future__ import annotations

import asyncio

from fedi.load_gauge import LoadGauge

DEADLINE = 10.0
"""Seconds within which a wait that must end has ended (a failure bound, not a timing claim)."""


async def test_quiet_gauge_answers_at_once():
    """With no request for a while, waiting for quiet returns True without waiting."""
    gauge = LoadGauge()
    assert not gauge.busy and gauge.quiet(0.005)
    assert await gauge.wait_quiet(0.005, 60.0) is True


async def test_busy_gauge_gives_up_after_the_bound():
    """While a request stays in flight, waiting for quiet ends with False after its bound."""
    gauge = LoadGauge()
    gauge.enter()
    assert gauge.busy and gauge.in_flight == 1 and not gauge.quiet(0.0)
    assert await gauge.wait_quiet(0.0, 0.01) is False
    gauge.leave()
    assert not gauge.busy


async def test_last_request_out_wakes_the_waiter():
    """A wait for quiet ends (True) once the last in-flight request leaves and it stays calm."""
    gauge = LoadGauge()
    gauge.enter()
    gauge.enter()
    waiter = asyncio.create_task(gauge.wait_quiet(0.001, 60.0))
    await asyncio.sleep(0)
    gauge.leave()
    await asyncio.sleep(0)
    assert not waiter.done()  # one request is still in flight
    gauge.leave()
    assert await asyncio.wait_for(waiter, DEADLINE) is True


async def test_a_gap_between_requests_is_not_quiet():
    """Right after a request ends the process is not yet quiet; a wait bounded below the calm
    period gives up, and one allowed longer succeeds."""
    gauge = LoadGauge()
    gauge.enter()
    gauge.leave()
    assert not gauge.quiet(30.0)
    assert await gauge.wait_quiet(30.0, 0.01) is False
    assert await asyncio.wait_for(gauge.wait_quiet(0.01, 30.0), DEADLINE) is True
