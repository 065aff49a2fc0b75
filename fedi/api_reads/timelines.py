"""Timelines for the client API: home, public and hashtag, with Mastodon's cursors and filters.

Siblings of `fedi.timelines` (the web's pages) with what clients need on top: `since_id` and
`min_id`, local/remote and media-only filters, `any[]/all[]/none[]` tags. The home timeline reads
the materialised `home_feed` in one indexed range scan joined to its posts, and loads every
related row and the viewer's blocks, mutes and filters in the same hop: page 50 costs what page 1
costs.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from fedi.api_reads.bundles import StatusBundle, bundle_from_rows, filter_bundle
from fedi.api_reads.kept_pages import KeptPage, KeptPages, PageInputs, page_inputs
from fedi.context import Services
from fedi.filters import FilterBundle
from fedi.moderation.relations import hidden_account_ids
from fedi.moderation.relations import remember as remember_relations
from fedi.storage import blocks as block_store
from fedi.storage import filters as filter_store
from fedi.storage import paging, status_batch
from fedi.storage.blocks import RelationRow
from fedi.storage.clock import now_db
from fedi.storage.db import Conn
from fedi.storage.paging import Cursor, PostQuery
from fedi.storage.rows import Post
from fedi.storage.status_batch import StatusRows
from fedi.timelines import normalise_tag

MAX_TAGS = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusPage:
    """A page of statuses and the paging ids for its Link header (newest first; none if empty).

    A home page also carries what it was built from (`inputs`, None when it cannot be kept), or
    the kept page it matched (`kept`: its bundle is then empty and unused).
    """

    bundle: StatusBundle
    cursor_ids: list[int] = field(default_factory=list)
    inputs: PageInputs | None = None
    kept: KeptPage | None = None


async def page_of(
    conn: Conn,
    viewer_id: int | None,
    posts: Sequence[Post],
    *,
    cursor_ids: Sequence[int] | None = None,
    hide_muted: bool = True,
    context: str | None = None,
) -> StatusPage:
    """The visible statuses of a page of posts; accounts the viewer blocks or mutes (and the
    domains they hide) left out; with a filter `context`, the viewer's filters applied.

    `cursor_ids` are the rows' paging ids (the posts' own ids by default).
    """
    rows = await status_batch.load_status_rows(conn, viewer_id, list(posts))
    return await _page(
        conn, viewer_id, posts, rows, cursor_ids, hide_muted=hide_muted, context=context
    )


async def query_page(
    conn: Conn,
    viewer_id: int | None,
    query: PostQuery,
    *,
    hide_muted: bool = True,
    context: str | None = None,
) -> StatusPage:
    """`page_of` the posts a page query finds, in one hop: the query, the related rows and, for
    a viewer, their blocks, mutes, hidden domains and filters (read together; the relations are
    remembered for the connection, as `viewer_relations` would)."""
    if viewer_id is None:
        posts, rows = await status_batch.load_page(conn, viewer_id, query)
        return await _page(conn, None, posts, rows, None, hide_muted=hide_muted, context=context)
    now = now_db()
    posts, rows, (relations, filters) = await status_batch.load_page_with(
        conn, viewer_id, query, lambda c: _viewer_state(c, viewer_id, now)
    )
    remember_relations(conn, viewer_id, relations)
    return await _page(
        conn, viewer_id, posts, rows, None, hide_muted=hide_muted, context=context, active=filters
    )


def _viewer_state(
    c: sqlite3.Connection, viewer_id: int, now: str
) -> tuple[list[RelationRow], list[FilterBundle]]:
    """The viewer's blocks, mutes and hidden domains, and active filters (on the connection's
    thread, to share a hop)."""
    return (
        block_store.relation_rows(c, viewer_id, now=now),
        filter_store.active_filters(c, viewer_id, now=now),
    )


async def _page(
    conn: Conn,
    viewer_id: int | None,
    posts: Sequence[Post],
    rows: StatusRows,
    cursor_ids: Sequence[int] | None,
    *,
    hide_muted: bool,
    context: str | None,
    active: Sequence[FilterBundle] | None = None,
) -> StatusPage:
    bundle = await bundle_from_rows(conn, viewer_id, posts, rows)
    if hide_muted and viewer_id is not None and bundle.items:
        hidden = await hidden_account_ids(conn, viewer_id)
        if hidden:
            kept = [
                i
                for i in bundle.items
                if i.post.account_id not in hidden and i.shown.account_id not in hidden
            ]
            bundle = dataclasses.replace(bundle, items=kept)
    if context is not None:
        bundle = await filter_bundle(conn, viewer_id, bundle, context, active=active)
    ids = list(cursor_ids) if cursor_ids is not None else [p.id for p in posts]
    return StatusPage(bundle=bundle, cursor_ids=ids if bundle.items else [])


def home_key(viewer_id: int, cursor: Cursor) -> tuple[int, ...]:
    """The key of a home page among `KeptPages`."""
    return (
        viewer_id,
        -1 if cursor.max_id is None else cursor.max_id,
        -1 if cursor.since_id is None else cursor.since_id,
        -1 if cursor.min_id is None else cursor.min_id,
        cursor.limit,
    )


async def home_page(
    svc: Services, viewer_id: int, cursor: Cursor, *, kept: KeptPages | None = None
) -> StatusPage:
    """The viewer's home timeline: own posts, followed accounts' posts and boosts, mentions;
    members of the viewer's exclusive lists left out (in the feed query itself).

    One hop: the feed's range scan with every related row, and the viewer's blocks, mutes,
    hidden domains and filters (`query_page`). With `kept`, a page whose inputs are unchanged
    since it was kept comes back as `StatusPage.kept` instead, without loading its rows (the
    checks share the hop: the scan, the viewer's relations and filters, and the stamps of any
    boosted originals and other accounts it shows); a page built anew carries its `inputs`.
    """
    query = paging.home_posts(viewer_id, cursor)
    if kept is None:
        async with svc.db.read() as conn:
            return await query_page(conn, viewer_id, query, context="home")
    previous = kept.get(home_key(viewer_id, cursor))
    now = now_db()

    def work(
        c: sqlite3.Connection,
    ) -> tuple[list[Post], StatusRows, list[RelationRow], list[FilterBundle]] | None:
        query.scan(c)
        relations, filters = _viewer_state(c, viewer_id, now)
        if previous is not None:
            was = previous.inputs
            if was.same_feed(query.rows, relations, filters, now) and (
                not was.stamps
                or paging.current_stamps(c, was.post_ids, was.account_ids) == was.stamps
            ):
                return None
        posts = query.posts(c)
        rows = status_batch.page_rows(c, viewer_id, posts, known_accounts=query.author_stamps)
        return posts, rows, relations, filters

    async with svc.db.read() as conn:
        loaded = await conn.run(work)
        if loaded is None:
            assert previous is not None
            return StatusPage(
                bundle=StatusBundle(viewer_id=viewer_id),
                cursor_ids=previous.cursor_ids,
                kept=previous,
            )
        posts, rows, relations, filters = loaded
        remember_relations(conn, viewer_id, relations)
        page = await _page(
            conn, viewer_id, posts, rows, None, hide_muted=True, context="home", active=filters
        )
    inputs = page_inputs(query.rows, relations, filters, page.bundle, now)
    return dataclasses.replace(page, inputs=inputs)


async def public_page(
    svc: Services,
    viewer_id: int | None,
    cursor: Cursor,
    *,
    local: bool | None = None,
    only_media: bool = False,
) -> StatusPage:
    """Public posts of everyone known here (`local` True: this instance's, False: others')."""
    query = paging.public_posts(cursor, local=local, only_media=only_media)
    async with svc.db.read() as conn:
        return await query_page(conn, viewer_id, query, context="public")


def _tags(names: Sequence[str]) -> list[str]:
    found = []
    for name in names[:MAX_TAGS]:
        tag = normalise_tag(name)
        if tag is not None and tag not in found:
            found.append(tag)
    return found


async def tag_page(
    svc: Services,
    viewer_id: int | None,
    tag: str,
    cursor: Cursor,
    *,
    any_of: Sequence[str] = (),
    all_of: Sequence[str] = (),
    none_of: Sequence[str] = (),
    local: bool | None = None,
    only_media: bool = False,
) -> StatusPage:
    """Public posts with the hashtag (or any of `any_of`), all of `all_of`, none of `none_of`.

    A name that is no hashtag matches nothing (an empty page, as Mastodon answers).
    """
    wanted = _tags([tag, *any_of])
    if normalise_tag(tag) is None:
        return StatusPage(bundle=StatusBundle(viewer_id=viewer_id))
    async with svc.db.read() as conn:
        query = paging.tagged_posts(
            cursor,
            any_of=wanted,
            all_of=_tags(all_of),
            none_of=_tags(none_of),
            local=local,
            only_media=only_media,
        )
        return await query_page(conn, viewer_id, query, context="public")
