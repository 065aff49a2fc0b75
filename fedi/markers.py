"""Reading positions synced between apps: where the user stopped in home and in notifications."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fedi.context import Services
from fedi.errors import Invalid
from fedi.storage import markers as marker_store
from fedi.storage.markers import Marker
from fedi.storage.rows import Account

__all__ = ["TIMELINES", "Marker", "get_markers", "save_markers"]

TIMELINES = ("home", "notifications")


async def get_markers(svc: Services, account: Account, timelines: Sequence[str]) -> list[Marker]:
    """The account's markers for the timelines asked about (unknown names and unset ones left out)."""
    wanted = [t for t in dict.fromkeys(timelines) if t in TIMELINES]
    if not wanted:
        return []
    async with svc.db.read() as conn:
        return await marker_store.get_markers(conn, account.id, wanted)


async def save_markers(
    svc: Services, account: Account, positions: Mapping[str, str]
) -> list[Marker]:
    """Set `last_read_id` per timeline (unknown timelines ignored); each save bumps the version.

    Invalid when an id is not a status/notification id (digits only).
    """
    cleaned: dict[str, int] = {}
    for timeline, value in positions.items():
        if timeline not in TIMELINES:
            continue
        text = str(value).strip()
        if not text.isdigit() or len(text) > 19:
            raise Invalid.field(f"{timeline}[last_read_id]", "must be an id")
        cleaned[timeline] = int(text)
    if not cleaned:
        return []
    async with svc.db.write() as tx:
        return await marker_store.save_markers(tx, account.id, cleaned)


async def last_read_id(svc: Services, account_id: int, timeline: str) -> int | None:
    """The account's marker position in one timeline, or None if never set."""
    async with svc.db.read() as conn:
        found = await marker_store.get_markers(conn, account_id, [timeline])
    return found[0].last_read_id if found else None
