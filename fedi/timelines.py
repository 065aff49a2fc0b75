"""Who gets a post in their home feed (fan-in), and the paged timelines people read.

Every timeline is paged by post id (`max_id` = "older than"); reading returns `PostView`s built in
batch by `posts_view`, which drops anything `visibility` does not allow for the viewer (blocks
included). The home, local and tag timelines also leave out the posts and boosts of accounts the
viewer mutes and of the domains the viewer hides; profiles and threads still show muted accounts
(threads leave hidden domains out). The home timeline leaves out the members of the viewer's
exclusive lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fedi.context import Services
from fedi.errors import NotFound
from fedi.media.views import MediaView, media_views
from fedi.moderation.relations import hidden_account_ids, viewer_relations
from fedi.posts_view import PostView, build_post_views, time_label, views_with_conn
from fedi.storage import edit_media, paging
from fedi.storage import feeds as feed_store
from fedi.storage import follows as follow_store
from fedi.storage import posts as post_store
from fedi.storage.db import Conn, Tx
from fedi.storage.paging import Cursor
from fedi.storage.rows import Account, Post
from fedi.text import extract_hashtags
from fedi.visibility import DIRECT, PRIVATE, VISIBILITIES, can_see, narrowest, visible_post

__all__ = [
    "PAGE_SIZE",
    "PostHistory",
    "PostView",
    "ReplyContext",
    "Thread",
    "ThreadNode",
    "TimelinePage",
    "Version",
    "account_posts",
    "build_post_views",
    "new_post_recipients",
    "home_timeline",
    "local_timeline",
    "normalise_tag",
    "post_history",
    "reply_context",
    "tag_timeline",
    "thread",
]

PAGE_SIZE = 20
MAX_PAGE_SIZE = 40
THREAD_DEPTH = 6
"""Replies nest this deep on a post page; deeper ones are listed flat at the last level."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelinePage:
    """One page of a timeline; `next_max_id` is the `max_id` of the next (older) page, if any."""

    posts: list[PostView]
    next_max_id: int | None = None
    tag: str = ""


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE_SIZE))


async def _unmuted(conn: Conn, viewer_id: int | None, views: list[PostView]) -> list[PostView]:
    """Leave out posts and boosts by accounts the viewer mutes (or blocks, or is blocked by)."""
    if viewer_id is None or not views:
        return views
    hidden = await hidden_account_ids(conn, viewer_id)
    if not hidden:
        return views
    return [
        v
        for v in views
        if v.author.id not in hidden and (v.boosted_by is None or v.boosted_by.id not in hidden)
    ]


def _next_max_id(raw: list[Post] | list[int], limit: int) -> int | None:
    if len(raw) < limit:
        return None
    last = raw[-1]
    return last if isinstance(last, int) else last.id


# --- fan-in ---------------------------------------------------------------------------------


def new_post_recipients(post: Post, mentioned_ids: Iterable[int]) -> tuple[list[int], bool]:
    """Who gets a new local post in their home feed: (account ids, and the local followers?).

    The author and the mentioned local accounts who may see it; the author's local accepted
    followers too, unless the post is direct.
    """
    recipients = {post.account_id, *_may_see(post, mentioned_ids, set())}
    return sorted(recipients), post.visibility != DIRECT


async def fan_in_mentions(tx: Tx, post: Post, mentioned_ids: Iterable[int]) -> set[int]:
    """Put an edited post into the home feeds of newly mentioned local accounts who may see it."""
    wanted = [a for a in mentioned_ids if a != post.account_id]
    followers: set[int] = set()
    if post.visibility == PRIVATE and wanted:
        followers = set(await follow_store.list_local_follower_ids(tx, post.account_id))
    recipients = _may_see(post, wanted, followers)
    await feed_store.insert_feed_rows(
        tx, post_id=post.id, author_id=post.account_id, account_ids=sorted(recipients)
    )
    return recipients


def _may_see(post: Post, mentioned_ids: Iterable[int], followers: set[int]) -> set[int]:
    return {
        a for a in mentioned_ids if can_see(a, post, follows_author=a in followers, mentioned=True)
    }


# --- timelines ------------------------------------------------------------------------------


