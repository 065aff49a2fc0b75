"""Endorsements ("featured accounts"): a local user features accounts it follows on its profile.

As Mastodon's account pins: only an account the user follows (accepted) can be featured, never
oneself; featuring again changes nothing. The endorsement goes with the follow: an unfollow, a
block (which ends follows both ways), a removed follower or a remote Undo(Follow) takes the
account off the profile, through a trigger of migration 0022 on the follow's deletion, so every
path that deletes a follow is covered in its own transaction. Endorsements do not federate (we do
not serve Mastodon's actor `endorsements` collection, nor read other servers').

Used by the client API (`/api/v1/accounts/:id/pin`, `/unpin`, `/api/v1/endorsements`,
`/api/v1/accounts/:id/endorsements`) and the profile page's "Feature on my profile" button.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fedi.accounts.profiles import AccountCard, account_card
from fedi.api_reads.relationships import AccountRelationship, load_relationships
from fedi.api_reads.statuses import AccountPage
from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.moderation.blocks import account_by_acct
from fedi.storage import accounts as account_store
from fedi.storage import endorsements as endorsement_store
from fedi.storage.ids import new_id
from fedi.storage.paging import Cursor
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)

NO_ACCOUNT = "Record not found"
# Mastodon's message (accounts.pin_errors.following), so API clients show what they know.
NOT_FOLLOWING = "You must be already following the person you want to endorse."
NOT_YOURSELF = "You can't feature yourself on your profile."
PROFILE_LIMIT = 40
"""How many featured accounts a profile page shows (newest first)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeaturedAccounts:
    """What a profile page shows of endorsements: the accounts it features (newest first), and
    whether the viewer features the profile's account."""

    cards: list[AccountCard]
    viewer_endorses: bool


def _live(account: Account | None) -> Account:
    if account is None or account.suspended_at or account.deleted_at:
        raise NotFound(NO_ACCOUNT)
    return account


async def _relationship(svc: Services, viewer_id: int, account_id: int) -> AccountRelationship:
    return (await load_relationships(svc, viewer_id, [account_id]))[0]


async def endorse(svc: Services, viewer_id: int, target_id: int) -> AccountRelationship:
    """Feature an account the viewer follows on the viewer's profile (idempotent); answers the
    relationship afterwards. NotFound for an unknown, suspended or deleted account; Invalid for
    oneself or an account the viewer does not follow."""
    await _add(svc, viewer_id, target_id)
    return await _relationship(svc, viewer_id, target_id)


async def unendorse(svc: Services, viewer_id: int, target_id: int) -> AccountRelationship:
    """Stop featuring an account (idempotent; also for a suspended or deleted one); answers the
    relationship afterwards. NotFound for an account not known here."""
    async with svc.db.read() as conn:
        if await account_store.get_account(conn, target_id) is None:
            raise NotFound(NO_ACCOUNT)
    await _remove(svc, viewer_id, target_id)
    return await _relationship(svc, viewer_id, target_id)


async def _add(svc: Services, viewer_id: int, target_id: int) -> None:
    """One write: the checks (on the writer, so a follow cannot end between check and insert)
    and the endorsement."""
    async with svc.db.write() as tx:
        check = await endorsement_store.check_endorsable(tx, viewer_id, target_id)
        _live(check.target)
        if target_id == viewer_id:
            raise Invalid(NOT_YOURSELF)
        if not check.following:
            raise Invalid(NOT_FOLLOWING)
        added = await endorsement_store.insert_endorsement(
            tx, id=new_id(), account_id=viewer_id, target_account_id=target_id
        )
    if added:
        logger.info("endorsed by=%s account=%s", viewer_id, target_id)


async def _remove(svc: Services, viewer_id: int, target_id: int) -> None:
    async with svc.db.write() as tx:
        removed = await endorsement_store.delete_endorsement(tx, viewer_id, target_id)
    if removed:
        logger.info("unendorsed by=%s account=%s", viewer_id, target_id)


async def list_endorsed(svc: Services, account_id: int, cursor: Cursor) -> AccountPage:
    """The accounts `account_id` features, newest endorsement first, paged by endorsement id;
    suspended or deleted ones left out. NotFound for an unknown or deleted account; a suspended
    one features nobody (as Mastodon answers)."""
    async with svc.db.read() as conn:
        found = await endorsement_store.list_endorsed_accounts(conn, account_id, cursor)
    owner = found.owner
    if owner is None or owner.deleted_at:
        raise NotFound(NO_ACCOUNT)
    if owner.suspended_at:
        return AccountPage()
    shown = [
        found.accounts[a]
        for _, a in found.pairs
        if a in found.accounts
        and not found.accounts[a].suspended_at
        and not found.accounts[a].deleted_at
    ]
    return AccountPage(
        accounts=shown,
        counts=found.counts,
        cursor_ids=[r for r, _ in found.pairs] if shown else [],
    )


async def featured_on_profile(
    svc: Services, viewer_id: int | None, account: Account
) -> FeaturedAccounts:
    """The accounts a profile features (up to PROFILE_LIMIT, newest first) and whether the
    viewer features the profile's account, in one round trip."""
    async with svc.db.read() as conn:
        found = await endorsement_store.profile_endorsements(
            conn, account.id, viewer_id=viewer_id, limit=PROFILE_LIMIT
        )
    return FeaturedAccounts(
        cards=[account_card(svc, a) for a in found.accounts],
        viewer_endorses=found.viewer_endorses,
    )


async def feature_by_acct(svc: Services, viewer: Account, acct: str) -> Account:
    """Feature the account `name` or `name@host` known here (see `endorse`); return it."""
    target = await account_by_acct(svc, acct)
    await _add(svc, viewer.id, target.id)
    return target


async def unfeature_by_acct(svc: Services, viewer: Account, acct: str) -> Account:
    """Stop featuring the account `name` or `name@host` (see `unendorse`); return it."""
    target = await account_by_acct(svc, acct, live=False)
    await _remove(svc, viewer.id, target.id)
    return target
