"""The remote-media cache: other servers' files fetched, processed like uploads, kept in a budget.

A remote attachment, avatar or header is a media row with `remote_url`. Its file is fetched by a
`media_fetch` job (or on demand, when a page asks for it first) through the SSRF-guarded client
with a byte and a time cap (`remote_fetch.download`), processed by the same code as uploads (type
from the bytes, bombs refused, metadata stripped, a thumbnail, a blurhash — the sender's blurhash
is kept), stored, and the row becomes `ready`. A file that is too large, too slow, of a type we
do not accept or damaged leaves the row `failed`: the post links to the original instead.

The cache has a disk budget (`[media] remote_cache_bytes`). When a new file takes it over, the
least recently used files are evicted (the rows keep their metadata, `file_key` becomes NULL)
down to 90 % of the budget; a request for an evicted file fetches it again (`ensure_cached`).
Local uploads are never evicted.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fedi.context import Services
from fedi.errors import FediError, Invalid, NotFound, RemoteError
from fedi.media.av import process_upload
from fedi.media.process import AVATAR_SIZE, HEADER_SIZE, Processed, process_profile_image
from fedi.media.remote_attach import MAX_DESCRIPTION
from fedi.media.remote_fetch import download, is_transient
from fedi.media.remote_paths import remote_token
from fedi.media.uploads import (
    delete_files_if_unused,
    files_deleter,
    media_store,
    media_tools,
    put_files,
)
from fedi.storage import media as media_storage
from fedi.storage.clock import from_db, now_db, utcnow
from fedi.storage.ids import new_id
from fedi.storage.mediafiles import served_type
from fedi.storage.rows import Account, Media

logger = logging.getLogger(__name__)

INFLIGHT_KEY = "remote_media_inflight"
PRUNE_LOCK_KEY = "remote_media_prune_lock"
TOUCH_INTERVAL = timedelta(hours=1)
"""A cached file's last use is written at most this often (LRU order is approximate by this)."""
LOW_WATER = 0.9
"""An automatic eviction frees space down to this share of the budget, so it does not run after
every new file once the cache is full."""
PRUNE_BATCH = 200
UNAVAILABLE = "This file is not available here."
_SLOT_SIZES = {"avatar": AVATAR_SIZE, "header": HEADER_SIZE}


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """How much disk the remote-media cache takes, against its budget."""

    files: int
    bytes: int
    budget: int
    evicted: int = 0
    pending: int = 0
    failed: int = 0

    @property
    def over_budget(self) -> bool:
        return self.bytes > self.budget

    @property
    def percent(self) -> int:
        """Share of the budget in use, in whole percent."""
        return round(100 * self.bytes / self.budget) if self.budget else 100


@dataclass(frozen=True, slots=True, kw_only=True)
class PruneResult:
    """What one prune did: files evicted, bytes freed, bytes left, against which budget."""

    evicted: int
    freed_bytes: int
    bytes_after: int
    budget: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ServedFile:
    """A file to send: where it is on disk and its Content-Type."""

    path: Path
    content_type: str


# --- fetching and processing ----------------------------------------------------------------


def _max_bytes(svc: Services, kind: str) -> int:
    limits = svc.config.media
    return limits.max_image_bytes if kind == "image" else limits.max_video_bytes


async def _download_and_process(svc: Services, media: Media, slot: str | None) -> Processed:
    assert media.remote_url is not None
    limits = svc.config.media
    kind = "image" if slot else media.kind
    downloaded = await download(
        svc,
        media.remote_url,
        max_bytes=_max_bytes(svc, kind),
        seconds=float(limits.remote_fetch_timeout),
    )
    if slot is not None:
        return await asyncio.to_thread(
            process_profile_image, downloaded.data, limits=limits, size=_SLOT_SIZES[slot]
        )
    return await asyncio.to_thread(
        process_upload, downloaded.data, limits=limits, tools=media_tools(svc)
    )


