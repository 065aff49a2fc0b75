"""Blocks: a local user blocks an account (local or remote), or a remote actor blocks one of ours.

A block, in one transaction, ends the follows between the two accounts both ways (pending
requests too), takes each one's posts out of the other's home feed and removes the notifications
between them. Afterwards the schema keeps new notifications and home-feed rows from crossing it
(migration 0006), `visibility` hides each one's posts from the other in every read, and follows,
likes, boosts and replies across it are refused. Blocking a remote account sends it `Block` (and
`Undo(Block)` when lifted), plus `Undo(Follow)`/`Reject` for the follows that ended, as Mastodon
does. A remote actor's Block is stored with the remote as blocker (`blocked_by` for our user).
"""

from __future__ import annotations

import logging

from fedi.accounts.profiles import check_viewable
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.outbox import activities, federate
from fedi.storage import accounts as account_store
from fedi.storage import blocks as block_store
from fedi.storage import follows as follow_store
from fedi.storage import remote_accounts as remote_account_store
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)

PAGE_SIZE = 40
MAX_PAGE_SIZE = 80
BLOCK_YOURSELF = "You can't block yourself."
LOCAL_ONLY = "Only accounts of this server block through this service."


async def _sever(svc: Services, tx: Tx, blocker: Account, target: Account) -> None:
    """End what the block ends, and tell remote servers about the follows that ended."""
    follows = await follow_store.relationship_rows(tx, blocker.id, target.id)
    await block_store.sever(tx, blocker.id, target.id)
    for follow in follows:
        blocker_follows = follow.account_id == blocker.id
        follower, followed = (blocker, target) if blocker_follows else (target, blocker)
        if follower.local:
            # Undo(Follow) when the followed account is remote (nothing for a local one).
            await federate.federate_undo_follow(svc, tx, follower, followed, follow)
        elif not blocker_follows and blocker.local:
            # A remote follower of our blocking user: its server learns the follow is over.
            await federate.federate_reject(svc, tx, follow)


async def block_account(svc: Services, blocker: Account, target: Account) -> None:
    """`blocker` (local) blocks `target`; idempotent. Invalid for oneself.

    One transaction: the block row, follows both ways and pending requests removed, each one's
    posts out of the other's home feed, notifications between them removed; for a remote target
    Block (and Undo(Follow)/Reject for ended follows) queued to its inbox.
    """
    if blocker.id == target.id:
        raise Invalid.field("account", BLOCK_YOURSELF)
    if not blocker.local:
        raise Invalid(LOCAL_ONLY)
    block_id = new_id()
    uri = activities.block_id(Uris(svc.base_url), blocker.username, block_id)
    async with svc.db.write() as tx:
        added = await block_store.insert_block(
            tx, id=block_id, account_id=blocker.id, target_account_id=target.id, uri=uri
        )
        if not added:
            return
        await _sever(svc, tx, blocker, target)
        await federate.federate_block(svc, tx, blocker, target, block_id)
    logger.info("block by=%s of=%s", blocker.id, target.id)


async def unblock_account(svc: Services, blocker: Account, target: Account) -> None:
    """Lift `blocker`'s block of `target` (Undo(Block) to a remote target); follows stay ended."""
    async with svc.db.write() as tx:
        block = await block_store.get_block(tx, blocker.id, target.id)
        if block is None:
            return
        await block_store.delete_block(tx, block.id)
        await federate.federate_block(svc, tx, blocker, target, block.id, undo=True)
    logger.info("unblock by=%s of=%s", blocker.id, target.id)


async def record_remote_block(
    svc: Services, blocker: Account, target: Account, *, uri: str | None
) -> bool:
    """A remote actor's Block of a local account: stored, follows ended both ways (our user's
    follow of the blocker is undone on its server too). False if it was known already."""
    if blocker.local or not target.local or blocker.id == target.id:
        return False
    async with svc.db.write() as tx:
        added = await block_store.insert_block(
            tx, id=new_id(), account_id=blocker.id, target_account_id=target.id, uri=uri
        )
        if added:
            await _sever(svc, tx, blocker, target)
    logger.info("remote block by=%s of=%s new=%s", blocker.uri, target.id, added)
    return added


async def lift_remote_block(
    svc: Services, blocker: Account, *, uri: str | None, target: Account | None
) -> bool:
    """A remote actor's Undo(Block): its block (found by activity id, else by target) is lifted."""
    async with svc.db.write() as tx:
        block = await block_store.get_block_by_uri(tx, uri) if uri else None
        if block is None and target is not None:
            block = await block_store.get_block(tx, blocker.id, target.id)
        if block is None or block.account_id != blocker.id:
            return False
        await block_store.delete_block(tx, block.id)
    logger.info("remote unblock by=%s of=%s", blocker.uri, block.target_account_id)
    return True


async def list_blocked(
    svc: Services, account_id: int, *, max_id: int | None = None, limit: int = PAGE_SIZE
) -> list[tuple[int, Account]]:
    """The accounts `account_id` blocks, newest block first: (block id for paging, account)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    async with svc.db.read() as conn:
        rows = await block_store.list_blocks(conn, account_id, max_id=max_id, limit=limit)
        accounts = await account_store.get_accounts(conn, [r.target_account_id for r in rows])
    return [(r.id, accounts[r.target_account_id]) for r in rows if r.target_account_id in accounts]


# --- by handle (the web pages) ------------------------------------------------------------------


async def account_by_acct(svc: Services, acct: str, *, live: bool = True) -> Account:
    """The account `name` (ours) or `name@host` known here, no network; NotFound if unknown.

    With `live`, a suspended or deleted account is NotFound or Gone (it cannot be blocked or muted
    any more; lifting a block or mute of it still works).
    """
    name, _, host = acct.strip().lstrip("@").partition("@")
    own = not host or host.lower() == svc.config.instance.domain.lower()
    async with svc.db.read() as conn:
        account = (
            await remote_account_store.get_account_by_acct(conn, name, None if own else host)
            if name
            else None
        )
    if account is None:
        raise NotFound(f"Could not find @{acct.lstrip('@')}.")
    return check_viewable(account, acct) if live else account


async def block_by_acct(svc: Services, blocker: Account, acct: str) -> Account:
    """Block the account with this handle (see `block_account`); return it."""
    target = await account_by_acct(svc, acct)
    await block_account(svc, blocker, target)
    return target


async def unblock_by_acct(svc: Services, blocker: Account, acct: str) -> Account:
    """Unblock the account with this handle (see `unblock_account`); return it."""
    target = await account_by_acct(svc, acct, live=False)
    await unblock_account(svc, blocker, target)
    return target
