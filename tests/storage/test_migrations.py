"""Migrations build the schema from nothing, consistently, and only once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fedi.storage.db import Database
from fedi.storage.migrate import available, current_version, migrate

SNAPSHOT = Path(__file__).parent / "schema.sql"


def dump_schema(path: Path) -> str:
    """The schema as sorted CREATE statements (what reviewers read in the snapshot)."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
        " ORDER BY type DESC, name"
    ).fetchall()
    conn.close()
    return "\n".join(r[0].strip() + ";" for r in rows) + "\n"


async def test_all_migrations_apply_to_an_empty_database(tmp_path):
    """A fresh database reaches the latest version, passes foreign_key_check, matches the snapshot."""
    db = Database(tmp_path / "t.sqlite3")
    await db.open()
    try:
        applied = await migrate(db)
        assert len(applied) == len(available())
        assert await current_version(db) == len(available())
        assert await migrate(db) == []  # idempotent
        async with db.read() as conn:
            assert await conn.fetchall("PRAGMA foreign_key_check") == []
            assert (await conn.fetchone("PRAGMA journal_mode"))[0] == "wal"
    finally:
        await db.close()
    schema = dump_schema(tmp_path / "t.sqlite3")
    if not SNAPSHOT.exists():
        SNAPSHOT.write_text(schema)
    assert schema == SNAPSHOT.read_text(), (
        "the schema changed: review it, then update tests/storage/schema.sql "
        "(delete it and rerun this test to regenerate)"
    )


async def test_a_failed_write_leaves_nothing_behind(tmp_path):
    """An exception inside a write transaction rolls back every statement in it."""
    db = Database(tmp_path / "t.sqlite3")
    await db.open()
    try:
        await migrate(db)
        try:
            async with db.write() as tx:
                await tx.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        async with db.read() as conn:
            assert await conn.fetchval("SELECT count(*) FROM settings WHERE key = 'a'") == 0
    finally:
        await db.close()
