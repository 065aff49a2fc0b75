"""SQLite access: one writer connection behind a lock, a small pool of read connections (WAL).

`async with db.write() as tx:` runs one `BEGIN IMMEDIATE` transaction and, after COMMIT, the
callbacks registered with `tx.on_commit(...)`. `async with db.read() as conn:` borrows a reader.

SQLite work runs inline on the event loop's thread where it is short, because a thread hop
costs 100-300 µs of handing the GIL back and forth, more than most statements. Writes: a write
statement is short (the style rules keep network and heavy work out of transactions); the writer
is one connection behind a lock either way. Only waiting for another process's write lock
(`BEGIN IMMEDIATE` finding the database busy) goes to the writer's thread, so the loop never
blocks on it, and WAL checkpoints run on a connection of their own, off the loop. Reads: inline
within a budget of SQLite work; a read that outgrows it is interrupted and run again on its
reader's thread (see `Conn`).
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

from fedi.storage.read_cache import CachingConnection, ReadCaches

logger = logging.getLogger(__name__)

Params = Mapping[str, Any] | Sequence[Any]
T = TypeVar("T")
OnCommit = Callable[[], Awaitable[None] | None]

BUSY_TIMEOUT_MS = 5000
# An inline read may run about INLINE_READ_TICKS * PROGRESS_STEPS SQLite VM instructions (a few
# milliseconds) before it is moved to its connection's thread.
PROGRESS_STEPS = 1000
INLINE_READ_TICKS = 100
CHECKPOINT_EVERY = 500  # commits between passive WAL checkpoints (about SQLite's default size)

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-16000",
)


class _Budget:
    """How much SQLite work an inline read may do (counted by a progress handler)."""

    __slots__ = ("armed", "ticks", "tripped")

    def __init__(self) -> None:
        self.armed = False
        self.ticks = 0
        self.tripped = False

    def tick(self) -> int:
        """Called every PROGRESS_STEPS VM instructions; non-zero interrupts the statement."""
        if not self.armed:
            return 0
        self.ticks += 1
        if self.ticks > INLINE_READ_TICKS:
            self.tripped = True
            return 1
        return 0

    def arm(self) -> None:
        self.armed, self.ticks, self.tripped = True, 0, False


class Conn:
    """A connection wrapper; storage functions take one of these.

    Every method is exactly one call of `run`, which executes a whole synchronous function on
    the sqlite3 connection, for hot paths that issue several statements. A reader runs it
    inline on the loop's thread within a budget of SQLite work (most reads are a few hundred
    microseconds, less than a thread hop with its GIL hand-offs costs); a read that outgrows
    the budget is interrupted and run again, whole, on the connection's thread, so a long
    query never holds up the event loop. Reads are side-effect free, so re-running is safe.
    """

    def __init__(self, raw: aiosqlite.Connection, budget: _Budget | None = None) -> None:
        self.raw = raw
        self._budget = budget

    def _prepare(self) -> None:
        """Hook run on the connection thread before each call (Tx opens its transaction)."""

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(sqlite3_connection)`: inline when it is cheap, else on the thread."""
        budget = self._budget
        if budget is not None:
            budget.arm()
            try:
                return fn(self.raw._conn)
            except sqlite3.OperationalError:
                if not budget.tripped:
                    raise
            finally:
                budget.armed = False
            logger.debug("read outgrew the inline budget; running it on the reader thread")

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
    """The write connection inside one transaction (BEGIN rides on the first statement).

    Statements run inline on the loop's thread (see the module docstring).
    """

    def __init__(self, raw: aiosqlite.Connection) -> None:
        super().__init__(raw)
        self._callbacks: list[OnCommit] = []
        self.begun = False

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(sqlite3_connection)` inside the transaction, inline."""
        if not self.begun:
            await self._begin()
        return fn(self.raw._conn)

    async def _begin(self) -> None:
        conn = self.raw._conn
        if conn.in_transaction:
            # Only one Tx holds the writer at a time, so an open transaction here was left
            # by a cancelled one; never let it wedge every later write.
            logger.warning("rolling back a transaction left open by a cancelled write")
            conn.rollback()
        conn.execute("PRAGMA busy_timeout=0")  # try the write lock without blocking the loop
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction or "locked" not in str(exc):
                raise
            # Another process holds the write lock: wait for it on the writer's thread.
            await self.raw._execute(_begin_waiting(conn))
        finally:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.begun = True

    def on_commit(self, callback: OnCommit) -> None:
        """Run `callback` after this transaction commits (never if it rolls back)."""
        self._callbacks.append(callback)


def _begin_waiting(conn: sqlite3.Connection) -> Callable[[], None]:
    def begin() -> None:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("BEGIN IMMEDIATE")

    return begin


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
        self._checkpointer: aiosqlite.Connection | None = None
        self._budgets: dict[int, _Budget] = {}
        self._checkpoint: asyncio.Future[Any] | None = None
        self._commits = 0
        self.caches = ReadCaches()
        """What readers keep between reads, checked by row stamps (`status_cache`)."""

    async def _connect(self, *, readonly: bool, inline: bool = False) -> aiosqlite.Connection:
        # The writer is also used inline from the loop's thread (check_same_thread off; the
        # write lock keeps one user at a time).
        pending = aiosqlite.connect(
            self.path,
            isolation_level=None,
            check_same_thread=not inline,
            factory=CachingConnection,
        )
        # A connection some crashed caller never closed must not keep the process alive at exit
        # (aiosqlite's worker thread is not a daemon); WAL keeps the data safe either way.
        pending._thread.daemon = True
        raw = await pending
        raw.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            await raw.execute(pragma)
        if readonly:
            await raw.execute("PRAGMA query_only=ON")
            # Only readers fill the caches: they see committed rows, never a transaction's own.
            raw._conn.caches = self.caches
        return raw

    async def open(self) -> None:
        """Open the writer and the reader pool."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect(readonly=False, inline=True)
        # Checkpoints are done on their own connection and thread, never by a COMMIT inline.
        await self._writer.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = await self._connect(readonly=False)
        for _ in range(self._reader_count):
            raw = await self._connect(readonly=True, inline=True)
            budget = _Budget()
            raw._conn.set_progress_handler(budget.tick, PROGRESS_STEPS)
            self._budgets[id(raw)] = budget
            self._all_readers.append(raw)
            self._readers.put_nowait(raw)

    async def close(self) -> None:
        """Close every connection."""
        for raw in self._all_readers:
            await raw.close()
        self._all_readers.clear()
        self._budgets.clear()
        self._readers = asyncio.Queue()
        if self._checkpoint is not None:
            await asyncio.gather(self._checkpoint, return_exceptions=True)
            self._checkpoint = None
        if self._checkpointer is not None:
            await self._checkpointer.close()
            self._checkpointer = None
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
                self._writer._conn.execute("COMMIT")
                self._after_commit()
        for callback in tx._callbacks:
            try:
                result = callback()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                logger.exception("on_commit callback failed")

    def _after_commit(self) -> None:
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY or self._checkpointer is None:
            return
        if self._checkpoint is None or self._checkpoint.done():
            self._checkpoint = asyncio.ensure_future(
                self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)")
            )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Conn]:
        """Borrow a read-only connection (sees the last committed state)."""
        raw = await self._readers.get()
        try:
            yield Conn(raw, self._budgets.get(id(raw)))
        finally:
            self._readers.put_nowait(raw)

    @asynccontextmanager
    async def raw_writer(self) -> AsyncIterator[aiosqlite.Connection]:
        """The writer connection outside any transaction (migrations only)."""
        assert self._writer is not None, "database is not open"
        async with self._lock:
            yield self._writer