async def home_timeline(
    svc: Services, viewer_id: int, *, max_id: int | None = None, limit: int = PAGE_SIZE
) -> TimelinePage:
    """The viewer's home feed: own posts, followed accounts' posts, posts mentioning them;
    members of the viewer's exclusive lists left out (in the feed query, one hop with the posts)."""
    limit = _limit(limit)
    async with svc.db.read() as conn:
        posts = await paging.list_home_posts(conn, viewer_id, Cursor(max_id=max_id, limit=limit))
        views = await _unmuted(conn, viewer_id, await views_with_conn(conn, viewer_id, posts))
    return TimelinePage(posts=views, next_max_id=_next_max_id(posts, limit))


async def local_timeline(
    svc: Services, viewer_id: int | None, *, max_id: int | None = None, limit: int = PAGE_SIZE
) -> TimelinePage:
    """Public posts by local accounts, newest first (never unlisted, followers-only or direct)."""
    limit = _limit(limit)
    async with svc.db.read() as conn:
        raw = await post_store.list_local_public(conn, max_id=max_id, limit=limit)
        views = await views_with_conn(conn, viewer_id, [p for p in raw if p.visibility == "public"])
        views = await _unmuted(conn, viewer_id, views)
    return TimelinePage(posts=views, next_max_id=_next_max_id(raw, limit))


def normalise_tag(written: str) -> str | None:
    """The stored form of a hashtag (NFKC, lowercase, no `#`), or None if it is not one."""
    found = extract_hashtags("#" + written.strip().lstrip("#"))
    return found[0] if len(found) == 1 else None


