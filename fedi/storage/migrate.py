"""Numbered SQL migrations (migrations/NNNN_name.sql), tracked with PRAGMA user_version."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fedi.storage.db import Database

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    number: int
    name: str
    sql: str


@cache
def available() -> tuple[Migration, ...]:
    """Every migration file, in order (read once per process)."""
    found = []
    for path in sorted(MIGRATIONS_DIR.iterdir()):
        match = _NAME.match(path.name)
        if match:
            found.append(
                Migration(
                    number=int(match.group(1)), name=path.stem, sql=path.read_text(encoding="utf-8")
                )
            )
    numbers = [m.number for m in found]
    assert numbers == list(range(1, len(found) + 1)), f"migrations must be numbered 1..n: {numbers}"
    return tuple(found)


async def current_version(db: Database) -> int:
    async with db.raw_writer() as raw, raw.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: Database) -> list[str]:
    """Apply every migration newer than the database; return the names applied."""
    applied = []
    version = await current_version(db)
    for migration in available():
        if migration.number <= version:
            continue
        script = (
            "BEGIN IMMEDIATE;\n"
            + migration.sql
            + f"\nPRAGMA user_version = {migration.number};\nCOMMIT;"
        )
        async with db.raw_writer() as raw:
            try:
                await raw.executescript(script)
            except Exception:
                await raw.execute("ROLLBACK") if raw.in_transaction else None
                raise
        logger.info("applied migration %s", migration.name)
        applied.append(migration.name)
    return applied


async def is_current(db: Database) -> bool:
    """True when every migration has been applied (read on a reader: /health never waits for
    the writer)."""
    async with db.read() as conn:
        version = await conn.fetchval("PRAGMA user_version")
    return int(version or 0) == len(available())
