"""Trends computed from real recent activity on this instance.

Tags: the hashtags of live public posts of the last days, ranked by how many distinct accounts
used them (then by uses). Statuses: live public original posts of the last days with the most
favourites plus boosts. Links: `fedi.cards.trends` (preview cards shared by most accounts).
"""

from __future__ import annotations

import time

from fedi.context import Services
from fedi.filters import PostPage, apply_filters
from fedi.lists import without_hidden_authors
from fedi.storage import posts as post_store
from fedi.storage import trends as trend_store
from fedi.storage.ids import id_floor
from fedi.storage.trends import DAY_MS
from fedi.tags import TagInfo, tag_infos

TAG_DAYS = 7
STATUS_DAYS = 7


def _since(days: int) -> int:
    return id_floor(int(time.time() * 1000) - days * DAY_MS)


async def trending_tags(
    svc: Services, viewer_id: int | None, *, limit: int, offset: int = 0
) -> list[TagInfo]:
    """The most used hashtags of the last days (by distinct accounts), with their history."""
    async with svc.db.read() as conn:
        ranked = await trend_store.trending_tags(
            conn, since_id=_since(TAG_DAYS), limit=limit, offset=offset
        )
        return await tag_infos(conn, viewer_id, [tag for tag, _, _ in ranked])


async def trending_statuses(
    svc: Services, viewer_id: int | None, *, limit: int, offset: int = 0
) -> PostPage:
    """Recent public posts with the most favourites and boosts, best first."""
    async with svc.db.read() as conn:
        ids = await trend_store.trending_post_ids(
            conn, since_id=_since(STATUS_DAYS), limit=limit, offset=offset
        )
        found = await post_store.get_posts(conn, ids)
        posts = [found[i] for i in ids if i in found]
        if viewer_id is not None:
            posts = await without_hidden_authors(conn, viewer_id, posts)
        kept, filtered = await apply_filters(conn, viewer_id, posts, "public")
    return PostPage(posts=kept, cursor_ids=[], filtered=filtered)
