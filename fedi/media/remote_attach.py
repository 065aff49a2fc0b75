"""Remote attachments, avatars and headers become media rows; jobs fetch their files.

Called inside the inbox's write transactions (a stored or edited remote note), so the rows and
their `media_fetch` jobs commit with the post: nothing is fetched there, and a slow media host
never slows the inbox. Until a file is cached the post shows a link to the original.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

from fedi.activitypub.vocab import Attachment
from fedi.context import Services
from fedi.media.process import dims
from fedi.media.uploads import files_deleter
from fedi.storage import jobs as job_store
from fedi.storage import media as media_storage
from fedi.storage.clock import now_db
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Media

FETCH_KIND = "media_fetch"
# Interop: Mastodon keeps at most 16 attachments of a remote post (4 of a local one).
MAX_REMOTE_ATTACHMENTS = 16
MAX_DESCRIPTION = 1500
MAX_URL = 2048
_BLURHASH = re.compile(r"^[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,100}$")
_KINDS = {"Image": "image", "Video": "video", "Audio": "audio"}


def kind_hint(attachment: Attachment) -> str:
    """What the sender says the file is (only sets the size cap; the bytes decide)."""
    family = attachment.media_type.split("/", 1)[0].lower()
    if family in ("image", "video", "audio"):
        return family
    return _KINDS.get(attachment.type, "unknown")


def _http_url(url: str) -> bool:
    return url.lower().startswith(("https://", "http://")) and len(url) <= MAX_URL


def _focus(point: tuple[float, float] | None) -> tuple[float, float]:
    if point is None:
        return 0.0, 0.0
    return tuple(max(-1.0, min(1.0, c)) for c in point)  # type: ignore[return-value]


def remote_media_rows(
    attachments: Sequence[Attachment], *, account_id: int, post_id: int
) -> list[Media]:
    """Rows (state `processing`, no file yet) for a remote post's attachments, in order."""
    now = now_db()
    rows: list[Media] = []
    for attachment in attachments:
        if len(rows) >= MAX_REMOTE_ATTACHMENTS:
            break
        if not _http_url(attachment.url):
            continue
        x, y = _focus(attachment.focal_point)
        blurhash = attachment.blurhash if _BLURHASH.match(attachment.blurhash) else None
        meta: dict[str, object] = {}
        if attachment.width and attachment.height and attachment.width > 0 < attachment.height:
            meta["original"] = dims(attachment.width, attachment.height)
        rows.append(
            Media(
                id=new_id(),
                account_id=account_id,
                post_id=post_id,
                position=len(rows),
                kind=kind_hint(attachment),
                state="processing",
                content_type=attachment.media_type[:100],
                description=attachment.name.strip()[:MAX_DESCRIPTION],
                focus_x=x,
                focus_y=y,
                blurhash=blurhash,
                meta_json=json.dumps(meta, separators=(",", ":")),
                remote_url=attachment.url,
                created_at=now,
                updated_at=now,
            )
        )
    return rows


async def _enqueue_fetches(svc: Services, tx: Tx, rows: Sequence[Media]) -> None:
    if rows:
        await job_store.enqueue_many(
            tx, FETCH_KIND, [({"media_id": m.id}, f"{FETCH_KIND}:{m.id}") for m in rows]
        )
        tx.on_commit(svc.jobs.wake)


async def add_remote_attachments(
    svc: Services, tx: Tx, *, post_id: int, account_id: int, attachments: Sequence[Attachment]
) -> list[Media]:
    """Inside the note's transaction: the attachment rows and a fetch job for each (2 hops)."""
    rows = remote_media_rows(attachments, account_id=account_id, post_id=post_id)
    if rows:
        await media_storage.insert_many_media(tx, rows)
        await _enqueue_fetches(svc, tx, rows)
    return rows


async def add_attachments_of_posts(
    svc: Services,
    tx: Tx,
    *,
    account_id: int,
    posts: Sequence[tuple[int, Sequence[Attachment]]],
) -> list[Media]:
    """Inside one transaction: the attachment rows and fetch jobs of several remote posts of one
    author, given as (post id, attachments) pairs (2 hops in all, however many posts)."""
    rows = [
        row
        for post_id, attachments in posts
        for row in remote_media_rows(attachments, account_id=account_id, post_id=post_id)
    ]
    if rows:
        await media_storage.insert_many_media(tx, rows)
        await _enqueue_fetches(svc, tx, rows)
    return rows


async def sync_remote_attachments(
    svc: Services, tx: Tx, *, post_id: int, account_id: int, attachments: Sequence[Attachment]
) -> None:
    """Inside an edit's transaction: attachments kept (with new alt text), added or removed."""
    wanted = remote_media_rows(attachments, account_id=account_id, post_id=post_id)
    inserted, unused = await media_storage.sync_remote_attachments(tx, post_id, wanted)
    await _enqueue_fetches(svc, tx, inserted)
    if unused:
        tx.on_commit(files_deleter(svc, unused))


async def forget_remote_attachments(svc: Services, tx: Tx, post_id: int) -> None:
    """Inside a deletion's transaction: a deleted remote post's attachments and cached files go."""
    unused = await media_storage.delete_post_media(tx, post_id)
    if unused:
        tx.on_commit(files_deleter(svc, unused))


def _image_job(account: Account, slot: str, url: str) -> tuple[dict[str, object], str]:
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    payload = {"account_id": account.id, "slot": slot, "url": url}
    return payload, f"{FETCH_KIND}:{slot}:{account.id}:{digest}"


async def enqueue_profile_images(
    svc: Services, tx: Tx, account: Account, *, only_missing: bool = False
) -> None:
    """Queue fetching a remote account's avatar and header (each URL once; dedupe by job key).

    With `only_missing`, only images not cached at all are queued (no query needed: the row says).
    """
    if account.local:
        return
    items = []
    for slot, url, cached in (
        ("avatar", account.avatar_url, account.avatar_media_id),
        ("header", account.header_url, account.header_media_id),
    ):
        if url and _http_url(url) and not (only_missing and cached):
            items.append(_image_job(account, slot, url))
    if items:
        await job_store.enqueue_many(tx, FETCH_KIND, items)
        tx.on_commit(svc.jobs.wake)


async def refresh_profile_images(svc: Services, account: Account) -> None:
    """Queue fetching a remote account's (possibly new) avatar and header: one short write."""
    if account.local or not (account.avatar_url or account.header_url):
        return
    async with svc.db.write() as tx:
        await enqueue_profile_images(svc, tx, account)