async def tag_timeline(
    svc: Services,
    viewer_id: int | None,
    tag: str,
    *,
    max_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> TimelinePage:
    """Public posts with this hashtag (any case), newest first; NotFound if it is no hashtag."""
    name = normalise_tag(tag)
    if name is None:
        raise NotFound(f"#{tag} is not a hashtag.")
    limit = _limit(limit)
    async with svc.db.read() as conn:
        raw = await post_store.list_tag_posts(
            conn, name, local_only=False, max_id=max_id, limit=limit
        )
        views = await views_with_conn(conn, viewer_id, [p for p in raw if p.visibility == "public"])
        views = await _unmuted(conn, viewer_id, views)
    return TimelinePage(posts=views, next_max_id=_next_max_id(raw, limit), tag=name)


async def account_posts(
    svc: Services,
    viewer_id: int | None,
    account: Account,
    max_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[PostView]:
    """An account's posts this viewer may see, newest first (followers-only to followers)."""
    limit = _limit(limit)
    async with svc.db.read() as conn:
        if viewer_id == account.id:
            visibilities: tuple[str, ...] = VISIBILITIES
        elif viewer_id is not None and await follow_store.is_following(conn, viewer_id, account.id):
            visibilities = ("public", "unlisted", "private")
        else:
            visibilities = ("public", "unlisted")
        posts = await post_store.list_account_posts_seen_by(
            conn,
            account.id,
            visibilities=visibilities,
            mentioned_id=viewer_id,
            max_id=max_id,
            limit=limit,
        )
        return await views_with_conn(conn, viewer_id, posts)


# --- one post: thread, history, reply ---------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadNode:
    """A reply on a post page with the replies below it."""

    view: PostView
    replies: list[ThreadNode] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class Thread:
    """A post page: visible ancestors (oldest first), the post, and its visible replies as a tree."""

    ancestors: list[PostView]
    focus: PostView
    replies: list[ThreadNode]


async def _focus(conn: Conn, viewer_id: int | None, username: str, post_id: int) -> PostView:
    post, _ = await visible_post(conn, viewer_id, post_id, author_username=username)
    views = await views_with_conn(conn, viewer_id, [post])
    if not views:
        raise NotFound()
    return views[0]


async def thread(svc: Services, viewer_id: int | None, username: str, post_id: int) -> Thread:
    """The page of post `/@username/<post_id>` with its context, for this viewer (posts of the
    domains the viewer hides are left out around the post)."""
    async with svc.db.read() as conn:
        focus = await _focus(conn, viewer_id, username, post_id)
        members = await post_store.list_thread(conn, focus.post.thread_root_id or focus.id)
        views = await views_with_conn(conn, viewer_id, [p for p in members if p.id != focus.id])
        hidden = (await viewer_relations(conn, viewer_id)).domain_hidden
    every = {p.id: p for p in members}
    shown = {v.id: v for v in views if v.author.id not in hidden}
    ancestors: list[PostView] = []
    parent_id, seen = focus.post.in_reply_to_id, {focus.id}
    while parent_id is not None and parent_id in every and parent_id not in seen:
        seen.add(parent_id)
        if parent_id in shown:
            ancestors.append(shown[parent_id])
        parent_id = every[parent_id].in_reply_to_id
    children: dict[int, list[int]] = {}
    for post in members:
        if post.in_reply_to_id is not None and post.id not in seen:
            children.setdefault(post.in_reply_to_id, []).append(post.id)
    replies = _replies(focus.id, children, shown, depth=1)
    return Thread(ancestors=ancestors[::-1], focus=focus, replies=replies)


def _replies(
    parent_id: int, children: dict[int, list[int]], shown: dict[int, PostView], *, depth: int
) -> list[ThreadNode]:
    """The visible replies below a post; replies to hidden posts move up to the nearest shown one."""
    nodes: list[ThreadNode] = []
    stack = list(reversed(children.get(parent_id, [])))
    while stack:
        post_id = stack.pop()
        below = children.get(post_id, [])
        if post_id not in shown:
            stack.extend(reversed(below))
        elif depth >= THREAD_DEPTH:
            nodes.append(ThreadNode(view=shown[post_id]))
            stack.extend(reversed(below))
        else:
            sub = _replies(post_id, children, shown, depth=depth + 1)
            nodes.append(ThreadNode(view=shown[post_id], replies=sub))
    return nodes


@dataclass(frozen=True, slots=True, kw_only=True)
class Version:
    """One version of a post's text, as it was from `at` on, with the attachments (and their
    alt text) and the poll options it had then."""

    content_warning: str
    content_html: str
    at: str
    current: bool = False
    sensitive: bool = False
    media: tuple[MediaView, ...] = ()
    poll_options: tuple[str, ...] | None = None

    @property
    def at_label(self) -> str:
        return time_label(self.at)


@dataclass(frozen=True, slots=True, kw_only=True)
class PostHistory:
    """A post and every version of its text, newest first."""

    view: PostView
    versions: list[Version]


async def post_history(
    svc: Services, viewer_id: int | None, username: str, post_id: int
) -> PostHistory:
    """Every version of a post this viewer may see, newest first (the current one first)."""
    async with svc.db.read() as conn:
        focus = await _focus(conn, viewer_id, username, post_id)
        stored = await edit_media.load_versions(conn, focus.id, author_id=focus.post.account_id)
    post = stored.current if stored.current is not None else focus.post
    texts = [(e.content_warning, e.content_html, e.created_at, e.sensitive) for e in stored.edits]
    latest = post.edited_at or post.created_at
    texts.append((post.content_warning, post.content_html, latest, post.sensitive))
    versions = [
        Version(
            content_warning=warning,
            content_html=html,
            at=at,
            current=index == len(texts) - 1,
            sensitive=bool(sensitive),
            media=media_views(list(media)),
            poll_options=poll,
        )
        for index, ((warning, html, at, sensitive), media, poll) in enumerate(
            zip(texts, stored.media, stored.polls, strict=True)
        )
    ]
    return PostHistory(view=focus, versions=versions[::-1])


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyContext:
    """What the compose form needs to answer a post: the post, prefilled text, visibility."""

    parent: PostView
    text: str
    visibility: str


async def reply_context(
    svc: Services, viewer: Account, post_id: int, *, default_visibility: str
) -> ReplyContext:
    """The post being answered (NotFound unless visible), `@mentions ` to start with, visibility."""
    async with svc.db.read() as conn:
        post, author = await visible_post(conn, viewer.id, post_id)
        views = await views_with_conn(conn, viewer.id, [post])
    if not views:
        raise NotFound()
    parent = views[0]
    handles: list[str] = []
    for account in (author, *parent.mentions):
        handle = "@" + account.acct
        if account.id != viewer.id and handle not in handles:
            handles.append(handle)
    text = " ".join(handles) + " " if handles else ""
    return ReplyContext(
        parent=parent, text=text, visibility=narrowest(default_visibility, post.visibility)
    )
