"""Keyset paging shared by list-returning services: a window asked for, a page given back.

All bounds are exclusive: `max_id` older than, `since_id` newer than (the newest page above it),
`min_id` newer than (the page just above it). `cursor_ids` are the paging ids of a page, newest
first — the items' own ids, or hidden row ids (a list membership, a followed-tag row) — so the
client API can build its Link header even when some rows of the page were left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """Which page to read."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20

    @property
    def low(self) -> int | None:
        """The lower bound: `min_id` if given, else `since_id`."""
        return self.min_id if self.min_id is not None else self.since_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Paged(Generic[T]):
    """A page of items and the paging ids of the rows read (newest first)."""

    items: list[T] = field(default_factory=list)
    cursor_ids: list[int] = field(default_factory=list)
