"""Uploading media: process off the event loop, store the files, then one short write.

Images are processed at once (`asyncio.to_thread`); video and audio either at once too
(`synchronous=True`: the web form, `POST /api/v1/media`) or by the durable `media` job
(`POST /api/v2/media`: the row stays `processing` until the worker has made it `ready` or
`failed`). Files are written before the row; if the row cannot be written they are deleted again,
so nothing is half-stored. Uploads that end up attached to nothing expire (`expire_unattached`,
run by a `media_expire` job queued with each upload).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.media.av import Tools, find_tools, needs_worker, process_upload
from fedi.media.process import Processed
from fedi.media.sniff import check_upload
from fedi.storage import jobs as job_store
from fedi.storage import media as media_storage
from fedi.storage.clock import now_db, to_db, utcnow
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.mediafiles import MediaStore, open_media_store
from fedi.storage.rows import Account, Media

logger = logging.getLogger(__name__)
PROCESS_KIND = "media"
EXPIRE_KIND = "media_expire"
MAX_DESCRIPTION = 1500
NOT_FOUND = "Record not found"
STORE_KEY = "media_store"
TOOLS_KEY = "media_tools"
EXPIRE_BATCH = 500


def media_store(svc: Services) -> MediaStore:
    """The instance's MediaStore (opened on first use when app wiring has not set one)."""
    store = svc.extras.get(STORE_KEY)
    if store is None:
        store = svc.extras[STORE_KEY] = open_media_store(svc.config)
    return store  # type: ignore[no-any-return]


def media_tools(svc: Services) -> Tools | None:
    """ffmpeg and ffprobe, looked up once per process (None when not installed)."""
    if TOOLS_KEY not in svc.extras:
        svc.extras[TOOLS_KEY] = find_tools(svc.config.media)
    return svc.extras[TOOLS_KEY]  # type: ignore[no-any-return]


