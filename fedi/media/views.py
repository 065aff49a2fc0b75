"""Media as pages and entities show it: URLs, sizes, kinds (pure; no queries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedi.context import Services
from fedi.media.remote_paths import is_remote, remote_media_path
from fedi.storage.rows import Media

MEDIA_PREFIX = "/media/"


def media_path(key: str) -> str:
    """The path a stored file is served at: `/media/<key>`."""
    return MEDIA_PREFIX + key


def media_url(svc: Services, key: str) -> str:
    """The absolute URL of a stored file (for the API and federation)."""
    return svc.url(media_path(key))


def file_path(media: Media) -> str | None:
    """The path of a ready file here, or None (not stored, processing, failed)."""
    if media.state != "ready":
        return None
    if is_remote(media):
        return remote_media_path(media)
    return media_path(media.file_key) if media.file_key else None


def preview_path(media: Media) -> str | None:
    """The path of a ready file's thumbnail or poster (an image without one: the image itself)."""
    if media.state != "ready":
        return None
    if media.preview_key:
        return (
            remote_media_path(media, preview=True)
            if is_remote(media)
            else media_path(media.preview_key)
        )
    return file_path(media) if media.kind == "image" else None


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaView:
    """One attachment as the post partial shows it (`templates/partials/media.html`)."""

    media: Media

    @property
    def id(self) -> int:
        return self.media.id

    @property
    def kind(self) -> str:
        return self.media.kind

    @property
    def ready(self) -> bool:
        """Servable from here (a remote file not fetched, or refused, is shown as a link)."""
        return self.media.state == "ready" and (
            self.media.file_key is not None or is_remote(self.media)
        )

    @property
    def url(self) -> str:
        """Where the full file is: our copy (remote ones by row id), else the remote original."""
        return file_path(self.media) or self.media.remote_url or ""

    @property
    def preview_url(self) -> str:
        """The thumbnail or poster (the file itself for an image without one)."""
        return preview_path(self.media) or ""

    @property
    def description(self) -> str:
        return self.media.description

    @property
    def blurhash(self) -> str:
        return self.media.blurhash or ""

    @property
    def meta(self) -> dict[str, Any]:
        return self.media.meta

    def _dim(self, which: str, name: str) -> int | None:
        value = (self.meta.get(which) or {}).get(name)
        return int(value) if isinstance(value, int | float) and value > 0 else None

    @property
    def width(self) -> int | None:
        """Width of the preview shown in the page (for layout without jumps)."""
        return self._dim("small", "width") or self._dim("original", "width")

    @property
    def height(self) -> int | None:
        return self._dim("small", "height") or self._dim("original", "height")

    @property
    def label(self) -> str:
        """What the file is, for links and screen readers when there is no alt text."""
        return {"image": "Image", "gifv": "Animation", "video": "Video", "audio": "Audio"}.get(
            self.kind, "Attachment"
        )


def media_views(media: list[Media]) -> tuple[MediaView, ...]:
    """Views of a post's attachments, in order."""
    return tuple(MediaView(media=m) for m in media)
