"""The media jobs: `media` processes a queued video/audio upload, `media_expire` deletes expired
unattached uploads. Registered by app.py; both are rows, so a restart resumes them."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

from fedi.context import Services
from fedi.errors import Invalid
from fedi.media.av import process_upload
from fedi.media.uploads import (
    EXPIRE_KIND,
    PROCESS_KIND,
    delete_files_if_unused,
    expire_unattached,
    media_store,
    media_tools,
    put_files,
)
from fedi.storage import media as media_storage
from fedi.storage.rows import Job
from fedi.workers import Queue

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
LOST = "The uploaded file was lost before it could be processed; upload it again."
FAILED = "This file could not be processed."


async def process_queued(svc: Services, media_id: int, *, last_attempt: bool = False) -> None:
    """Process one queued upload: ready with its files, or failed with a message for its owner.

    Nothing slow happens in a transaction: the source is read and processed first, the outputs
    stored, then one write flips the row; the source file is deleted afterwards.
    """
    async with svc.db.read() as conn:
        media = await media_storage.get_media(conn, media_id)
    if media is None or media.state != "processing" or not media.source_key:
        return
    store = media_store(svc)
    source = media.source_key
    try:
        data = await asyncio.to_thread(store.read, source)
    except (FileNotFoundError, ValueError):
        await _fail(svc, media_id, LOST, source)
        return
    try:
        processed = await asyncio.to_thread(
            process_upload, data, limits=svc.config.media, tools=media_tools(svc)
        )
    except Invalid as exc:
        await _fail(svc, media_id, exc.safe_message, source)
        return
    except Exception:
        if last_attempt:
            logger.exception("media processing failed id=%s", media_id)
            await _fail(svc, media_id, FAILED, source)
            return
        raise
    file_key, preview_key, size = await asyncio.to_thread(put_files, store, processed)
    async with svc.db.write() as tx:
        done = await media_storage.mark_ready(
            tx,
            media_id,
            kind=processed.kind,
            content_type=processed.content_type,
            file_key=file_key,
            preview_key=preview_key,
            size=size,
            blurhash=processed.blurhash,
            meta_json=json.dumps(processed.meta, separators=(",", ":")),
        )
    keys = [source] if done else [source, file_key, *([preview_key] if preview_key else [])]
    await delete_files_if_unused(svc, keys)
    logger.info("media processed id=%s kind=%s ready=%s", media_id, processed.kind, done)


async def _fail(svc: Services, media_id: int, message: str, source: str) -> None:
    async with svc.db.write() as tx:
        await media_storage.mark_failed(tx, media_id, error=message)
    await delete_files_if_unused(svc, [source])
    logger.info("media failed id=%s error=%s", media_id, message)


def media_queue(svc: Services) -> Queue:
    """The `media` queue: one upload at a time (processing is CPU-bound)."""

    async def handle(job: Job) -> None:
        await process_queued(
            svc, int(job.data["media_id"]), last_attempt=job.attempts >= MAX_ATTEMPTS
        )

    return Queue(
        kind=PROCESS_KIND,
        handler=handle,
        max_attempts=MAX_ATTEMPTS,
        concurrency=1,
        lease=timedelta(minutes=20),  # longer than the transcode time limit
    )


def media_expire_queue(svc: Services) -> Queue:
    """The `media_expire` queue: delete unattached uploads past their expiry."""

    async def handle(job: Job) -> None:
        await expire_unattached(svc)

    return Queue(kind=EXPIRE_KIND, handler=handle, max_attempts=5, concurrency=1)
