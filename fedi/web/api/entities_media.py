"""The MediaAttachment entity (reference §6.3): id, type, url, preview_url, remote_url, meta,
description, blurhash. `meta` always has `original` (width/height when known) and `focus`."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.media.views import file_path, preview_path
from fedi.storage.rows import Media

JsonDict = dict[str, Any]
TYPES = ("image", "gifv", "video", "audio", "unknown")


def media_entity(svc: Services, media: Media) -> JsonDict:
    """A MediaAttachment; `url` and `preview_url` are null while processing (or when refused)."""
    file = file_path(media)
    preview = preview_path(media)
    meta = media.meta
    meta.setdefault("original", {})
    meta["focus"] = {"x": media.focus_x, "y": media.focus_y}
    return {
        "id": str(media.id),
        "type": media.kind if media.kind in TYPES else "unknown",
        "url": svc.url(file) if file else None,
        "preview_url": svc.url(preview) if preview else None,
        "remote_url": media.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description or None,
        "blurhash": media.blurhash,
    }
