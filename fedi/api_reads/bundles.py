"""Batches of posts and accounts with everything their API entities show, for one viewer.

`load_statuses` turns posts (boost rows included) into a `StatusBundle`: the ones the viewer may
see (visibility.py's rule, blocks either way included), in input order, with one hop for every related row
(`storage.status_batch`). `load_accounts` does the same for accounts and their counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fedi.context import Services
from fedi.filters import FilterBundle, FilterMatch, filter_results, hidden_by_filters
from fedi.moderation.relations import viewer_relations
from fedi.storage import status_batch
from fedi.storage.cards import CardWithImage
from fedi.storage.db import Conn
from fedi.storage.paging import Cursor
from fedi.storage.rows import Account, OAuthApp, Post
from fedi.storage.status_batch import AccountCounts, StatusRows
from fedi.visibility import can_see, needs_facts

__all__ = [
    "AccountCounts",
    "Conn",
    "Cursor",
    "StatusBundle",
    "StatusItem",
    "filter_bundle",
    "load_account_counts",
    "load_accounts",
    "load_statuses",
]


NO_COUNTS = AccountCounts()


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusItem:
    """One status to render: `post` as given (a boost row for a boost) and the post it shows."""

    post: Post
    shown: Post

    @property
    def is_reblog(self) -> bool:
        return self.post.reblog_of_id is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusBundle:
    """Visible statuses (input order) and the related rows their entities show."""

    viewer_id: int | None
    items: list[StatusItem] = field(default_factory=list)
    rows: StatusRows = field(default_factory=StatusRows)
    filtered: dict[int, list[FilterMatch]] = field(default_factory=dict)
    """The viewer's filter matches (`warn`, `blur`) per post id, for the `filtered` field."""
    cards: dict[int, CardWithImage] = field(default_factory=dict)
    """Preview cards per shown post id (`fedi.cards`), for the `card` field."""

    def account(self, account_id: int) -> Account | None:
        return self.rows.accounts.get(account_id)

    def counts(self, account_id: int) -> AccountCounts:
        return self.rows.counts.get(account_id, NO_COUNTS)

    def mentioned(self, post_id: int) -> list[Account]:
        """Mentioned accounts of a post (known ones), in a stable order."""
        ids = self.rows.mentions.get(post_id, [])
        return [self.rows.accounts[i] for i in sorted(ids) if i in self.rows.accounts]

    def app(self, post_id: int) -> OAuthApp | None:
        return self.rows.apps.get(post_id)

    @property
    def post_ids(self) -> list[int]:
        """Ids of the posts shown (originals for boosts), for per-post loaders such as media."""
        return sorted({item.shown.id for item in self.items})


def _visible(viewer_id: int | None, post: Post, rows: StatusRows, blocked: frozenset[int]) -> bool:
    if not needs_facts(viewer_id, post):  # most posts: no follow or mention facts to look up
        return can_see(
            viewer_id,
            post,
            follows_author=False,
            mentioned=False,
            blocked=post.account_id in blocked,
        )
    return can_see(
        viewer_id,
        post,
        follows_author=post.account_id in rows.followed,
        mentioned=viewer_id is not None and viewer_id in rows.mentions.get(post.id, ()),
        blocked=post.account_id in blocked,
    )


async def bundle_with_conn(
    conn: Conn,
    viewer_id: int | None,
    posts: Sequence[Post],
    *,
    check_visibility: bool = True,
) -> StatusBundle:
    """`load_statuses` on a connection the caller already holds."""
    rows = await status_batch.load_status_rows(conn, viewer_id, list(posts))
    return await bundle_from_rows(conn, viewer_id, posts, rows, check_visibility=check_visibility)


