"""Instance-wide settings and secrets stored in the database (key/value)."""

from __future__ import annotations

from fedi.storage.db import Conn, Tx


async def get_setting(conn: Conn, key: str) -> str | None:
    """One setting's value, or None."""
    return await conn.fetchval("SELECT value FROM settings WHERE key = ?", (key,))  # type: ignore[no-any-return]


async def get_settings(conn: Conn) -> dict[str, str]:
    """Every setting."""
    return {r["key"]: r["value"] for r in await conn.fetchall("SELECT key, value FROM settings")}


async def upsert_setting(tx: Tx, key: str, value: str) -> None:
    """Set a setting."""
    await tx.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


async def insert_setting_if_missing(tx: Tx, key: str, value: str) -> bool:
    """Set a setting only if it has no value yet; True if it was inserted."""
    return bool(
        await tx.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (key, value),
        )
    )
