"""The `media_fetch` jobs: remote attachments, avatars and headers fetched after the inbox stored
their rows (registered by app.py; rows, so a restart resumes them).

A host that cannot be reached is retried with the job engine's backoff, a few times; anything
else that fails (too large, too slow, wrong type, damaged, gone) is final: the row is `failed`
and the post links to the original.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from fedi.context import Services
from fedi.errors import Invalid, NotFound, RemoteError
from fedi.media.remote import fill_remote_file, mark_refused
from fedi.media.remote_attach import FETCH_KIND
from fedi.media.remote_fetch import is_transient
from fedi.media.remote_images import fetch_profile_image
from fedi.storage import accounts as account_store
from fedi.storage import media as media_storage
from fedi.storage.rows import Job
from fedi.workers import Queue

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
CONCURRENCY = 4


async def fetch_attachment(svc: Services, media_id: int, *, last_attempt: bool = False) -> None:
    """The `media_fetch` job of an attachment: fetch a row that has never had its file.

    Transient failures raise (the job is retried) until the last attempt, which marks it failed.
    """
    async with svc.db.read() as conn:
        media = await media_storage.get_media(conn, media_id)
    if media is None or media.remote_url is None or media.state != "processing":
        return
    try:
        await fill_remote_file(svc, media)
    except RemoteError as exc:
        if is_transient(exc) and not last_attempt:
            raise
        if is_transient(exc):
            await mark_refused(svc, media, exc)
    except (Invalid, NotFound):
        return  # refused and marked failed, or the post went meanwhile: nothing to retry


async def _handle(svc: Services, job: Job) -> None:
    data = job.data
    last = job.attempts >= MAX_ATTEMPTS
    if "media_id" in data:
        await fetch_attachment(svc, int(data["media_id"]), last_attempt=last)
        return
    async with svc.db.read() as conn:
        account = await account_store.get_account(conn, int(data["account_id"]))
    if account is not None:
        await fetch_profile_image(
            svc, account, str(data["slot"]), str(data["url"]), last_attempt=last
        )


def media_fetch_queue(svc: Services) -> Queue:
    """The `media_fetch` queue: a few downloads at a time, each bounded in bytes and seconds."""

    async def handle(job: Job) -> None:
        await _handle(svc, job)

    return Queue(
        kind=FETCH_KIND,
        handler=handle,
        max_attempts=MAX_ATTEMPTS,
        concurrency=CONCURRENCY,
        lease=timedelta(minutes=20),  # a remote video may be transcoded after its download
    )
