"""View models of posts: everything a page (or later the API) shows about a post, built in batch.

`build_post_views` turns a page of posts into `PostView`s for one viewer with one query per kind
of related row (mentions, follows, accounts, like, boost and reply counts, the viewer's likes and
boosts) — never one query per post. Posts the viewer may not see are left out (visibility.py
decides). A boost row (`reblog_of_id`, local or from the inbox) is shown as the boosted post with
a "boosted by" line; it is left out when the original is gone or hidden from the viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from fedi.cards.views import CardView, card_view
from fedi.context import Services
from fedi.media.views import MediaView, media_views
from fedi.polls.view import PollView, poll_view
from fedi.storage import accounts as account_store
from fedi.storage import cards as card_store
from fedi.storage import likes as like_store
from fedi.storage import media as media_storage
from fedi.storage import polls as poll_store
from fedi.storage import posts as post_store
from fedi.storage import remote_posts as remote_post_store
from fedi.storage.clock import from_db
from fedi.storage.db import Conn
from fedi.storage.rows import Account, Post
from fedi.visibility import DESCRIPTIONS, LABELS, OPEN_VISIBILITIES, load_facts


def account_path(account: Account) -> str:
    """The page of an account on this instance: `/@name` (local) or `/@name@host` (remote)."""
    return f"/@{account.acct}"


def post_path(account: Account, post_id: int) -> str:
    """The page of a post on this instance: `/@name/<id>`."""
    return f"{account_path(account)}/{post_id}"


def time_label(stored: str | None) -> str:
    """A stored timestamp as people read it: `22 Nov 2026, 10:00 UTC`."""
    when = from_db(stored)
    if when is None:
        return ""
    when = when.astimezone(UTC)
    return f"{when.day} {when:%b %Y, %H:%M} UTC"


@dataclass(frozen=True, slots=True, kw_only=True)
class PostView:
    """One post as one viewer sees it (the post partial's `p`).

    For a boost, `post` is the boosted (original) post and every action acts on it; `reblog` is
    the boost row and `boosted_by` its author.
    """

    post: Post
    author: Account
    reblog: Post | None = None
    boosted_by: Account | None = None
    reply_to: Account | None = None
    mentions: tuple[Account, ...] = ()
    reply_count: int = 0
    like_count: int = 0
    liked: bool = False
    boost_count: int = 0
    boosted: bool = False
    logged_in: bool = False
    can_boost: bool = False
    can_edit: bool = False
    can_delete: bool = False
    media: tuple[MediaView, ...] = ()
    poll: PollView | None = None
    card: CardView | None = None
    can_pin: bool = False
    pinned: bool = False

    @property
    def id(self) -> int:
        """The timeline item's id: the boost row's for a boost (paging, element ids)."""
        return self.reblog.id if self.reblog is not None else self.post.id

    @property
    def boosted_by_url(self) -> str:
        return account_path(self.boosted_by) if self.boosted_by else ""

    @property
    def boosted_by_handle(self) -> str:
        return "@" + self.boosted_by.acct if self.boosted_by else ""

    @property
    def visibility(self) -> str:
        return self.post.visibility

    @property
    def visibility_label(self) -> str:
        """Short label: Public, Unlisted, Followers only, Mentioned people only."""
        return LABELS.get(self.post.visibility, self.post.visibility)

    @property
    def visibility_description(self) -> str:
        """A sentence for the accessible name / tooltip of the label."""
        return DESCRIPTIONS.get(self.post.visibility, self.visibility_label)

    @property
    def page_url(self) -> str:
        return post_path(self.author, self.post.id)

    @property
    def author_url(self) -> str:
        return account_path(self.author)

    @property
    def handle(self) -> str:
        """`@name` for local authors, `@name@host` for remote ones."""
        return "@" + self.author.acct

    @property
    def reply_to_url(self) -> str:
        return account_path(self.reply_to) if self.reply_to else ""

    @property
    def reply_to_handle(self) -> str:
        return "@" + self.reply_to.acct if self.reply_to else ""

    @property
    def parent_url(self) -> str:
        """The page of the post this one replies to (empty for a thread start)."""
        if self.reply_to is None or self.post.in_reply_to_id is None:
            return ""
        return post_path(self.reply_to, self.post.in_reply_to_id)

    @property
    def edited(self) -> bool:
        return self.post.edited_at is not None

    @property
    def created_label(self) -> str:
        return time_label(self.post.created_at)

    @property
    def edited_label(self) -> str:
        return time_label(self.post.edited_at)

    @property
    def reply_url(self) -> str:
        return f"/compose?in_reply_to={self.post.id}"

    @property
    def like_url(self) -> str:
        return self.page_url + "/like"

    @property
    def unlike_url(self) -> str:
        return self.page_url + "/unlike"

    @property
    def boost_url(self) -> str:
        return self.page_url + "/boost"

    @property
    def unboost_url(self) -> str:
        return self.page_url + "/unboost"

    @property
    def edit_url(self) -> str:
        return self.page_url + "/edit"

    @property
    def delete_url(self) -> str:
        return self.page_url + "/delete"

    @property
    def history_url(self) -> str:
        return self.page_url + "/history"

    @property
    def pin_url(self) -> str:
        return self.page_url + "/pin"

    @property
    def unpin_url(self) -> str:
        return self.page_url + "/unpin"


def _shown_pairs(posts: list[Post], originals: dict[int, Post]) -> list[tuple[Post | None, Post]]:
    """(boost row or None, post to show) per timeline item; boosts of missing posts dropped."""
    pairs: list[tuple[Post | None, Post]] = []
    for post in posts:
        if post.reblog_of_id is None:
            pairs.append((None, post))
            continue
        original = originals.get(post.reblog_of_id)
        if original is not None and original.reblog_of_id is None:
            pairs.append((post, original))
    return pairs


async def views_with_conn(conn: Conn, viewer_id: int | None, posts: list[Post]) -> list[PostView]:
    """`build_post_views` on a connection the caller already holds."""
    if not posts:
        return []
    wanted_originals = sorted({p.reblog_of_id for p in posts if p.reblog_of_id is not None})
    originals = await post_store.get_posts(conn, wanted_originals) if wanted_originals else {}
    pairs = _shown_pairs(posts, originals)
    every = {p.id: p for pair in pairs for p in pair if p is not None}
    mentions = await post_store.list_mentions(conn, sorted(every))
    facts = await load_facts(conn, viewer_id, every.values(), mentions=mentions)
    # A boost is shown when both the boost and the boosted post are visible to the viewer; a post
    # shows once per page, at its newest place (a boost above the original, as the first boost).
    shown_ids: set[int] = set()
    visible = []
    for reblog, post in pairs:
        allowed = facts.allows(post) and (reblog is None or facts.allows(reblog))
        if allowed and post.id not in shown_ids:
            shown_ids.add(post.id)
            visible.append((reblog, post))
    pairs = visible
    if not pairs:
        return []
    ids = sorted({shown.id for _, shown in pairs})
    wanted = {s.account_id for _, s in pairs} | {r.account_id for r, _ in pairs if r is not None}
    wanted.update(s.in_reply_to_account_id for _, s in pairs if s.in_reply_to_account_id)
    for post_id in ids:
        wanted.update(mentions.get(post_id, ()))
    accounts = await account_store.get_accounts(conn, sorted(wanted))
    like_counts = await like_store.count_likes(conn, ids)
    boost_counts = await post_store.count_reblogs(conn, ids)
    liked = set() if viewer_id is None else await like_store.liked_among(conn, viewer_id, ids)
    boosted = set() if viewer_id is None else await post_store.reblogged_among(conn, viewer_id, ids)
    reply_counts = await post_store.count_replies(conn, ids)
    attachments = await media_storage.get_many_by_post_ids(conn, ids)
    polls, own_votes = await poll_store.load_polls(conn, viewer_id, ids)
    cards = await card_store.cards_for_posts(conn, ids)
    pinnable = {s.id for _, s in pairs if _pinnable(viewer_id, s)}
    pinned: set[int] = set()
    if viewer_id is not None and pinnable:  # one query, only when the viewer's own posts show
        pinned = pinnable & set(await remote_post_store.list_featured_ids(conn, viewer_id))
    views = []
    for reblog, post in pairs:
        author = accounts.get(post.account_id)
        booster = accounts.get(reblog.account_id) if reblog is not None else None
        if author is None or (reblog is not None and booster is None):
            continue
        own = viewer_id is not None and viewer_id == post.account_id and post.local == 1
        views.append(
            PostView(
                post=post,
                author=author,
                reblog=reblog,
                boosted_by=booster,
                reply_to=accounts.get(post.in_reply_to_account_id or 0),
                mentions=tuple(accounts[a] for a in mentions.get(post.id, ()) if a in accounts),
                reply_count=reply_counts.get(post.id, 0),
                like_count=like_counts.get(post.id, 0),
                liked=post.id in liked,
                boost_count=boost_counts.get(post.id, 0),
                boosted=post.id in boosted,
                logged_in=viewer_id is not None,
                can_boost=viewer_id is not None and post.visibility in OPEN_VISIBILITIES,
                can_edit=own,
                can_delete=own,
                media=media_views(attachments.get(post.id, [])),
                poll=_poll(polls, own_votes, post, viewer_id),
                card=card_view(cards.get(post.id)),
                can_pin=post.id in pinnable,
                pinned=post.id in pinned,
            )
        )
    return views


def _pinnable(viewer_id: int | None, post: Post) -> bool:
    """The viewer's own local public or unlisted post (what may be pinned to a profile)."""
    return (
        viewer_id is not None
        and viewer_id == post.account_id
        and post.local == 1
        and post.visibility in OPEN_VISIBILITIES
    )


def _poll(
    polls: dict[int, poll_store.Poll],
    own_votes: dict[int, tuple[int, ...]],
    post: Post,
    viewer_id: int | None,
) -> PollView | None:
    """The poll of a post as the viewer sees it (fedi.polls), or None."""
    poll = polls.get(post.id)
    if poll is None:
        return None
    return poll_view(
        poll, author_id=post.account_id, viewer_id=viewer_id, own_votes=own_votes.get(post.id, ())
    )


async def build_post_views(
    svc: Services, viewer_id: int | None, posts: list[Post]
) -> list[PostView]:
    """View models for a page of posts, in the same order; posts the viewer may not see are dropped."""
    async with svc.db.read() as conn:
        return await views_with_conn(conn, viewer_id, posts)