async def bundle_from_rows(
    conn: Conn,
    viewer_id: int | None,
    posts: Sequence[Post],
    rows: StatusRows,
    *,
    check_visibility: bool = True,
) -> StatusBundle:
    """The bundle of posts whose related rows are loaded (the viewer's blocks: one more query,
    remembered for the connection borrow)."""
    blocked: frozenset[int] = frozenset()
    if check_visibility and viewer_id is not None and posts:
        blocked = (await viewer_relations(conn, viewer_id)).blocked_either_way
    given = {p.id: p for p in posts}
    items: list[StatusItem] = []
    for post in posts:
        shown = post
        if post.reblog_of_id is not None:
            original = rows.originals.get(post.reblog_of_id) or given.get(post.reblog_of_id)
            if original is None or original.reblog_of_id is not None:
                continue
            shown = original
        if shown.account_id not in rows.accounts or post.account_id not in rows.accounts:
            continue
        if check_visibility and not (
            _visible(viewer_id, shown, rows, blocked)
            and (post is shown or _visible(viewer_id, post, rows, blocked))
        ):
            continue
        items.append(StatusItem(post=post, shown=shown))
    cards = {i.shown.id: rows.cards[i.shown.id] for i in items if i.shown.id in rows.cards}
    return StatusBundle(viewer_id=viewer_id, items=items, rows=rows, cards=cards)


async def filter_bundle(
    conn: Conn,
    viewer_id: int | None,
    bundle: StatusBundle,
    context: str | None,
    *,
    active: Sequence[FilterBundle] | None = None,
) -> StatusBundle:
    """The bundle with the viewer's filters applied for `context` (`fedi.filters`): statuses
    with a `hide` match left out, the other matches kept for `filtered`. `context` None: one
    status on its own, every active filter reported and nothing left out (Mastodon's way).

    One query for a viewer (the boosted originals are in the bundle already; none when the
    caller loaded the viewer's `active` filters), none for anonymous readers.
    """
    if viewer_id is None or not bundle.items:
        return bundle
    originals = {i.shown.id: i.shown for i in bundle.items if i.is_reblog}
    matches = await filter_results(
        conn, viewer_id, [i.post for i in bundle.items], context, originals=originals, active=active
    )
    if not matches:
        return bundle
    items = bundle.items
    if context is not None:
        hidden = hidden_by_filters(matches)
        if hidden:
            items = [i for i in items if i.post.id not in hidden and i.shown.id not in hidden]
            matches = {k: v for k, v in matches.items() if k not in hidden}
    return StatusBundle(
        viewer_id=viewer_id, items=items, rows=bundle.rows, filtered=matches, cards=bundle.cards
    )


async def load_statuses(
    svc: Services,
    conn: Conn | None,
    viewer_id: int | None,
    posts: Sequence[Post],
    *,
    check_visibility: bool = True,
) -> StatusBundle:
    """The statuses of `posts` this viewer may see, with their related rows (one hop).

    Pass `conn` to reuse a connection the caller holds; None borrows a reader. Boost rows show
    their original (dropped when it is gone or hidden). `check_visibility=False` is for posts
    the caller already checked (a post being deleted, a post its author just wrote).
    """
    if conn is not None:
        return await bundle_with_conn(conn, viewer_id, posts, check_visibility=check_visibility)
    async with svc.db.read() as borrowed:
        return await bundle_with_conn(borrowed, viewer_id, posts, check_visibility=check_visibility)


async def load_account_counts(
    svc: Services, conn: Conn | None, account_ids: Iterable[int]
) -> dict[int, AccountCounts]:
    """Statuses, followers and following counts (and last status time) per account, one query."""
    if conn is not None:
        return await status_batch.load_account_counts(conn, account_ids)
    async with svc.db.read() as borrowed:
        return await status_batch.load_account_counts(borrowed, account_ids)


async def load_accounts(
    svc: Services, conn: Conn | None, account_ids: Iterable[int]
) -> tuple[dict[int, Account], dict[int, AccountCounts]]:
    """Accounts by id with their counts, in one query."""
    if conn is not None:
        return await status_batch.load_accounts_with_counts(conn, account_ids)
    async with svc.db.read() as borrowed:
        return await status_batch.load_accounts_with_counts(borrowed, account_ids)
