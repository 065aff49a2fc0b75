"""Mutes: a local user stops seeing an account's posts and boosts in their timelines.

A muted account's posts stay on its profile page and in threads; with `notifications` its
notifications are hidden too. A mute may run out (`duration_seconds`); an expired mute counts as
none and is deleted lazily (when the user next mutes someone). Nothing federates.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from fedi.context import Services
from fedi.errors import Invalid
from fedi.moderation.blocks import MAX_PAGE_SIZE, PAGE_SIZE, account_by_acct
from fedi.storage import accounts as account_store
from fedi.storage import mutes as mute_store
from fedi.storage.clock import db_in, now_db
from fedi.storage.ids import new_id
from fedi.storage.mutes import Mute
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)

MUTE_YOURSELF = "You can't mute yourself."
MAX_DURATION = 10 * 366 * 24 * 3600
BAD_DURATION = "Choose how long the mute lasts: a number of seconds, or nothing for no limit."


def _expires_at(duration_seconds: int | None) -> str | None:
    if duration_seconds is None or duration_seconds == 0:
        return None
    if not 0 < duration_seconds <= MAX_DURATION:
        raise Invalid.field("duration", BAD_DURATION)
    return db_in(timedelta(seconds=duration_seconds))


async def mute_account(
    svc: Services,
    muter: Account,
    target: Account,
    *,
    notifications: bool = True,
    duration_seconds: int | None = None,
) -> None:
    """Mute `target` (hide its notifications too, unless told not to), for a while or until
    lifted; muting again changes the options. Invalid for oneself or a bad duration."""
    if muter.id == target.id:
        raise Invalid.field("account", MUTE_YOURSELF)
    expires_at = _expires_at(duration_seconds)
    async with svc.db.write() as tx:
        await mute_store.delete_expired_mutes(tx, muter.id, now=now_db())
        await mute_store.upsert_mute(
            tx,
            id=new_id(),
            account_id=muter.id,
            target_account_id=target.id,
            hide_notifications=notifications,
            expires_at=expires_at,
        )
    logger.info("mute by=%s of=%s until=%s", muter.id, target.id, expires_at)


async def unmute_account(svc: Services, muter: Account, target: Account) -> None:
    """Lift a mute (nothing happens if there was none)."""
    async with svc.db.write() as tx:
        await mute_store.delete_mute(tx, muter.id, target.id)


async def list_muted(
    svc: Services, account_id: int, *, max_id: int | None = None, limit: int = PAGE_SIZE
) -> list[tuple[int, Account, Mute]]:
    """The accounts `account_id` mutes, newest mute first: (mute id for paging, account, mute
    with `hide_notifications` and `expires_at`). Expired mutes are left out."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    async with svc.db.read() as conn:
        rows = await mute_store.list_mutes(
            conn, account_id, now=now_db(), max_id=max_id, limit=limit
        )
        accounts = await account_store.get_accounts(conn, [r.target_account_id for r in rows])
    return [
        (r.id, accounts[r.target_account_id], r) for r in rows if r.target_account_id in accounts
    ]


async def mute_by_acct(
    svc: Services,
    muter: Account,
    acct: str,
    *,
    notifications: bool = True,
    duration_seconds: int | None = None,
) -> Account:
    """Mute the account with this handle (see `mute_account`); return it."""
    target = await account_by_acct(svc, acct)
    await mute_account(
        svc, muter, target, notifications=notifications, duration_seconds=duration_seconds
    )
    return target


async def unmute_by_acct(svc: Services, muter: Account, acct: str) -> Account:
    """Unmute the account with this handle; return it."""
    target = await account_by_acct(svc, acct, live=False)
    await unmute_account(svc, muter, target)
    return target
