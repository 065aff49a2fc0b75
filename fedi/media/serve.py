"""Finding a stored file to serve at `/media/<key>`: only well-formed keys of servable types."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from fedi.context import Services
from fedi.errors import NotFound
from fedi.media.uploads import media_store
from fedi.storage.mediafiles import served_type

NO_FILE = "No such file."


@dataclass(frozen=True, slots=True, kw_only=True)
class ServedFile:
    """A file on local disk and the Content-Type it is served with."""

    path: Path
    content_type: str


async def find_file(svc: Services, key: str) -> ServedFile:
    """The stored file for a `/media/` key; NotFound for a malformed key (no traversal: keys are
    `ab/cd/<sha256>.<ext>`), an unservable type (pending uploads) or a missing file."""
    content_type = served_type(key)
    if content_type is None:
        raise NotFound(NO_FILE)
    path = await asyncio.to_thread(media_store(svc).get_path, key)
    if path is None:
        raise NotFound(NO_FILE)
    return ServedFile(path=path, content_type=content_type)
