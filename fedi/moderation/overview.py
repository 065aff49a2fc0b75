"""Settings → Blocks and mutes: the accounts a user blocks and mutes, as the page lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fedi.accounts.profiles import AccountCard
from fedi.accounts.remote_profiles import card_of
from fedi.context import Services
from fedi.moderation.blocks import PAGE_SIZE, list_blocked
from fedi.moderation.mutes import list_muted
from fedi.posts_view import time_label
from fedi.storage.clock import from_db


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockedEntry:
    """One blocked account (`id` is the block's, for paging)."""

    id: int
    card: AccountCard


@dataclass(frozen=True, slots=True, kw_only=True)
class MutedEntry:
    """One muted account (`id` is the mute's, for paging), with the mute's options."""

    id: int
    card: AccountCard
    hide_notifications: bool
    expires_at: datetime | None
    expires_label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BlocksAndMutes:
    """A page of each list; `next_*_max_id` continue a list that was cut at the page size."""

    blocked: list[BlockedEntry]
    muted: list[MutedEntry]
    next_blocked_max_id: int | None
    next_muted_max_id: int | None


async def blocks_and_mutes(
    svc: Services,
    account_id: int,
    *,
    blocked_max_id: int | None = None,
    muted_max_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> BlocksAndMutes:
    """The accounts `account_id` blocks and mutes (newest first, one page of each)."""
    blocked = await list_blocked(svc, account_id, max_id=blocked_max_id, limit=limit)
    muted = await list_muted(svc, account_id, max_id=muted_max_id, limit=limit)
    return BlocksAndMutes(
        blocked=[BlockedEntry(id=i, card=card_of(svc, a)) for i, a in blocked],
        muted=[
            MutedEntry(
                id=i,
                card=card_of(svc, a),
                hide_notifications=bool(mute.hide_notifications),
                expires_at=from_db(mute.expires_at),
                expires_label=time_label(mute.expires_at),
            )
            for i, a, mute in muted
        ],
        next_blocked_max_id=blocked[-1][0] if len(blocked) >= limit else None,
        next_muted_max_id=muted[-1][0] if len(muted) >= limit else None,
    )
