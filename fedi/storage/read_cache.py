"""Caches a database's readers share between reads, keyed by (id, stamp) (`status_cache`).

Kept apart from `db.py` and `status_cache.py` so the database can create them without importing
the loaders that use them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Hashable, Iterable
from typing import Any

ENTRIES = 8192  # per cache: a few thousand posts are the hot part of most instances
VIEWER_ENTRIES = 2048  # their keys hold a page's ids


class StampCache:
    """Values by (id, stamp), at most `size` of them (the oldest go first). Shared by the
    reader connections of one database, from the event loop and the readers' threads: every
    operation is a single dict call, and a racing eviction is simply skipped."""

    def __init__(self, size: int = ENTRIES) -> None:
        self.size = size
        self._items: dict[Hashable, tuple[object, Any]] = {}

    def get(self, key: Hashable, stamp: object) -> Any | None:
        """The value kept for `key` at `stamp`, or None."""
        found = self._items.get(key)
        return found[1] if found is not None and found[0] == stamp else None

    def get_many(
        self, stamps: Iterable[tuple[Hashable, object]]
    ) -> tuple[dict[Hashable, Any], list[Hashable]]:
        """The values kept for (key, stamp) pairs that match, and the keys that do not."""
        items = self._items
        found: dict[Hashable, Any] = {}
        missing: list[Hashable] = []
        for key, stamp in stamps:
            kept = items.get(key)
            if kept is not None and kept[0] == stamp:
                found[key] = kept[1]
            else:
                missing.append(key)
        return found, missing

    def put(self, key: Hashable, stamp: object, value: Any) -> None:
        """Keep `value` for `key` at `stamp` (replacing an older one)."""
        items = self._items
        if key not in items and len(items) >= self.size:
            try:
                del items[next(iter(items))]
            except (KeyError, RuntimeError, StopIteration):
                pass
        items[key] = (stamp, value)

    def __len__(self) -> int:
        return len(self._items)


class ReadCaches:
    """One database's stamp caches: post rows, post extras, display accounts, and viewers'
    marks on pages (keyed by the viewer and the page's ids)."""

    def __init__(self) -> None:
        self.posts = StampCache()
        self.extras = StampCache()
        self.accounts = StampCache()
        self.viewer_marks = StampCache(VIEWER_ENTRIES)


class CachingConnection(sqlite3.Connection):
    """A reader connection that carries its database's `ReadCaches` (None: do not cache)."""

    caches: ReadCaches | None = None
