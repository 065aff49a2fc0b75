"""Where remote media is served here: `/media/remote/<id>/<token>` (pure; no I/O).

A remote file is served by its row id rather than by its content-addressed key, so the URL stays
the same when the file is evicted from the cache and fetched again on demand.
"""

from __future__ import annotations

import hashlib

from fedi.storage.rows import Account, Media

REMOTE_PREFIX = "/media/remote/"
TOKEN_LENGTH = 16


def remote_token(media: Media) -> str:
    """The unguessable part of a remote file's URL: row ids are time-sortable, so without it
    anyone could walk through the attachments of posts they may not see. Whoever knows the
    original URL can compute it, and could fetch the file from its server anyway."""
    return hashlib.sha256(f"{media.id}:{media.remote_url}".encode()).hexdigest()[:TOKEN_LENGTH]


def remote_media_path(media: Media, *, preview: bool = False) -> str:
    """`/media/remote/<id>/<token>` (the file) or `.../preview` (its thumbnail)."""
    path = f"{REMOTE_PREFIX}{media.id}/{remote_token(media)}"
    return path + "/preview" if preview else path


def is_remote(media: Media) -> bool:
    """A row standing for another server's file (an attachment, avatar or header)."""
    return media.remote_url is not None


def account_image_path(account: Account, slot: str) -> str:
    """What pages and the API show as an account's avatar or header: a local account's own file,
    our cached copy of a remote account's image (fetched on demand), or '' when there is none."""
    return account.avatar_src if slot == "avatar" else account.header_src
