"""Media files: a small content-addressed store behind an interface (local disk now, S3 later).

Keys look like `ab/cd/<sha256>.<ext>`: the same bytes always get the same key, so `put` is
idempotent and two uploads of one file share it. The extension comes from the content type we
determined (never from a client), and `served_type` maps it back when the file is served; the
`.bin` extension (unprocessed uploads waiting for the media worker) is never served.

Every method is synchronous file I/O: services call them through `asyncio.to_thread`.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from fedi.config import Config

KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{2,5}$")
PENDING_EXT = "bin"

# Content type of a stored file <-> the extension of its key.
EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/avif": "avif",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/ogg": "ogv",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/wav": "wav",
    "audio/mp4": "m4a",
    "audio/flac": "flac",
    "audio/webm": "weba",
}
SERVED_TYPES: dict[str, str] = {ext: ctype for ctype, ext in EXTENSIONS.items()}


def extension_for(content_type: str) -> str:
    """The key extension for a content type; `bin` (never served) for anything else."""
    return EXTENSIONS.get(content_type, PENDING_EXT)


def served_type(key: str) -> str | None:
    """The Content-Type a key is served with, or None when it must not be served."""
    if not KEY_RE.match(key):
        return None
    return SERVED_TYPES.get(key.rsplit(".", 1)[1])


class MediaStore(Protocol):
    """Where media files live; keys are content-addressed paths."""

    def put(self, data: bytes, *, content_type: str) -> str:
        """Store bytes (idempotent) and return their key."""
        ...

    def get_path(self, key: str) -> Path | None:
        """A local path of the file (None when missing or not a local backend)."""
        ...

    def read(self, key: str) -> bytes:
        """The file's bytes (FileNotFoundError when missing)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""
        ...

    def size(self, key: str) -> int:
        """Bytes on disk of one file (0 when missing)."""
        ...

    def total_size(self) -> int:
        """Bytes on disk of every stored file."""
        ...


class LocalMediaStore:
    """Files under one directory (`data_dir/media` by default), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not KEY_RE.match(key):
            raise ValueError("not a media key")
        return self.root / key

    def put(self, data: bytes, *, content_type: str) -> str:
        """Store bytes under their SHA-256 (nothing written when already there)."""
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest[2:4]}/{digest}.{extension_for(content_type)}"
        path = self.root / key
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.parent / f".{digest}.{secrets.token_hex(4)}.tmp"
        try:
            with temp.open("wb") as fh:
                fh.write(data)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        return key

    def get_path(self, key: str) -> Path | None:
        """The file's path, or None for a malformed key or a missing file."""
        try:
            path = self._path(key)
        except ValueError:
            return None
        return path if path.is_file() else None

    def read(self, key: str) -> bytes:
        """The file's bytes."""
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file (and its now-empty directories)."""
        try:
            path = self._path(key)
        except ValueError:
            return
        path.unlink(missing_ok=True)
        for parent in (path.parent, path.parent.parent):
            try:
                parent.rmdir()
            except OSError:
                break

    def size(self, key: str) -> int:
        """Bytes of one file (0 when missing)."""
        path = self.get_path(key)
        return path.stat().st_size if path else 0

    def total_size(self) -> int:
        """Bytes of every stored file (a walk of the directory)."""
        if not self.root.exists():
            return 0
        return sum(p.stat().st_size for p in self.root.glob("*/*/*") if p.is_file())


def open_media_store(config: Config) -> MediaStore:
    """The configured media store (local files under data_dir/media)."""
    return LocalMediaStore(config.data_path / "media")
