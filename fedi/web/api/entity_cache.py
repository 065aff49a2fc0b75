"""A per-process cache of rendered entity parts, so a timeline page does not rebuild the same
Account entities and status texts request after request.

Entries are keyed by the identity of the immutable rows they were built from, and hold those
rows: storage hands out one shared row object per distinct set of column values
(`fedi.storage.paging.build_rows`), so a row that changes is a new object, a miss, and the old
entry ages out. Nothing is ever stale and nothing needs invalidating. One cache per `Services`
(tests run several instances, with other base URLs, in one process). Callers get shared dicts:
copy before changing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fedi.context import Services

ENTRIES = 8192

JsonDict = dict[str, Any]
T = TypeVar("T")


class IdentityCache:
    """Values built from an immutable row (matched by identity) and a small companion value
    (matched by equality: counts, a post's tags)."""

    def __init__(self, size: int = ENTRIES) -> None:
        self.size = size
        self._items: dict[int, tuple[object, object, Any]] = {}

    def get_or_build(self, first: object, second: object, build: Callable[[], T]) -> T:
        """The value built from (`first`, `second`), built and kept on a miss."""
        key = id(first)
        found = self._items.get(key)
        if found is not None and found[0] is first and (found[1] is second or found[1] == second):
            return found[2]  # type: ignore[no-any-return]
        value = build()
        items = self._items
        if key not in items and len(items) >= self.size:
            del items[next(iter(items))]  # the oldest entry (dicts keep insertion order)
        items[key] = (first, second, value)
        return value

    def __len__(self) -> int:
        return len(self._items)


def entity_cache(svc: Services, name: str) -> IdentityCache:
    """This instance's cache called `name` (e.g. "accounts", "statuses")."""
    caches: dict[str, IdentityCache] = svc.extras.setdefault("api_entity_caches", {})
    found = caches.get(name)
    if found is None:
        found = caches[name] = IdentityCache()
    return found
