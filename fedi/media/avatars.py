"""Avatars and headers of local accounts: processed (avatar 400×400, header 1500×500), stored as
media rows, and pointed at from the account (`avatar_media_id`, absolute `avatar_url`, alt text),
so pages, the API and the actor document (`icon`/`image`) all show them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from dataclasses import dataclass, field

from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.errors import Invalid
from fedi.media.process import AVATAR_SIZE, HEADER_SIZE, Processed, process_profile_image
from fedi.media.uploads import (
    check_description,
    delete_files_if_unused,
    files_deleter,
    media_store,
    put_files,
)
from fedi.media.views import media_url
from fedi.outbox import federate
from fedi.outbox.profile import ProfileEdit, check_profile_edit, update_profile
from fedi.storage import accounts as account_store
from fedi.storage import media as media_storage
from fedi.storage.clock import now_db
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Media

logger = logging.getLogger(__name__)

SIZES = {"avatar": AVATAR_SIZE, "header": HEADER_SIZE}


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageChange:
    """What to do with an avatar or header: a new file, new alt text (None: keep), or remove."""

    data: bytes | None = None
    filename: str = ""
    description: str | None = None
    remove: bool = False

    @property
    def changes(self) -> bool:
        return self.data is not None or self.description is not None or self.remove


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileImages:
    """The avatar and header changes of one profile save."""

    avatar: ImageChange = field(default_factory=ImageChange)
    header: ImageChange = field(default_factory=ImageChange)

    def slots(self) -> dict[str, ImageChange]:
        return {"avatar": self.avatar, "header": self.header}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Prepared:
    slot: str
    change: ImageChange
    description: str | None
    processed: Processed | None


async def _prepare(svc: Services, images: ProfileImages) -> tuple[list[_Prepared], dict[str, str]]:
    """Check alt texts and process new files off the event loop; field errors by slot."""
    prepared: list[_Prepared] = []
    errors: dict[str, str] = {}
    for slot, change in images.slots().items():
        if not change.changes:
            continue
        try:
            description = (
                None if change.description is None else check_description(change.description)
            )
        except Invalid as exc:
            errors[f"{slot}_description"] = exc.safe_message
            continue
        processed = None
        if change.data is not None and not change.remove:
            try:
                processed = await asyncio.to_thread(
                    process_profile_image,
                    change.data,
                    limits=svc.config.media,
                    size=SIZES[slot],
                )
            except Invalid as exc:
                errors[slot] = exc.safe_message
                continue
        prepared.append(
            _Prepared(slot=slot, change=change, description=description, processed=processed)
        )
    return prepared, errors


def _row(account: Account, processed: Processed, keys: tuple[str, str | None, int]) -> Media:
    now = now_db()
    return Media(
        id=new_id(),
        account_id=account.id,
        kind="image",
        state="ready",
        content_type=processed.content_type,
        file_key=keys[0],
        preview_key=keys[1],
        size=keys[2],
        blurhash=processed.blurhash,
        meta_json=json.dumps(processed.meta, separators=(",", ":")),
        created_at=now,
        updated_at=now,
    )


async def _apply(
    svc: Services, tx: Tx, account: Account, item: _Prepared, row: Media | None
) -> list[str]:
    """Point the account's slot at the new row (or none); return keys of files to delete."""
    old_id = account.avatar_media_id if item.slot == "avatar" else account.header_media_id
    current = account.avatar_description if item.slot == "avatar" else account.header_description
    description = current if item.description is None else item.description
    if row is not None:
        await media_storage.insert_media(tx, dataclasses.replace(row, description=description))
        await media_storage.set_account_image(
            tx,
            account.id,
            item.slot,
            media_id=row.id,
            url=media_url(svc, row.file_key or ""),
            description=description,
        )
    elif item.change.remove:
        await media_storage.set_account_image(
            tx, account.id, item.slot, media_id=None, url="", description=""
        )
    else:
        await media_storage.set_account_image_description(tx, account.id, item.slot, description)
        return []
    return await media_storage.delete_media(tx, [old_id]) if old_id else []


async def _store(
    svc: Services, account: Account, prepared: list[_Prepared], *, federated: bool
) -> Account:
    rows: dict[str, Media] = {}
    for item in prepared:
        if item.processed is not None:
            keys = await asyncio.to_thread(put_files, media_store(svc), item.processed)
            rows[item.slot] = _row(account, item.processed, keys)
    new_keys = [m.file_key for m in rows.values() if m.file_key]
    try:
        async with svc.db.write() as tx:
            current = await account_store.get_account(tx, account.id)
            assert current is not None
            doomed: list[str] = []
            for item in prepared:
                doomed += await _apply(svc, tx, current, item, rows.get(item.slot))
            updated = await account_store.get_account(tx, account.id)
            assert updated is not None
            if federated:
                await federate.federate_profile_update(svc, tx, updated)
            tx.on_commit(files_deleter(svc, doomed))
    except BaseException:
        await delete_files_if_unused(svc, new_keys)
        raise
    logger.info("profile images saved account=%s slots=%s", account.id, [p.slot for p in prepared])
    return updated


async def set_profile_images(svc: Services, account: Account, images: ProfileImages) -> Account:
    """Change a local account's avatar and/or header (Invalid with `avatar`/`header` errors);
    followers' servers get an Update of the actor."""
    prepared, errors = await _prepare(svc, images)
    if errors:
        raise Invalid(field_errors=errors)
    if not prepared:
        return account
    return await _store(svc, account, prepared, federated=True)


async def save_profile(
    svc: Services, viewer: Viewer, edit: ProfileEdit, images: ProfileImages
) -> Account:
    """The profile settings form: text fields, avatar and header, validated together.

    Nothing is saved when anything is refused (Invalid with errors keyed by form field); the new
    images are stored first, then `update_profile` saves the rest and sends one Update(Person).
    """
    errors = check_profile_edit(edit)
    prepared, image_errors = await _prepare(svc, images)
    errors.update(image_errors)
    if errors:
        raise Invalid(field_errors=errors)
    if prepared:
        await _store(svc, viewer.account, prepared, federated=False)
    return await update_profile(svc, viewer, edit)