async def _fill_now(svc: Services, media: Media, slot: str | None) -> Media:
    """Fetch, process and store one row's file; the row is `failed` if it is refused.

    Transient failures (the host unreachable) raise without marking the row, so a job can retry.
    """
    try:
        processed = await _download_and_process(svc, media, slot)
    except (RemoteError, Invalid) as exc:
        if isinstance(exc, RemoteError) and is_transient(exc):
            raise
        await mark_refused(svc, media, exc)
        raise
    file_key, preview_key, size = await asyncio.to_thread(put_files, media_store(svc), processed)
    async with svc.db.write() as tx:
        done = await media_storage.mark_remote_cached(
            tx,
            media.id,
            kind=processed.kind,
            content_type=processed.content_type,
            file_key=file_key,
            preview_key=preview_key,
            size=size,
            blurhash=processed.blurhash,
            meta_json=json.dumps(processed.meta, separators=(",", ":")),
        )
        stored = await media_storage.get_media(tx, media.id)
    if not done:
        await delete_files_if_unused(svc, [k for k in (file_key, preview_key) if k])
    if stored is None:
        raise NotFound(UNAVAILABLE)
    logger.info(
        "remote media cached id=%s kind=%s bytes=%s url=%s",
        media.id,
        stored.kind,
        size,
        (media.remote_url or "")[:200],
    )
    await _enforce_budget(svc, keep=media.id)
    return stored


async def mark_refused(svc: Services, media: Media, error: FediError) -> None:
    """Mark a remote row without a file `failed`, with the reason (one short write)."""
    async with svc.db.write() as tx:
        await media_storage.mark_remote_failed(tx, media.id, error=error.safe_message)
    logger.info(
        "remote media refused id=%s url=%s error=%s",
        media.id,
        (media.remote_url or "")[:200],
        error,
    )


async def fill_remote_file(svc: Services, media: Media, slot: str | None = None) -> Media:
    """Fetch, process and store a remote row's file now (`slot`: as an avatar or header); once
    per row at a time in this process, so a job and a page asking together share one download.

    Raises RemoteError/Invalid when it cannot be had; refusals leave the row `failed`.
    """
    inflight: dict[int, asyncio.Future[Media]] = svc.extras.setdefault(INFLIGHT_KEY, {})
    running = inflight.get(media.id)
    if running is None:
        running = asyncio.ensure_future(_fill_now(svc, media, slot))
        inflight[media.id] = running
        running.add_done_callback(lambda _done: inflight.pop(media.id, None))
    return await asyncio.shield(running)


# --- entry points -------------------------------------------------------------------------


async def cache_remote_media(
    svc: Services,
    *,
    url: str,
    owner: Account,
    kind_hint: str,
    description: str,
    blurhash: str | None,
    post_id: int | None,
    position: int,
    slot: str | None = None,
) -> Media:
    """Store a row for a remote file and fetch it now (network, processing, two short writes).

    Without `post_id` the row is a remote avatar/header (`slot`), shared by URL with any row that
    exists already. Returns the row: `ready` when cached, `failed` when refused or unreachable.
    """
    now = now_db()
    row = Media(
        id=new_id(),
        account_id=owner.id,
        post_id=post_id,
        position=position,
        kind=kind_hint if kind_hint in ("image", "video", "audio") else "unknown",
        state="processing",
        description=description.strip()[:MAX_DESCRIPTION],
        blurhash=blurhash or None,
        remote_url=url,
        created_at=now,
        updated_at=now,
    )
    async with svc.db.write() as tx:
        if post_id is None:
            row = await media_storage.insert_remote_image(tx, row)
        else:
            await media_storage.insert_media(tx, row)
    if row.file_key:
        return row
    try:
        return await fill_remote_file(svc, row, slot)
    except RemoteError as exc:
        if is_transient(exc):  # no job retries this one: it counts as refused
            await mark_refused(svc, row, exc)
    except Invalid:
        pass  # refused and marked failed
    async with svc.db.read() as conn:
        found = await media_storage.get_media(conn, row.id)
    return found or row


async def _touch(svc: Services, media: Media) -> None:
    last = from_db(media.last_accessed_at)
    if last is None or utcnow() - last >= TOUCH_INTERVAL:
        async with svc.db.write() as tx:
            await media_storage.touch_media(tx, media.id, now_db())


