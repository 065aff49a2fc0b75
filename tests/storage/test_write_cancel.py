"""A write cancelled mid-way (a worker stopped at shutdown) never wedges later writes."""

from __future__ import annotations

import asyncio
import time

from fedi.storage.db import Database


async def test_a_write_cancelled_in_its_first_statement_leaves_the_database_writable(tmp_path):
    """Cancelling a write while its first statement is still queued on the connection thread
    rolls it back; the next write commits and the cancelled one left nothing."""
    db = Database(tmp_path / "db.sqlite3")
    await db.open()
    try:
        async with db.write() as tx:
            await tx.execute("CREATE TABLE t (v INTEGER)")

        started = asyncio.Event()

        async def cancelled_write() -> None:
            async with db.write() as tx:
                started.set()
                await tx.execute("INSERT INTO t (v) VALUES (1)")

        # Keep the connection thread busy so the write's first statement (and its BEGIN) waits
        # in the thread's queue while the task is cancelled, as at a shutdown.
        busy = asyncio.ensure_future(db._writer._execute(lambda: time.sleep(0.3)))
        task = asyncio.create_task(cancelled_write())
        await started.wait()
        await asyncio.sleep(0)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

        async with db.write() as tx:
            await tx.execute("INSERT INTO t (v) VALUES (2)")
        await busy
        async with db.read() as conn:
            values = [row[0] for row in await conn.fetchall("SELECT v FROM t ORDER BY v")]
        assert values == [2]
    finally:
        await db.close()
