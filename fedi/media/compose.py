"""Posting with files from the web form: process the new files, keep earlier ones, publish.

Files that were processed are kept (returned even when the post is refused), so the form can
offer them again instead of asking for another upload; unused ones expire like any upload.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from fedi.context import Services
from fedi.errors import Invalid
from fedi.media.attach import ALONE, FIELD, MAX_ATTACHMENTS, TOO_MANY, check_attachments
from fedi.media.sniff import check_upload
from fedi.media.uploads import parse_focus, upload_media
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage import media as media_storage
from fedi.storage.rows import Account, Media, Post

EXPIRED = "A file you added earlier is no longer available; add it again."


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadInput:
    """One file from a form: its bytes, the name the browser gave it, its alt text and focal
    point (`"x,y"`, empty for the centre)."""

    data: bytes
    filename: str
    description: str = ""
    focus: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Composed:
    """The outcome: the post (None when refused), the stored files, and field errors."""

    post: Post | None
    media: tuple[Media, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)


async def _kept(svc: Services, account: Account, ids: Sequence[int]) -> tuple[list[Media], bool]:
    if not ids:
        return [], False
    async with svc.db.read() as conn:
        found = await media_storage.get_many(conn, list(ids))
    kept = [
        m
        for i in dict.fromkeys(ids)
        if (m := found.get(i)) is not None
        and m.account_id == account.id
        and m.post_id is None
        and m.remote_url is None
        and m.scheduled_status_id is None
        and m.state == "ready"
    ]
    return kept, len(kept) < len(set(ids))


async def _upload_all(
    svc: Services, account: Account, uploads: Sequence[UploadInput], kept: list[Media]
) -> tuple[list[Media], dict[str, str]]:
    """Store the new files (after checking counts and types cheaply first)."""
    if len(kept) + len(uploads) > MAX_ATTACHMENTS:
        return [], {FIELD: TOO_MANY}
    playable = []
    for upload in uploads:
        try:
            sniffed = check_upload(upload.data, svc.config.media)
            parse_focus(upload.focus)
        except Invalid as exc:
            return [], {FIELD: f"{upload.filename or 'File'}: {exc.safe_message}"}
        playable.append(not sniffed.is_image)
    if any(playable) and len(kept) + len(uploads) > 1:
        return [], {FIELD: ALONE}
    stored: list[Media] = []
    errors: dict[str, str] = {}
    for upload in uploads:
        try:
            stored.append(
                await upload_media(
                    svc,
                    account,
                    data=upload.data,
                    filename=upload.filename,
                    description=upload.description,
                    focus=parse_focus(upload.focus),
                )
            )
        except Invalid as exc:
            errors.setdefault(FIELD, f"{upload.filename or 'File'}: {exc.safe_message}")
    return stored, errors


async def prepare_media(
    svc: Services,
    author: Account,
    uploads: Sequence[UploadInput] = (),
    *,
    kept_ids: Sequence[int] = (),
) -> tuple[list[Media], dict[str, str]]:
    """Store the new files beside the kept earlier uploads; every stored file, and field errors
    (`media`) when a file was refused or the set cannot go on one post."""
    kept, expired = await _kept(svc, author, kept_ids)
    stored, errors = await _upload_all(svc, author, uploads, kept)
    media = [*kept, *stored]
    if expired and not errors:
        errors[FIELD] = EXPIRED
    if not errors:
        try:
            check_attachments(media)
        except Invalid as exc:
            errors.update(exc.field_errors)
    return media, errors


async def publish_with_media(
    svc: Services,
    author: Account,
    draft: PostDraft,
    uploads: Sequence[UploadInput] = (),
    *,
    kept_ids: Sequence[int] = (),
) -> Composed:
    """Store the new files, then publish the post with them and the kept earlier uploads.

    Refusals come back as field errors (`media` for files, the post's own fields otherwise),
    with every stored file listed so the form can keep it. NotFound (an invisible reply parent)
    is raised as `create_post` raises it.
    """
    media, errors = await prepare_media(svc, author, uploads, kept_ids=kept_ids)
    if errors:
        return Composed(post=None, media=tuple(media), errors=errors)
    try:
        post = await create_post(svc, author, replace(draft, media_ids=tuple(m.id for m in media)))
    except Invalid as exc:
        return Composed(
            post=None, media=tuple(media), errors=exc.field_errors or {"_form": exc.safe_message}
        )
    return Composed(post=post, media=tuple(media))
