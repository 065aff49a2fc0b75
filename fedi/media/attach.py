"""Attaching uploads to posts, inside the post's own write transaction (create and edit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fedi.errors import Invalid
from fedi.media.uploads import check_description, check_focus
from fedi.storage import media as media_storage
from fedi.storage.db import Tx
from fedi.storage.rows import Media

FIELD = "media"
MAX_ATTACHMENTS = 4
PLAYABLE = ("video", "audio", "gifv")
TOO_MANY = "A post can have up to 4 images, or one video or audio file."
ALONE = "A video or audio file must be the only attachment of its post."
MISSING = "One of the attached files does not exist (uploads expire after a while); add it again."
RESERVED = "One of the files belongs to a scheduled post; cancel that post to use it here."
ATTRIBUTES = "media_attributes"
NOT_ATTACHED = "Descriptions can only be changed for files attached to this post."


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaChange:
    """An attachment's new description and/or focal point, given with an edit (None keeps it)."""

    media_id: int
    description: str | None = None
    focus: tuple[float, float] | None = None


def check_attachments(media: Sequence[Media]) -> None:
    """Invalid("media") for more than four files, or a video/audio file beside anything else."""
    if len(media) > MAX_ATTACHMENTS:
        raise Invalid.field(FIELD, TOO_MANY)
    if len(media) > 1 and any(m.kind in PLAYABLE for m in media):
        raise Invalid.field(FIELD, ALONE)


def _usable(media: Media | None, author_id: int, post_id: int) -> Media:
    if media is None or media.account_id != author_id or media.remote_url is not None:
        raise Invalid.field(FIELD, MISSING)
    if media.post_id is not None and media.post_id != post_id:
        raise Invalid.field(FIELD, "One of the files is already attached to another post.")
    if media.scheduled_status_id is not None:
        raise Invalid.field(FIELD, RESERVED)
    if media.state == "processing":
        raise Invalid.field(FIELD, "A file is still being processed; try again in a moment.")
    if media.state != "ready":
        raise Invalid.field(FIELD, media.error or "One of the files could not be processed.")
    return media


async def attach_media(
    tx: Tx, author_id: int, post_id: int, media_ids: Sequence[int]
) -> list[Media]:
    """Attach the author's own ready uploads to a post (in order); Invalid("media") if not allowed.

    Two round trips: one read of the rows, one update. Raising rolls the whole post back.
    """
    ids = list(dict.fromkeys(media_ids))
    if not ids:
        return []
    if len(ids) > MAX_ATTACHMENTS:
        raise Invalid.field(FIELD, TOO_MANY)
    found = await media_storage.get_many(tx, ids)
    media = [_usable(found.get(i), author_id, post_id) for i in ids]
    check_attachments(media)
    await media_storage.attach_to_post(tx, post_id, ids)
    return media


async def replace_media(
    tx: Tx, author_id: int, post_id: int, media_ids: Sequence[int]
) -> list[str]:
    """Make `media_ids` the post's attachments (an edit): others are deleted; return the keys of
    files to delete after commit."""
    await attach_media(tx, author_id, post_id, media_ids)
    return await media_storage.delete_post_media_except(tx, post_id, list(media_ids))


async def change_attachments(
    tx: Tx, author_id: int, post_id: int, changes: Sequence[MediaChange]
) -> None:
    """Apply an edit's new descriptions and focal points to the post's own attachments (after
    `replace_media`); Invalid("media_attributes") for a file that is not one of them."""
    if not changes:
        return
    found = await media_storage.get_many_by_post_ids(tx, [post_id])
    attached = {m.id for m in found.get(post_id, []) if m.account_id == author_id}
    for change in changes:
        if change.media_id not in attached:
            raise Invalid.field(ATTRIBUTES, NOT_ATTACHED)
        values: dict[str, object] = {}
        if change.description is not None:
            values["description"] = check_description(change.description)
        if change.focus is not None:
            values["focus_x"], values["focus_y"] = check_focus(change.focus)
        if values:
            await media_storage.update_media(tx, change.media_id, **values)
