"""Encoded home timeline pages, kept while nothing they were built from has changed.

A home page is a function of what its feed scan reads (each post's stamp, its author's or
booster's account stamp, and the viewer's own stamp: their likes, boosts, bookmarks, muted
threads, pins and follows; `paging.HomeQuery`), of the stamps of what the page shows beyond
the feed's rows (boosted originals, their authors, mentioned accounts), of the viewer's
relations and active filters, and of the clock, through polls that end. Stamps move on every
change of what they cover (migration 0018), so a request whose scan and checks read the same
values would build the same bytes: it gets the kept ones and skips building and encoding.

A changed page is built as before (from the reader caches) and kept in place of the old one.
Pages are kept per viewer and cursor within a byte budget, the least recently used going
first.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fedi.context import Services
from fedi.storage.blocks import RelationRow
from fedi.storage.filters import FilterBundle

if TYPE_CHECKING:
    from fedi.api_reads.bundles import StatusBundle

BUDGET_BYTES = 16 * 1024 * 1024
ENTRY_BYTES = 1024  # what a kept page costs besides its body: its inputs and their rows
ROW_BYTES = 160


@dataclass(frozen=True, slots=True, kw_only=True)
class PageInputs:
    """What one page was built from (see the module's text)."""

    rows: list[tuple[int, int, int, int, int]]
    """The feed scan's rows (`paging.HomeQuery.rows`)."""
    relations: list[RelationRow]
    filters: list[FilterBundle]
    post_ids: tuple[int, ...] = ()
    """Posts shown that the scan does not cover (boosted originals)."""
    account_ids: tuple[int, ...] = ()
    """Accounts shown that the scan does not cover (originals' authors, mentioned accounts)."""
    stamps: tuple[int, ...] = ()
    """The stamps of `post_ids` then `account_ids` the page was built at."""
    until: str | None = None
    """When the first of the page's running polls ends (stored time form), if any."""

    def same_feed(
        self,
        rows: Sequence[tuple[int, int, int, int, int]],
        relations: Sequence[RelationRow],
        filters: Sequence[FilterBundle],
        now: str,
    ) -> bool:
        """Whether a new scan, the viewer's relations and filters read now match these
        (the stamps of `post_ids` and `account_ids` are checked apart)."""
        return (
            (self.until is None or now < self.until)
            and self.rows == rows
            and self.relations == relations
            and self.filters == filters
        )


@dataclass(frozen=True, slots=True)
class KeptPage:
    """An encoded page and what it was built from."""

    inputs: PageInputs
    body: bytes
    cursor_ids: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        """About how many bytes keeping this page takes."""
        return len(self.body) + ENTRY_BYTES + ROW_BYTES * len(self.inputs.rows)


def page_inputs(
    rows: list[tuple[int, int, int, int, int]],
    relations: list[RelationRow],
    filters: list[FilterBundle],
    bundle: StatusBundle,
    now: str,
) -> PageInputs | None:
    """The inputs of a page built from a scan's `rows` as `bundle` (None when a row it shows
    came without its stamp, so the page cannot be checked)."""
    scanned_posts = {row[0] for row in rows}
    scanned_accounts = {row[2] for row in rows}
    data = bundle.rows
    originals = sorted(i for i in data.originals if i not in scanned_posts)
    others = sorted(i for i in data.accounts if i not in scanned_accounts)
    stamps = (
        *(data.originals[i].stamp for i in originals),
        *(data.accounts[i].stamp for i in others),
    )
    if any(stamp < 0 for stamp in stamps):
        return None
    ends = [
        poll.expires_at
        for poll in data.polls.values()
        if poll.closed_at is None and poll.expires_at is not None and poll.expires_at > now
    ]
    return PageInputs(
        rows=rows,
        relations=relations,
        filters=filters,
        post_ids=tuple(originals),
        account_ids=tuple(others),
        stamps=stamps,
        until=min(ends) if ends else None,
    )


class KeptPages:
    """Kept pages by key (viewer and cursor), at most about `budget` bytes in all."""

    def __init__(self, budget: int = BUDGET_BYTES) -> None:
        self.budget = budget
        self.size = 0
        self._items: dict[Hashable, KeptPage] = {}

    def get(self, key: Hashable) -> KeptPage | None:
        """The page kept for `key` (now the most recently used), or None."""
        found = self._items.pop(key, None)
        if found is not None:
            self._items[key] = found
        return found

    def put(self, key: Hashable, page: KeptPage) -> None:
        """Keep `page` for `key` in place of any other; the least recently used pages go
        when the pages outgrow the budget (a page larger than the budget is not kept)."""
        old = self._items.pop(key, None)
        if old is not None:
            self.size -= old.size
        if page.size > self.budget:
            return
        while self._items and self.size + page.size > self.budget:
            oldest = next(iter(self._items))
            self.size -= self._items.pop(oldest).size
        self._items[key] = page
        self.size += page.size

    def __len__(self) -> int:
        return len(self._items)


def kept_pages(svc: Services) -> KeptPages:
    """This instance's kept home pages."""
    found = svc.extras.get("kept_home_pages")
    if found is None:
        found = svc.extras["kept_home_pages"] = KeptPages()
    return found  # type: ignore[no-any-return]
