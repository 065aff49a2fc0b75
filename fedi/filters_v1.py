"""Mastodon's v1 filters, kept as its v2 rows are: a v1 filter is one keyword of a v2 filter.

Creating a v1 filter creates a v2 filter titled with the phrase holding that one keyword;
`irreversible` is the `hide` action; removing the last keyword of such a filter removes the filter.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedi.context import Services
from fedi.errors import NotFound
from fedi.events import FiltersChanged, publish_after_commit
from fedi.filters import (
    NOT_FOUND,
    FilterDraft,
    KeywordChange,
    create_filter,
    list_filters,
    update_filter,
)
from fedi.storage import filters as filter_store
from fedi.storage.filters import FilterKeyword, FilterRow
from fedi.storage.rows import Account


@dataclass(frozen=True, slots=True, kw_only=True)
class V1Filter:
    """A keyword with the filter it belongs to."""

    keyword: FilterKeyword
    filter: FilterRow


@dataclass(frozen=True, slots=True, kw_only=True)
class V1Draft:
    """What a v1 create or update sends (None: not given)."""

    phrase: str | None = None
    context: list[str] | None = None
    whole_word: bool | None = None
    irreversible: bool | None = None
    expires_in: int | None = None
    set_expiry: bool = False


async def list_v1(svc: Services, owner: Account) -> list[V1Filter]:
    """Every keyword of the owner's filters as a v1 filter."""
    return [
        V1Filter(keyword=k, filter=b.filter)
        for b in await list_filters(svc, owner)
        for k in b.keywords
    ]


async def get_v1(svc: Services, owner: Account, keyword_id: int) -> V1Filter:
    """One v1 filter of the owner (NotFound otherwise)."""
    async with svc.db.read() as conn:
        keyword = await filter_store.get_keyword(conn, owner.id, keyword_id)
        bundle = (
            None
            if keyword is None
            else await filter_store.get_filter(conn, owner.id, keyword.filter_id)
        )
    if keyword is None or bundle is None:
        raise NotFound(NOT_FOUND)
    return V1Filter(keyword=keyword, filter=bundle.filter)


def _action(irreversible: bool | None) -> str | None:
    return None if irreversible is None else ("hide" if irreversible else "warn")


async def create_v1(svc: Services, owner: Account, draft: V1Draft) -> V1Filter:
    """Create a v1 filter: a v2 filter named after the phrase, with that one keyword."""
    created = await create_filter(
        svc,
        owner,
        FilterDraft(
            title=draft.phrase,
            context=draft.context,
            filter_action=_action(draft.irreversible) or "warn",
            expires_in=draft.expires_in,
            set_expiry=draft.set_expiry,
            keywords=[KeywordChange(keyword=draft.phrase, whole_word=draft.whole_word)],
        ),
    )
    return V1Filter(keyword=created.keywords[0], filter=created.filter)


async def update_v1(svc: Services, owner: Account, keyword_id: int, draft: V1Draft) -> V1Filter:
    """Change a v1 filter: the keyword's phrase and whole_word, its filter's other fields."""
    current = await get_v1(svc, owner, keyword_id)
    bundle = await update_filter(
        svc,
        owner,
        current.filter.id,
        FilterDraft(
            context=draft.context,
            filter_action=_action(draft.irreversible),
            expires_in=draft.expires_in,
            set_expiry=draft.set_expiry,
            keywords=[
                KeywordChange(id=keyword_id, keyword=draft.phrase, whole_word=draft.whole_word)
            ],
        ),
    )
    keyword = next(k for k in bundle.keywords if k.id == keyword_id)
    return V1Filter(keyword=keyword, filter=bundle.filter)


async def delete_v1(svc: Services, owner: Account, keyword_id: int) -> None:
    """Remove a v1 filter (its keyword; the filter too when nothing else is left in it)."""
    async with svc.db.write() as tx:
        keyword = await filter_store.get_keyword(tx, owner.id, keyword_id)
        if keyword is None:
            raise NotFound(NOT_FOUND)
        bundle = await filter_store.get_filter(tx, owner.id, keyword.filter_id)
        if bundle is not None and len(bundle.keywords) == 1 and not bundle.statuses:
            await filter_store.delete_filter(tx, bundle.filter.id)
        else:
            await filter_store.delete_keywords(tx, keyword.filter_id, [keyword_id])
        publish_after_commit(svc, tx, FiltersChanged(account_id=owner.id))
