"""Who may see a post: the one place that decides, for pages, the API, federation and streams.

Rules (Mastodon's visibilities):
- public and unlisted: everyone, logged out too (unlisted stays out of public timelines);
- private (followers only): the author, accepted followers, mentioned accounts;
- direct: the author and mentioned accounts;
- deleted posts: nobody (direct access answers 410 to those who could see it, 404 to others);
- across a block (either account blocks the other): nobody on the other side, whatever the
  visibility, boosts of such posts included (a boost is shown only if both it and the boosted
  post are allowed).

`can_see` is the pure rule; the async helpers load the facts it needs in batch (one query for
follows, one for mentions, one for the viewer's blocks, remembered per connection borrow), never
one query per post.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fedi.context import Services
from fedi.errors import Gone, NotFound
from fedi.moderation.relations import viewer_relations
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import posts as post_store
from fedi.storage.db import Conn
from fedi.storage.rows import Account, Post

PUBLIC = "public"
UNLISTED = "unlisted"
PRIVATE = "private"
DIRECT = "direct"
VISIBILITIES = (PUBLIC, UNLISTED, PRIVATE, DIRECT)
"""From the widest audience to the narrowest."""
OPEN_VISIBILITIES = (PUBLIC, UNLISTED)
"""Visible to anybody who has the link."""

LABELS: Mapping[str, str] = {
    PUBLIC: "Public",
    UNLISTED: "Unlisted",
    PRIVATE: "Followers only",
    DIRECT: "Mentioned people only",
}
DESCRIPTIONS: Mapping[str, str] = {
    PUBLIC: "Public: everyone, shown in public timelines",
    UNLISTED: "Unlisted: everyone, but not in public timelines",
    PRIVATE: "Followers only: your followers and people you mention",
    DIRECT: "Mentioned people only",
}

NOT_FOUND_MESSAGE = "This post does not exist, or you are not allowed to see it."
GONE_MESSAGE = "This post has been deleted."


def can_see(
    viewer_id: int | None,
    post: Post,
    *,
    follows_author: bool,
    mentioned: bool,
    blocked: bool = False,
) -> bool:
    """The pure rule: may this viewer (None = logged out) see this post?

    `blocked`: the viewer blocks the author or the author blocks the viewer.
    """
    if post.deleted_at is not None:
        return False
    if viewer_id is not None and viewer_id == post.account_id:
        return True
    if blocked:
        return False
    if post.visibility in OPEN_VISIBILITIES:
        return True
    if viewer_id is None:
        return False
    if post.visibility == PRIVATE:
        return follows_author or mentioned
    return mentioned


def narrowest(*visibilities: str) -> str:
    """The most restrictive of several visibilities (a reply defaults to its parent's, or narrower)."""
    return max(visibilities, key=VISIBILITIES.index)


def needs_facts(viewer_id: int | None, post: Post) -> bool:
    """True if deciding needs follow/mention facts (a restricted post by someone else)."""
    return (
        viewer_id is not None
        and post.account_id != viewer_id
        and post.visibility not in OPEN_VISIBILITIES
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What the rule needs to know about one viewer and a batch of posts."""

    viewer_id: int | None
    followed: frozenset[int] = frozenset()
    """Authors (among the batch) the viewer follows with an accepted follow."""
    mentioned_in: frozenset[int] = frozenset()
    """Posts (among the batch) that mention the viewer."""
    blocked: frozenset[int] = frozenset()
    """Accounts the viewer blocks or is blocked by (all of them, not only the batch's)."""

    def allows(self, post: Post) -> bool:
        """Apply `can_see` with these facts."""
        return can_see(
            self.viewer_id,
            post,
            follows_author=post.account_id in self.followed,
            mentioned=post.id in self.mentioned_in,
            blocked=post.account_id in self.blocked,
        )

    def allowed_before_deletion(self, post: Post) -> bool:
        """Whether the viewer could see this post if it were not deleted (410 rather than 404)."""
        return self.allows(dataclasses.replace(post, deleted_at=None))


async def load_facts(
    conn: Conn,
    viewer_id: int | None,
    posts: Iterable[Post],
    *,
    mentions: Mapping[int, list[int]] | None = None,
) -> Facts:
    """Load blocks, and follows and mentions for the restricted posts of a batch (at most three
    queries; the blocks once per connection borrow).

    Pass `mentions` (post id -> mentioned account ids) when the caller already loaded them.
    """
    batch = list(posts)
    if viewer_id is None:
        return Facts(viewer_id=viewer_id)
    blocked: frozenset[int] = frozenset()
    if any(p.account_id != viewer_id for p in batch):
        blocked = (await viewer_relations(conn, viewer_id)).blocked_either_way
    restricted = [p for p in batch if needs_facts(viewer_id, p)]
    if not restricted:
        return Facts(viewer_id=viewer_id, blocked=blocked)
    followed = await follow_store.following_among(
        conn, viewer_id, [p.account_id for p in restricted if p.visibility == PRIVATE]
    )
    if mentions is None:
        mentions = await post_store.list_mentions(conn, sorted({p.id for p in restricted}))
    mentioned_in = {p.id for p in restricted if viewer_id in mentions.get(p.id, ())}
    return Facts(
        viewer_id=viewer_id,
        followed=frozenset(followed),
        mentioned_in=frozenset(mentioned_in),
        blocked=blocked,
    )


async def filter_visible(
    source: Services | Conn, viewer_id: int | None, posts: list[Post]
) -> list[Post]:
    """The posts of `posts` this viewer may see, in the same order."""
    if isinstance(source, Services):
        async with source.db.read() as conn:
            return await filter_visible(conn, viewer_id, posts)
    facts = await load_facts(source, viewer_id, posts)
    return [p for p in posts if facts.allows(p)]


async def check_visible(conn: Conn, viewer_id: int | None, post: Post | None) -> Post:
    """The post if the viewer may see it; Gone if deleted (and once visible), else NotFound."""
    if post is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    facts = await load_facts(conn, viewer_id, [post])
    if facts.allows(post):
        return post
    if post.deleted_at is not None and facts.allowed_before_deletion(post):
        raise Gone(GONE_MESSAGE)
    raise NotFound(NOT_FOUND_MESSAGE)


async def visible_post(
    conn: Conn, viewer_id: int | None, post_id: int, *, author_username: str | None = None
) -> tuple[Post, Account]:
    """A post and its author for direct access (`/@name/<id>`), checked for this viewer.

    A hidden post looks exactly like a missing one (NotFound); a wrong `author_username`
    for an existing id is NotFound too; a deleted post the viewer could see is Gone.
    """
    post = await post_store.get_post(conn, post_id)
    author = None if post is None else await account_store.get_account(conn, post.account_id)
    if author is None or (
        author_username is not None and author.acct.lower() != author_username.lower()
    ):
        raise NotFound(NOT_FOUND_MESSAGE)
    return await check_visible(conn, viewer_id, post), author
