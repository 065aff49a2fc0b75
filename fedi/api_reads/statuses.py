"""One status and what hangs off it, for the client API: get, context, history, source, and who
liked or boosted it. Visibility is `fedi.visibility`'s: a post the viewer may not see (or a
deleted one) is NotFound, exactly like its web page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from fedi.api_reads.bundles import AccountCounts, StatusBundle, bundle_with_conn, filter_bundle
from fedi.context import Services
from fedi.errors import Gone, NotFound
from fedi.storage import accounts as account_store
from fedi.storage import edit_media, paging, status_batch
from fedi.storage import posts as post_store
from fedi.storage.db import Conn
from fedi.storage.paging import Cursor
from fedi.storage.rows import Account, Media, Post
from fedi.timelines import ThreadNode, thread
from fedi.visibility import NOT_FOUND_MESSAGE, visible_post

MAX_IDS = 40


async def _visible(conn: Conn, viewer_id: int | None, post_id: int) -> Post:
    """The post (or boost row) if the viewer may see it; deleted ones are NotFound too."""
    try:
        post, _ = await visible_post(conn, viewer_id, post_id)
    except Gone:
        raise NotFound(NOT_FOUND_MESSAGE) from None
    return post


async def _original(conn: Conn, viewer_id: int | None, post_id: int) -> Post:
    """The visible post an id stands for (a boost's id stands for its original)."""
    post = await _visible(conn, viewer_id, post_id)
    if post.reblog_of_id is not None:
        post = await _visible(conn, viewer_id, post.reblog_of_id)
    return post


async def get_status(svc: Services, viewer_id: int | None, post_id: int) -> StatusBundle:
    """A status (a boost's id gives the boost) with its related rows and every filter of the
    viewer it matches (`filtered`; nothing is hidden by a filter here); NotFound if hidden."""
    async with svc.db.read() as conn:
        post = await _visible(conn, viewer_id, post_id)
        bundle = await bundle_with_conn(conn, viewer_id, [post])
        bundle = await filter_bundle(conn, viewer_id, bundle, None)
    if not bundle.items:
        raise NotFound(NOT_FOUND_MESSAGE)
    return bundle


async def get_statuses(svc: Services, viewer_id: int | None, ids: Sequence[int]) -> StatusBundle:
    """The visible ones of several statuses, in the order asked (unknown ids left out), with
    the viewer's filter matches as `get_status` gives them."""
    wanted = list(dict.fromkeys(ids))[:MAX_IDS]
    async with svc.db.read() as conn:
        found = await post_store.get_posts(conn, wanted)
        posts = [found[i] for i in wanted if i in found]
        bundle = await bundle_with_conn(conn, viewer_id, posts)
        return await filter_bundle(conn, viewer_id, bundle, None)


def _flatten(nodes: list[ThreadNode]) -> list[Post]:
    """Replies in thread order: each reply followed by the replies below it."""
    out: list[Post] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        out.append(node.view.post)
        stack.extend(reversed(node.replies))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusContext:
    """Visible ancestors (oldest first) and descendants (thread order) of a status."""

    ancestors: StatusBundle
    descendants: StatusBundle


async def status_context(svc: Services, viewer_id: int | None, post_id: int) -> StatusContext:
    """The thread around a status, as its web page shows it (the same service), with the
    viewer's `thread` filters applied (`hide` matches left out)."""
    async with svc.db.read() as conn:
        post = await _original(conn, viewer_id, post_id)
        author = await account_store.get_account(conn, post.account_id)
    if author is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    found = await thread(svc, viewer_id, author.acct, post.id)
    ancestors = [v.post for v in found.ancestors]
    descendants = _flatten(found.replies)
    async with svc.db.read() as conn:
        both = await bundle_with_conn(conn, viewer_id, [*ancestors, *descendants])
        both = await filter_bundle(conn, viewer_id, both, "thread")
    before = {p.id for p in ancestors}
    return StatusContext(
        ancestors=StatusBundle(
            viewer_id=viewer_id,
            items=[i for i in both.items if i.post.id in before],
            rows=both.rows,
            filtered=both.filtered,
            cards=both.cards,
        ),
        descendants=StatusBundle(
            viewer_id=viewer_id,
            items=[i for i in both.items if i.post.id not in before],
            rows=both.rows,
            filtered=both.filtered,
            cards=both.cards,
        ),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Version:
    """One version of a post's text, as it was from `created_at` on."""

    content_html: str
    content_warning: str
    sensitive: bool
    created_at: str
    media: tuple[Media, ...] = ()  # that version's attachments, with the alt text they had then
    poll: tuple[str, ...] | None = None  # that version's poll option titles (None: no poll)


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusHistory:
    """Every version of a status, oldest first (the original first, the current one last)."""

    bundle: StatusBundle
    versions: list[Version]


async def status_history(svc: Services, viewer_id: int | None, post_id: int) -> StatusHistory:
    """The versions of a visible status, oldest first; a never-edited one has one version."""
    async with svc.db.read() as conn:
        post = await _original(conn, viewer_id, post_id)
        stored = await edit_media.load_versions(conn, post.id, author_id=post.account_id)
        bundle = await bundle_with_conn(conn, viewer_id, [post])
    if not bundle.items or stored.current is None or stored.current.deleted_at is not None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return StatusHistory(bundle=bundle, versions=_versions(stored.current, stored))


def _versions(post: Post, stored: edit_media.PostVersions) -> list[Version]:
    """Each version's text, attachments and poll (`post`: the current one, read in the same hop
    as the others, so an edit landing meanwhile cannot mismatch them)."""
    texts = [(e.content_html, e.content_warning, e.sensitive, e.created_at) for e in stored.edits]
    texts.append(
        (
            post.content_html,
            post.content_warning,
            post.sensitive,
            post.edited_at or post.created_at,
        )
    )
    return [
        Version(
            content_html=html,
            content_warning=warning,
            sensitive=bool(sensitive),
            created_at=at,
            media=media,
            poll=poll,
        )
        for (html, warning, sensitive, at), media, poll in zip(
            texts, stored.media, stored.polls, strict=True
        )
    ]


async def status_source(svc: Services, viewer_id: int | None, post_id: int) -> Post:
    """A visible status as stored, for its source text (remote posts have none)."""
    async with svc.db.read() as conn:
        return await _original(conn, viewer_id, post_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountPage:
    """A page of accounts with their counts, and the hidden row ids that page it (newest first)."""

    accounts: list[Account] = field(default_factory=list)
    counts: dict[int, AccountCounts] = field(default_factory=dict)
    cursor_ids: list[int] = field(default_factory=list)


async def account_page(conn: Conn, pairs: Sequence[tuple[int, int]]) -> AccountPage:
    """Accounts of (row id, account id) pairs with counts, dropping suspended or deleted ones."""
    accounts, counts = await status_batch.load_accounts_with_counts(conn, [a for _, a in pairs])
    shown = [
        accounts[a]
        for _, a in pairs
        if a in accounts and not accounts[a].suspended_at and not accounts[a].deleted_at
    ]
    return AccountPage(
        accounts=shown, counts=counts, cursor_ids=[r for r, _ in pairs] if shown else []
    )


async def status_likers(
    svc: Services, viewer_id: int | None, post_id: int, cursor: Cursor
) -> AccountPage:
    """Who liked a visible status, newest first, paged by like id."""
    async with svc.db.read() as conn:
        post = await _original(conn, viewer_id, post_id)
        return await account_page(conn, await paging.list_post_likers(conn, post.id, cursor))


async def status_boosters(
    svc: Services, viewer_id: int | None, post_id: int, cursor: Cursor
) -> AccountPage:
    """Who boosted a visible status, newest first, paged by boost id."""
    async with svc.db.read() as conn:
        post = await _original(conn, viewer_id, post_id)
        return await account_page(conn, await paging.list_post_boosters(conn, post.id, cursor))
