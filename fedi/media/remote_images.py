"""Remote avatars and headers: cached by URL (one row however many accounts share it), shown on
their accounts, replaced when the profile names a new image, and fetched on demand when a page
asks for one that is not cached yet (`/media/remote/accounts/<id>/avatar`).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from fedi.context import Services
from fedi.errors import Invalid, NotFound, RemoteError
from fedi.media.remote import ServedFile, ensure_cached, fill_remote_file, mark_refused, served
from fedi.media.remote_attach import MAX_DESCRIPTION
from fedi.media.remote_fetch import is_transient
from fedi.media.uploads import files_deleter
from fedi.storage import accounts as account_store
from fedi.storage import media as media_storage
from fedi.storage.clock import from_db, now_db, utcnow
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Media

logger = logging.getLogger(__name__)

SLOTS = ("avatar", "header")
RETRY_REFUSED_AFTER = timedelta(days=1)
"""A refused image is not fetched again on demand before this (a page view must not hammer)."""


def _image_description(account: Account, slot: str) -> str:
    """The alt text (`name`) of a remote actor's icon or image, from its stored document."""
    try:
        doc: Any = json.loads(account.raw_json or "{}")
    except ValueError:
        return ""
    image = doc.get("icon" if slot == "avatar" else "image") if isinstance(doc, dict) else None
    image = image[0] if isinstance(image, list) and image else image
    name = image.get("name") if isinstance(image, dict) else None
    return name.strip()[:MAX_DESCRIPTION] if isinstance(name, str) else ""


async def fetch_profile_image(
    svc: Services, account: Account, slot: str, url: str, *, last_attempt: bool = False
) -> Media | None:
    """Cache a remote account's avatar or header (one row per URL) and show it on the account,
    replacing the previous one (network, processing, short writes). None when the account names
    another image by now, or this one was refused; transient failures raise unless
    `last_attempt` (the `media_fetch` job retries them)."""
    if account.local or _image_url(account, slot) != url:
        return None
    async with svc.db.read() as conn:
        cached = await media_storage.get_remote_image_by_url(conn, url)
    if cached is None or not cached.file_key:
        try:
            cached = await _cache_profile_image(svc, account, slot, url, cached)
        except RemoteError as exc:
            if is_transient(exc) and not last_attempt:
                raise
            return None
        except (Invalid, NotFound):
            return None
    description = _image_description(account, slot)
    async with svc.db.write() as tx:
        unused = await media_storage.link_remote_account_image(
            tx, account.id, slot, media_id=cached.id, remote_url=url, description=description
        )
        tx.on_commit(files_deleter(svc, unused))
    return cached


async def _cache_profile_image(
    svc: Services, owner: Account, slot: str, url: str, existing: Media | None
) -> Media:
    """Fetch a remote avatar/header now; raise why when it cannot be had (jobs retry on that)."""
    row = existing
    if row is None:
        now = now_db()
        async with svc.db.write() as tx:
            row = await media_storage.insert_remote_image(
                tx,
                Media(
                    id=new_id(),
                    account_id=owner.id,
                    kind="image",
                    state="processing",
                    remote_url=url,
                    created_at=now,
                    updated_at=now,
                ),
            )
        if row.file_key:
            return row
    try:
        return await fill_remote_file(svc, row, slot)
    except RemoteError as exc:
        if is_transient(exc):
            await mark_refused(svc, row, exc)  # shown as failed until a retry succeeds
        raise


def _image_url(account: Account, slot: str) -> str:
    return account.avatar_url if slot == "avatar" else account.header_url


def _image_id(account: Account, slot: str) -> int | None:
    return account.avatar_media_id if slot == "avatar" else account.header_media_id


async def remote_account_image(svc: Services, account_id: int, slot: str) -> ServedFile | None:
    """The cached avatar or header of a remote account, fetched now if it is not cached yet.

    None when the account has none, or its image was refused or cannot be reached (the page then
    shows the default image); NotFound for an unknown or local account.
    """
    if slot not in SLOTS:
        raise NotFound("No such image.")
    async with svc.db.read() as conn:
        account = await account_store.get_account(conn, account_id)
        linked_id = _image_id(account, slot) if account is not None else None
        linked = await media_storage.get_media(conn, linked_id) if linked_id else None
    if account is None or account.local:
        raise NotFound("No such image.")
    url = _image_url(account, slot)
    if not url:
        return None
    if linked is not None and linked.remote_url == url and linked.state == "ready":
        cached = await ensure_cached(svc, linked.id)
        return served(svc, cached) if cached.file_key else None
    async with svc.db.read() as conn:
        known = await media_storage.get_remote_image_by_url(conn, url)
    if known is not None and known.state == "failed":
        refused_at = from_db(known.updated_at)
        if refused_at is not None and utcnow() - refused_at < RETRY_REFUSED_AFTER:
            return None
    try:
        cached = await fetch_profile_image(svc, account, slot, url, last_attempt=True)
    except RemoteError:
        return None
    return served(svc, cached) if cached is not None else None