async def ensure_cached(svc: Services, media_id: int) -> Media:
    """A media row whose file is here: a remote file evicted (or not fetched yet) is fetched now.

    NotFound when there is no such row; a refused remote file returns its `failed` row. Touches
    the cached file's last use (the LRU order).
    """
    async with svc.db.read() as conn:
        media = await media_storage.get_media(conn, media_id)
        slot = (
            await media_storage.profile_image_slot(conn, media_id)
            if media is not None and media.remote_url and media.post_id is None
            else None
        )
    if media is None:
        raise NotFound(UNAVAILABLE)
    if media.remote_url is None or media.state == "failed":
        return media
    if media.file_key:
        if media_store(svc).get_path(media.file_key) is not None:
            await _touch(svc, media)
            return media
        # The file vanished from disk (removed by hand, say): forget it and fetch it again.
        async with svc.db.write() as tx:
            await media_storage.evict_remote_media(tx, [media.id])
        async with svc.db.read() as conn:
            media = await media_storage.get_media(conn, media_id)
        if media is None:
            raise NotFound(UNAVAILABLE)
    try:
        return await fill_remote_file(svc, media, slot)
    except (RemoteError, Invalid):
        async with svc.db.read() as conn:
            found = await media_storage.get_media(conn, media_id)
        return found or media


async def remote_file(
    svc: Services, media_id: int, token: str, *, preview: bool = False
) -> ServedFile:
    """`/media/remote/<id>/<token>[/preview]`: the cached file of a remote row (fetched again if
    it was evicted). NotFound for a wrong token, a local row, or a file that cannot be had."""
    async with svc.db.read() as conn:
        media = await media_storage.get_media(conn, media_id)
    if media is None or media.remote_url is None:
        raise NotFound(UNAVAILABLE)
    if not hmac.compare_digest(token.encode(), remote_token(media).encode()):
        raise NotFound(UNAVAILABLE)
    return served(svc, await ensure_cached(svc, media_id), preview=preview)


def served(svc: Services, media: Media, *, preview: bool = False) -> ServedFile:
    """The file (or thumbnail) of a cached remote row; NotFound when it holds none."""
    if media.remote_url is None or not media.file_key:
        raise NotFound(UNAVAILABLE)
    key = media.preview_key if preview and media.preview_key else media.file_key
    path = media_store(svc).get_path(key)
    content_type = served_type(key)
    if path is None or content_type is None:
        raise NotFound(UNAVAILABLE)
    return ServedFile(path=path, content_type=content_type)


# --- the budget -----------------------------------------------------------------------------


async def remote_media_usage(svc: Services) -> Usage:
    """Files and bytes in the remote-media cache, the budget, and rows evicted/pending/failed."""
    async with svc.db.read() as conn:
        stats = await media_storage.remote_cache_stats(conn)
    return Usage(budget=svc.config.media.remote_cache_bytes, **stats)


async def prune_remote_media(
    svc: Services, *, budget_bytes: int | None = None, keep: int | None = None
) -> PruneResult:
    """Evict least recently used remote files until the cache fits `budget_bytes` (default: the
    configured budget). Rows keep their metadata; files are deleted after each commit."""
    budget = svc.config.media.remote_cache_bytes if budget_bytes is None else budget_bytes
    if budget < 0:
        raise Invalid.field("budget", "The budget must be zero bytes or more.")
    lock: asyncio.Lock = svc.extras.setdefault(PRUNE_LOCK_KEY, asyncio.Lock())
    evicted = freed = 0
    async with lock:
        async with svc.db.read() as conn:
            total = await media_storage.remote_cache_bytes(conn)
        while total > budget:
            async with svc.db.read() as conn:
                batch = await media_storage.list_least_recently_used(conn, limit=PRUNE_BATCH)
            chosen: list[Media] = []
            for media in batch:
                if total <= budget:
                    break
                if media.id != keep:
                    chosen.append(media)
                    total -= media.size
            if not chosen:
                break
            async with svc.db.write() as tx:
                unused = await media_storage.evict_remote_media(tx, [m.id for m in chosen])
                tx.on_commit(files_deleter(svc, unused))
            evicted += len(chosen)
            freed += sum(m.size for m in chosen)
            if len(batch) < PRUNE_BATCH:
                break
    if evicted:
        logger.info("remote media evicted files=%s bytes=%s budget=%s", evicted, freed, budget)
    return PruneResult(evicted=evicted, freed_bytes=freed, bytes_after=max(total, 0), budget=budget)


async def _enforce_budget(svc: Services, *, keep: int) -> None:
    """After a new file: when the cache is over budget, evict down to 90 % of it."""
    budget = svc.config.media.remote_cache_bytes
    async with svc.db.read() as conn:
        total = await media_storage.remote_cache_bytes(conn)
    if total > budget:
        await prune_remote_media(svc, budget_bytes=int(budget * LOW_WATER), keep=keep)
