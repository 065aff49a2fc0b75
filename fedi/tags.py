"""Hashtags as things to look at and follow: usage history, following, search by prefix.

History is counted from real rows (`post_tags`): per UTC day for the last 7 days, the live public
and unlisted posts carrying the tag and their distinct authors. Following a hashtag brings its
public posts into the follower's home feed as they arrive (a schema trigger at tag insert).
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from fedi.context import Services
from fedi.errors import NotFound
from fedi.paging import Paged, Window
from fedi.storage import featured_tags as featured_store
from fedi.storage import followed_tags as followed_store
from fedi.storage import trends as trend_store
from fedi.storage.db import Conn
from fedi.storage.ids import id_floor, new_id
from fedi.storage.trends import DAY_MS
from fedi.timelines import normalise_tag

HISTORY_DAYS = 7
NOT_FOUND = "Record not found"


@dataclass(frozen=True, slots=True, kw_only=True)
class DayCount:
    """Uses of a hashtag on one UTC day (`day`: the day's start, Unix seconds)."""

    day: int
    uses: int = 0
    accounts: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class TagInfo:
    """A hashtag with its recent history and (for a logged-in viewer) whether they follow it."""

    name: str
    history: list[DayCount] = field(default_factory=list)
    following: bool | None = None
    featuring: bool | None = None
    """Whether the viewer features it on their profile (None: no viewer)."""


def _today() -> int:
    return int(time.time() * 1000) // DAY_MS


async def tag_infos(conn: Conn, viewer_id: int | None, names: Sequence[str]) -> list[TagInfo]:
    """TagInfo for several hashtags, in order: one query for history, one for following."""
    if not names:
        return []
    today = _today()
    first = today - HISTORY_DAYS + 1
    uses = await trend_store.tag_history(conn, names, since_id=id_floor(first * DAY_MS))
    by_key = {(u.tag, u.day): u for u in uses}
    followed = (
        set() if viewer_id is None else await followed_store.followed_among(conn, viewer_id, names)
    )
    featured = (
        set() if viewer_id is None else await featured_store.featured_among(conn, viewer_id, names)
    )
    infos = []
    for name in names:
        history = []
        for day in range(today, first - 1, -1):
            found = by_key.get((name, day))
            history.append(
                DayCount(
                    day=day * DAY_MS // 1000,
                    uses=found.uses if found else 0,
                    accounts=found.accounts if found else 0,
                )
            )
        infos.append(
            TagInfo(
                name=name,
                history=history,
                following=None if viewer_id is None else name in followed,
                featuring=None if viewer_id is None else name in featured,
            )
        )
    return infos


def _name(written: str) -> str:
    """The stored form of a hashtag named in a URL; NotFound unless the whole text is one."""
    bare = written.strip().removeprefix("#")
    name = normalise_tag(bare)
    if name is None or unicodedata.normalize("NFKC", bare).lower() != name:
        raise NotFound(NOT_FOUND)
    return name


async def get_tag(svc: Services, viewer_id: int | None, written: str) -> TagInfo:
    """A hashtag by name (any case, with or without `#`); NotFound if it is not a hashtag."""
    name = _name(written)
    async with svc.db.read() as conn:
        return (await tag_infos(conn, viewer_id, [name]))[0]


async def follow_tag(svc: Services, account_id: int, written: str) -> TagInfo:
    """Follow a hashtag (again is fine); its new public posts then reach the home feed."""
    name = _name(written)
    async with svc.db.write() as tx:
        await followed_store.follow_tag(tx, id=new_id(), account_id=account_id, tag=name)
        return (await tag_infos(tx, account_id, [name]))[0]


async def unfollow_tag(svc: Services, account_id: int, written: str) -> TagInfo:
    """Stop following a hashtag (not following is fine)."""
    name = _name(written)
    async with svc.db.write() as tx:
        await followed_store.unfollow_tag(tx, account_id, name)
        return (await tag_infos(tx, account_id, [name]))[0]


async def followed_tags(svc: Services, account_id: int, window: Window) -> Paged[TagInfo]:
    """The hashtags an account follows, most recently followed first (paged by row id)."""
    async with svc.db.read() as conn:
        rows = await followed_store.list_followed_tags(
            conn,
            account_id,
            max_id=window.max_id,
            since_id=window.since_id,
            min_id=window.min_id,
            limit=window.limit,
        )
        infos = await tag_infos(conn, account_id, [tag for _, tag in rows])
    return Paged(items=infos, cursor_ids=[row_id for row_id, _ in rows])


async def search_tags(
    conn: Conn, viewer_id: int | None, query: str, *, limit: int, offset: int = 0
) -> list[TagInfo]:
    """Hashtags used here whose name starts with the query (normalised), alphabetically."""
    name = normalise_tag(query)
    if name is None:
        return []
    names = await trend_store.search_tags(conn, name, limit=limit, offset=offset)
    return await tag_infos(conn, viewer_id, names)
