"""SQLite access: one writer connection behind a lock, a small pool of read connections (WAL).

`async with db.write() as tx:` runs one `BEGIN IMMEDIATE` transaction and, after COMMIT, the
callbacks registered with `tx.on_commit(...)`. `async with db.read() as conn:` borrows a reader.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

logger = logging.getLogger(__name__)

Params = Mapping[str, Any] | Sequence[Any]
T = TypeVar("T")
OnCommit = Callable[[], Awaitable[None] | None]

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-16000",
)


class Conn:
    """A connection wrapper; storage functions take one of these.

    Every method is exactly one round trip to the connection's thread (a hop costs
    100-300 µs on small machines, far more than the SQL itself), and `run` executes a
    whole synchronous function there in one hop, for hot paths that issue several
    statements.
    """

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw

    def _prepare(self) -> None:
        """Hook run on the connection thread before each call (Tx opens its transaction)."""

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(sqlite3_connection)` on the connection's thread, in one hop."""

        def call() -> T:
            self._prepare()
            return fn(self.raw._conn)

        return await self.raw._execute(call)  # type: ignore[no-any-return]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; return the number of changed rows."""
        return await self.run(lambda c: c.execute(sql, params).rowcount)

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; return lastrowid."""
        return await self.run(lambda c: c.execute(sql, params).lastrowid or 0)

    async def executemany(self, sql: str, params: Iterable[Params]) -> None:
        rows = list(params)
        if rows:
            await self.run(lambda c: c.executemany(sql, rows))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return await self.run(lambda c: c.execute(sql, params).fetchone())

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await self.run(lambda c: c.execute(sql, params).fetchall())

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Tx(Conn):
    """The write connection inside one transaction (BEGIN rides on the first statement)."""

    def __init__(self, raw: aiosqlite.Connection) -> None:
        super().__init__(raw)
        self._callbacks: list[OnCommit] = []
        self.begun = False

    def _prepare(self) -> None:
        if not self.begun:
            conn = self.raw._conn
            if conn.in_transaction:
                # Only one Tx holds the writer at a time, so an open transaction here was left
                # by a cancelled one; never let it wedge every later write.
                logger.warning("rolling back a transaction left open by a cancelled write")
                conn.rollback()
            conn.execute("BEGIN IMMEDIATE")
            self.begun = True

    def on_commit(self, callback: OnCommit) -> None:
        """Run `callback` after this transaction commits (never if it rolls back)."""
        self._callbacks.append(callback)


def _rollback_if_open(raw: aiosqlite.Connection) -> Callable[[], None]:
    def rollback() -> None:
        if raw._conn.in_transaction:
            raw._conn.rollback()

    return rollback


class Database:
    """The embedded SQLite database of one instance."""

    def __init__(self, path: str | Path, *, readers: int = 3) -> None:
        self.path = str(path)
        self._reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []

    async def _connect(self, *, readonly: bool) -> aiosqlite.Connection:
        pending = aiosqlite.connect(self.path, isolation_level=None)
        # A connection some crashed caller never closed must not keep the process alive at exit
        # (aiosqlite's worker thread is not a daemon); WAL keeps the data safe either way.
        pending._thread.daemon = True
        raw = await pending
        raw.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            await raw.execute(pragma)
        if readonly:
            await raw.execute("PRAGMA query_only=ON")
        return raw

    async def open(self) -> None:
        """Open the writer and the reader pool."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect(readonly=False)
        for _ in range(self._reader_count):
            raw = await self._connect(readonly=True)
            self._all_readers.append(raw)
            self._readers.put_nowait(raw)

    async def close(self) -> None:
        """Close every connection."""
        for raw in self._all_readers:
            await raw.close()
        self._all_readers.clear()
        self._readers = asyncio.Queue()
        if self._writer is not None:
            await self._writer.close()
            self._writer = None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Tx]:
        """One short write transaction; on_commit callbacks run after COMMIT."""
        assert self._writer is not None, "database is not open"
        async with self._lock:
            tx = Tx(self._writer)
            try:
                yield tx
            except BaseException:
                # Checked on the connection's thread, after any statement still queued there:
                # a write cancelled during its first hop has not set `begun` yet, but its BEGIN
                # will still run.
                await self._writer._execute(_rollback_if_open(self._writer))
                raise
            if tx.begun:
                await self._writer.execute("COMMIT")
        for callback in tx._callbacks:
            try:
                result = callback()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("on_commit callback failed")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        """Borrow a read-only connection (sees the last committed state)."""
        raw = await self._readers.get()
        try:
            yield Conn(raw)
        finally:
            self._readers.put_nowait(raw)

    @asynccontextmanager
    async def raw_writer(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer connection outside any transaction (migrations only)."""
        assert self._writer is not None, "database is not open"
        async with self._lock:
            yield self._writer
