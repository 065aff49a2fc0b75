"""What the client API does to accounts by id: follow, unfollow, block, mute, remove a follower,
answer follow requests, edit one's profile. Each calls the use case the web pages call and answers
with the viewer's relationship to the account afterwards."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from fedi.accounts.sessions import Viewer
from fedi.api_reads.relationships import AccountRelationship, load_relationships
from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.follow_options import FollowOptions, check_languages, set_follow_options
from fedi.media.avatars import ImageChange, ProfileImages, save_profile
from fedi.moderation.blocks import block_account, unblock_account
from fedi.moderation.mutes import mute_account, unmute_account
from fedi.outbox import federate
from fedi.outbox.interactions import (
    approve_follow,
    follow_account,
    reject_follow,
    unfollow_account,
)
from fedi.outbox.profile import FieldInput, ProfileEdit
from fedi.profile_options import ProfileOptions, check_profile_options, save_profile_options
from fedi.storage import accounts as account_store
from fedi.storage import feeds as feed_store
from fedi.storage import follows as follow_store
from fedi.storage import notifications as notification_store
from fedi.storage import users as user_store
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)

NO_ACCOUNT = "Record not found"
NO_REQUEST = "There is no follow request from this account."


async def _target(svc: Services, account_id: int) -> Account:
    async with svc.db.read() as conn:
        account = await account_store.get_account(conn, account_id)
    if account is None or account.suspended_at or account.deleted_at:
        raise NotFound(NO_ACCOUNT)
    return account


async def _relationship(svc: Services, viewer: Account, account_id: int) -> AccountRelationship:
    return (await load_relationships(svc, viewer.id, [account_id]))[0]


async def follow_by_id(
    svc: Services, viewer: Account, account_id: int, options: FollowOptions | None = None
) -> AccountRelationship:
    """Follow an account (a request while it is locked or remote and unanswered); idempotent.

    `options` (boosts shown, new posts notified, languages) are stored on the follow; following
    again changes them (Mastodon's `reblogs`, `notify`, `languages[]`).
    """
    if options is not None and options.languages is not None:
        check_languages(options.languages)  # refused before anything is written
    await follow_account(svc, viewer, await _target(svc, account_id))
    if options is not None and not options.empty:
        await set_follow_options(svc, viewer, account_id, options)
    return await _relationship(svc, viewer, account_id)


async def unfollow_by_id(svc: Services, viewer: Account, account_id: int) -> AccountRelationship:
    """Stop following an account or withdraw the request; idempotent."""
    await unfollow_account(svc, viewer, await _target(svc, account_id))
    return await _relationship(svc, viewer, account_id)


async def block_by_id(svc: Services, viewer: Account, account_id: int) -> AccountRelationship:
    """Block an account (follows both ways end); idempotent."""
    await block_account(svc, viewer, await _target(svc, account_id))
    return await _relationship(svc, viewer, account_id)


async def unblock_by_id(svc: Services, viewer: Account, account_id: int) -> AccountRelationship:
    """Lift a block; idempotent."""
    await unblock_account(svc, viewer, await _target(svc, account_id))
    return await _relationship(svc, viewer, account_id)


async def mute_by_id(
    svc: Services,
    viewer: Account,
    account_id: int,
    *,
    notifications: bool = True,
    duration_seconds: int | None = None,
) -> AccountRelationship:
    """Mute an account (its notifications too unless told not to), maybe for a while."""
    await mute_account(
        svc,
        viewer,
        await _target(svc, account_id),
        notifications=notifications,
        duration_seconds=duration_seconds,
    )
    return await _relationship(svc, viewer, account_id)


async def unmute_by_id(svc: Services, viewer: Account, account_id: int) -> AccountRelationship:
    """Lift a mute; idempotent."""
    await unmute_account(svc, viewer, await _target(svc, account_id))
    return await _relationship(svc, viewer, account_id)


async def remove_follower(svc: Services, viewer: Account, account_id: int) -> AccountRelationship:
    """Make an account stop following the viewer (Reject(Follow) to a remote one); idempotent.

    One transaction: the follow removed, the viewer's posts out of a local follower's home feed,
    the follow notification withdrawn.
    """
    target = await _target(svc, account_id)
    async with svc.db.write() as tx:
        follow = await follow_store.get_follow(tx, target.id, viewer.id)
        if follow is not None:
            await follow_store.delete_follow(tx, target.id, viewer.id)
            if target.local:
                await feed_store.remove_author(tx, account_id=target.id, author_id=viewer.id)
            await notification_store.delete_notifications(
                tx, account_id=viewer.id, from_account_id=target.id, type="follow"
            )
            await federate.federate_reject(svc, tx, follow)
    logger.info("follower removed by=%s follower=%s", viewer.id, account_id)
    return await _relationship(svc, viewer, account_id)


async def _request_id(svc: Services, viewer: Account, account_id: int) -> int:
    async with svc.db.read() as conn:
        follow = await follow_store.get_follow(conn, account_id, viewer.id)
    if follow is None:
        raise NotFound(NO_REQUEST)
    return follow.id


async def authorize_request(svc: Services, viewer: Account, account_id: int) -> AccountRelationship:
    """Accept an account's request to follow the viewer (idempotent for a follow accepted)."""
    await approve_follow(svc, viewer, await _request_id(svc, viewer, account_id))
    return await _relationship(svc, viewer, account_id)


async def reject_request(svc: Services, viewer: Account, account_id: int) -> AccountRelationship:
    """Refuse an account's pending request to follow the viewer."""
    await reject_follow(svc, viewer, await _request_id(svc, viewer, account_id))
    return await _relationship(svc, viewer, account_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialsChange:
    """What PATCH update_credentials may change; None leaves a value as it is."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    discoverable: bool | None = None
    fields: Sequence[tuple[str, str]] | None = None
    privacy: str | None = None
    options: ProfileOptions = field(default_factory=ProfileOptions)
    """bot, indexable, hide_collections, source[sensitive], source[language]."""
    avatar: ImageChange = field(default_factory=ImageChange)
    header: ImageChange = field(default_factory=ImageChange)


async def update_credentials(svc: Services, viewer: Viewer, change: CredentialsChange) -> Account:
    """Apply a partial profile change through the profile settings' use case (`save_profile`:
    text fields, avatar and header validated together, nothing saved when anything is refused).

    Field errors are renamed to the API's parameters (`fields_attributes`, `source[privacy]`).
    The options (`fedi.profile_options`) are checked first and saved after the profile.
    """
    errors = check_profile_options(change.options, language_field="source[language]")
    if errors:
        raise Invalid(field_errors=errors)
    async with svc.db.read() as conn:
        account = await account_store.get_account(conn, viewer.id)
        user = await user_store.get_user(conn, viewer.id)
    if account is None or user is None:
        raise NotFound(NO_ACCOUNT)
    current_fields = tuple(
        FieldInput(name=str(f.get("name", "")), value=str(f.get("value", "")))
        for f in account.fields
    )
    edit = ProfileEdit(
        display_name=account.display_name if change.display_name is None else change.display_name,
        note=account.note_source if change.note is None else change.note,
        fields=current_fields
        if change.fields is None
        else tuple(FieldInput(name=n, value=v) for n, v in change.fields),
        locked=bool(account.locked) if change.locked is None else change.locked,
        discoverable=(
            bool(account.discoverable) if change.discoverable is None else change.discoverable
        ),
        default_visibility=user.default_visibility if change.privacy is None else change.privacy,
    )
    try:
        saved = await save_profile(
            svc, viewer, edit, ProfileImages(avatar=change.avatar, header=change.header)
        )
    except Invalid as exc:
        raise Invalid(field_errors=_api_names(exc.field_errors)) from exc
    if change.options == ProfileOptions():
        return saved
    return await save_profile_options(
        svc, viewer, change.options, language_field="source[language]"
    )


def _api_names(errors: dict[str, str]) -> dict[str, str]:
    renamed = {}
    for key, message in errors.items():
        if key.startswith("fields"):
            key = "fields_attributes"
        elif key == "default_visibility":
            key = "source[privacy]"
        renamed.setdefault(key, message)
    return renamed