def check_description(description: str | None) -> str:
    """Alt text, trimmed; Invalid("description") when longer than Mastodon's 1500 characters."""
    text = (description or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise Invalid.field(
            "description",
            f"Descriptions can be at most {MAX_DESCRIPTION} characters (this one has {len(text)}).",
        )
    return text


def check_focus(focus: tuple[float, float] | None) -> tuple[float, float]:
    """A focal point with x and y between -1 and 1 (Mastodon's convention); (0, 0) by default."""
    if focus is None:
        return 0.0, 0.0
    x, y = focus
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
        raise Invalid.field("focus", "The focal point needs two numbers between -1 and 1, as x,y.")
    return float(x), float(y)


def parse_focus(raw: str | None) -> tuple[float, float] | None:
    """`"x,y"` as sent by clients → a focus pair (None when empty); Invalid("focus") if garbled."""
    if raw is None or not raw.strip():
        return None
    parts = raw.split(",")
    try:
        if len(parts) != 2:
            raise ValueError(raw)
        return check_focus((float(parts[0]), float(parts[1])))
    except ValueError:
        raise Invalid.field(
            "focus", "The focal point needs two numbers between -1 and 1, as x,y."
        ) from None


def put_files(store: MediaStore, processed: Processed) -> tuple[str, str | None, int]:
    """Store a processed file and its preview (sync); return their keys and total size."""
    file_key = store.put(processed.data, content_type=processed.content_type)
    preview_key = None
    if processed.preview is not None:
        preview_key = store.put(processed.preview, content_type=processed.preview_type)
    size = len(processed.data) + len(processed.preview or b"")
    return file_key, preview_key, size


def _delete_files(store: MediaStore, keys: list[str]) -> None:
    for key in keys:
        store.delete(key)


async def delete_files_if_unused(svc: Services, keys: list[str]) -> None:
    """Delete the files among `keys` that no media row uses (after a failed or undone write)."""
    if not keys:
        return
    async with svc.db.read() as conn:
        unused = await media_storage.unreferenced_keys(conn, keys)
    await asyncio.to_thread(_delete_files, media_store(svc), unused)


def files_deleter(svc: Services, keys: list[str]) -> Callable[[], Awaitable[None]]:
    """An on_commit callback deleting files whose rows the transaction removed."""

    async def run() -> None:
        if keys:
            await asyncio.to_thread(_delete_files, media_store(svc), keys)

    return run


async def schedule_expiry(svc: Services, tx: Tx) -> None:
    """Queue the `media_expire` run that comes after today's uploads expire (one per hour)."""
    due = utcnow() + timedelta(hours=svc.config.media.unattached_expiry_hours + 1)
    bucket = due.replace(minute=0, second=0, microsecond=0)
    await job_store.enqueue(
        tx,
        EXPIRE_KIND,
        {},
        dedupe_key=f"media-expire:{bucket:%Y%m%d%H}",
        delay=bucket - utcnow(),
    )


def _new_row(account: Account, *, description: str, focus: tuple[float, float]) -> Media:
    now = now_db()
    return Media(
        id=new_id(),
        account_id=account.id,
        kind="unknown",
        state="processing",
        description=description,
        focus_x=focus[0],
        focus_y=focus[1],
        created_at=now,
        updated_at=now,
    )


async def store_processed(
    svc: Services,
    account: Account,
    processed: Processed,
    *,
    description: str = "",
    focus: tuple[float, float] = (0.0, 0.0),
) -> Media:
    """Store processed files and insert a ready, unattached row (files removed if that fails)."""
    file_key, preview_key, size = await asyncio.to_thread(put_files, media_store(svc), processed)
    media = dataclasses.replace(
        _new_row(account, description=description, focus=focus),
        kind=processed.kind,
        state="ready",
        content_type=processed.content_type,
        file_key=file_key,
        preview_key=preview_key,
        size=size,
        blurhash=processed.blurhash,
        meta_json=json.dumps(processed.meta, separators=(",", ":")),
    )
    try:
        async with svc.db.write() as tx:
            await media_storage.insert_media(tx, media)
            await schedule_expiry(svc, tx)
            tx.on_commit(svc.jobs.wake)
    except BaseException:
        await delete_files_if_unused(svc, [k for k in (file_key, preview_key) if k])
        raise
    return media


async def upload_media(
    svc: Services,
    account: Account,
    *,
    data: bytes,
    filename: str,
    description: str = "",
    focus: tuple[float, float] | None = None,
    synchronous: bool = True,
) -> Media:
    """Process and store one upload of `account`; Invalid("file"/"description"/"focus") if refused.

    The type comes from the bytes (`filename` is only logged). With `synchronous=False`, video and
    audio are left to the `media` worker and the row is returned in state `processing`.
    """
    text = check_description(description)
    point = check_focus(focus)
    limits = svc.config.media
    sniffed = check_upload(data, limits)
    tools = media_tools(svc)
    if synchronous or tools is None or not needs_worker(sniffed):
        processed = await asyncio.to_thread(process_upload, data, limits=limits, tools=tools)
        media = await store_processed(svc, account, processed, description=text, focus=point)
        logger.info("media stored id=%s kind=%s name=%r", media.id, media.kind, filename[:80])
        return media
    source_key = await asyncio.to_thread(
        media_store(svc).put, data, content_type="application/octet-stream"
    )
    media = dataclasses.replace(
        _new_row(account, description=text, focus=point),
        kind=sniffed.family,
        source_key=source_key,
    )
    try:
        async with svc.db.write() as tx:
            await media_storage.insert_media(tx, media)
            await job_store.enqueue(
                tx, PROCESS_KIND, {"media_id": media.id}, dedupe_key=f"media:{media.id}"
            )
            await schedule_expiry(svc, tx)
            tx.on_commit(svc.jobs.wake)
    except BaseException:
        await delete_files_if_unused(svc, [source_key])
        raise
    logger.info("media queued id=%s kind=%s name=%r", media.id, media.kind, filename[:80])
    return media


async def get_own_media(svc: Services, account: Account, media_id: int) -> Media:
    """One of `account`'s own uploads; NotFound for anyone else's (as Mastodon answers)."""
    async with svc.db.read() as conn:
        media = await media_storage.get_media(conn, media_id)
    if media is None or media.account_id != account.id or media.remote_url is not None:
        raise NotFound(NOT_FOUND)
    return media


async def update_media(
    svc: Services,
    account: Account,
    media_id: int,
    *,
    description: str | None = None,
    focus: tuple[float, float] | None = None,
) -> Media:
    """Change the alt text and/or focal point of one's own upload (NotFound for others')."""
    values: dict[str, object] = {}
    if description is not None:
        values["description"] = check_description(description)
    if focus is not None:
        values["focus_x"], values["focus_y"] = check_focus(focus)
    async with svc.db.write() as tx:
        media = await media_storage.get_media(tx, media_id)
        if media is None or media.account_id != account.id or media.remote_url is not None:
            raise NotFound(NOT_FOUND)
        if values:
            await media_storage.update_media(tx, media_id, **values)
            media = await media_storage.get_media(tx, media_id)
    assert media is not None
    return media


async def delete_own_media(svc: Services, account: Account, media_id: int) -> Media:
    """Delete one's own upload that is not attached to a post, with its files."""
    async with svc.db.write() as tx:
        media = await media_storage.get_media(tx, media_id)
        if media is None or media.account_id != account.id or media.remote_url is not None:
            raise NotFound(NOT_FOUND)
        if media.post_id is not None:
            raise Invalid.field("id", "This file is attached to a post; delete the post instead.")
        if media.scheduled_status_id is not None:
            raise Invalid.field("id", "This file belongs to a scheduled post; cancel that first.")
        if media.id in (account.avatar_media_id, account.header_media_id):
            raise Invalid.field("id", "This file is your avatar or header; change that instead.")
        keys = await media_storage.delete_media(tx, [media.id])
        tx.on_commit(files_deleter(svc, keys))
    return media


async def expire_unattached(svc: Services) -> int:
    """Delete uploads older than `[media] unattached_expiry_hours` attached to nothing, and their
    files; return how many rows went."""
    cutoff = to_db(utcnow() - timedelta(hours=svc.config.media.unattached_expiry_hours))
    total = 0
    while True:
        async with svc.db.write() as tx:
            count, keys = await media_storage.delete_unattached_before(
                tx, cutoff, limit=EXPIRE_BATCH
            )
            tx.on_commit(files_deleter(svc, keys))
        total += count
        if count < EXPIRE_BATCH:
            break
    if total:
        logger.info("expired unattached media count=%d", total)
    return total
