"""Timestamps as stored: ISO 8601 UTC with milliseconds and Z, which sort as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_db(dt: datetime) -> str:
    """2026-11-22T10:00:00.123Z"""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def from_db(text: str | None) -> datetime | None:
    """Parse a stored timestamp (None stays None)."""
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now_db() -> str:
    """The current time in stored form."""
    return to_db(utcnow())


def db_in(delta: timedelta) -> str:
    """Stored form of now + delta."""
    return to_db(utcnow() + delta)
