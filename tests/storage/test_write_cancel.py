"""A write cancelled mid-way (a worker stopped at shutdown) never wedges later writes, and a
write waiting for another process's lock never blocks the event loop."""

from __future__ import annotations

import asyncio
import sqlite3

from fedi.storage.db import Database


async def _open(tmp_path) -> Database:
    db = Database(tmp_path / "db.sqlite3")
    await db.open()
    async with db.write() as tx:
        await tx.execute("CREATE TABLE t (v INTEGER)")
    return db


async def _values(db: Database) -> list[int]:
    async with db.read() as conn:
        return [row[0] for row in await conn.fetchall("SELECT v FROM t ORDER BY v")]


async def test_a_write_cancelled_between_statements_leaves_nothing_and_the_next_commits(tmp_path):
    """Cancelling a write after its first statement rolls it back; the next write commits."""
    db = await _open(tmp_path)
    try:
        halfway = asyncio.Event()

        async def cancelled_write() -> None:
            async with db.write() as tx:
                await tx.execute("INSERT INTO t (v) VALUES (1)")
                halfway.set()
                await asyncio.sleep(10)
                await tx.execute("INSERT INTO t (v) VALUES (3)")

        task = asyncio.create_task(cancelled_write())
        await halfway.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

        async with db.write() as tx:
            await tx.execute("INSERT INTO t (v) VALUES (2)")
        assert await _values(db) == [2]
    finally:
        await db.close()


async def test_a_write_waits_for_another_process_lock_without_blocking_the_loop(tmp_path):
    """While another connection holds the write lock, our write waits off the loop (other tasks
    keep running) and commits once the lock is released."""
    db = await _open(tmp_path)
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t (v) VALUES (10)")

        async def write() -> None:
            async with db.write() as tx:
                await tx.execute("INSERT INTO t (v) VALUES (11)")

        task = asyncio.create_task(write())
        ticks = 0
        for _ in range(5):  # the loop stays responsive while the write waits for the lock
            await asyncio.sleep(0.02)
            ticks += 1
        assert not task.done()
        other.execute("COMMIT")
        await asyncio.wait_for(task, timeout=5)
        assert ticks == 5
        assert await _values(db) == [10, 11]
    finally:
        other.close()
        await db.close()


async def test_a_write_cancelled_while_waiting_for_the_lock_does_not_wedge_the_writer(tmp_path):
    """Cancelling a write that waits for another process's lock leaves the writer usable."""
    db = await _open(tmp_path)
    other = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with db.write() as tx:
                await tx.execute("INSERT INTO t (v) VALUES (1)")

        task = asyncio.create_task(write())
        await asyncio.sleep(0.05)
        task.cancel()
        other.execute("COMMIT")
        try:
            await task
        except asyncio.CancelledError:
            pass

        async with db.write() as tx:
            await tx.execute("INSERT INTO t (v) VALUES (2)")
        assert await _values(db) == [2]
    finally:
        other.close()
        await db.close()


async def test_a_long_read_moves_off_the_loop_and_still_answers(tmp_path):
    """A read that outgrows the inline budget is run again on its reader thread: the answer is
    complete and the event loop keeps serving other tasks meanwhile."""
    db = await _open(tmp_path)
    try:
        async with db.write() as tx:
            await tx.execute(
                "INSERT INTO t (v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                " FROM n WHERE i < 200000) SELECT i FROM n"
            )
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0)
                ticks += 1

        running = asyncio.create_task(ticker())
        async with db.read() as conn:
            total = await conn.fetchval(
                "SELECT sum(a.v % 7) FROM t a JOIN t b ON b.v = a.v WHERE a.v % 3 = 0"
            )
            quick = await conn.fetchval("SELECT count(*) FROM t WHERE v = 5")
        running.cancel()
        assert total == sum(v % 7 for v in range(3, 200001, 3))
        assert quick == 1
        assert ticks > 0  # the loop ran while the long read was on the thread
    finally:
        await db.close()
