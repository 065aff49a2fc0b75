"""Who may see a post: the pure rule, and the batch filter against a real database."""

from __future__ import annotations

import pytest

from fedi.errors import Gone, NotFound
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post, delete_post
from fedi.posts_view import views_with_conn
from fedi.storage import follows as follow_store
from fedi.storage.ids import new_id
from fedi.storage.posts import get_post
from fedi.storage.rows import Post
from fedi.visibility import can_see, check_visible, filter_visible, narrowest
from tests.factories import make_user

AUTHOR, FOLLOWER, MENTIONED, OTHER = 1, 2, 3, 4

# (visibility, viewer, follows_author, mentioned) -> may see
RULES = [
    ("public", None, False, False, True),
    ("public", OTHER, False, False, True),
    ("unlisted", None, False, False, True),
    ("unlisted", OTHER, False, False, True),
    ("private", None, False, False, False),
    ("private", AUTHOR, False, False, True),
    ("private", FOLLOWER, True, False, True),
    ("private", MENTIONED, False, True, True),
    ("private", OTHER, False, False, False),
    ("direct", None, False, False, False),
    ("direct", AUTHOR, False, False, True),
    ("direct", FOLLOWER, True, False, False),
    ("direct", MENTIONED, False, True, True),
    ("direct", OTHER, False, False, False),
]


def _post(visibility: str, *, deleted: bool = False) -> Post:
    return Post(
        id=10,
        uri="http://localhost/users/a/statuses/10",
        url="",
        account_id=AUTHOR,
        local=1,
        visibility=visibility,
        deleted_at="2026-01-01T00:00:00.000Z" if deleted else None,
    )


@pytest.mark.parametrize(("visibility", "viewer", "follows", "mentioned", "expected"), RULES)
def test_rule_for_each_visibility_and_viewer(visibility, viewer, follows, mentioned, expected):
    """Public/unlisted are open; followers-only needs a follow or mention; direct needs a mention."""
    post = _post(visibility)
    assert can_see(viewer, post, follows_author=follows, mentioned=mentioned) is expected


@pytest.mark.parametrize("visibility", ["public", "unlisted", "private", "direct"])
def test_deleted_posts_are_seen_by_nobody(visibility):
    """A deleted post is hidden even from its author."""
    post = _post(visibility, deleted=True)
    for viewer in (None, AUTHOR, FOLLOWER, MENTIONED):
        assert not can_see(viewer, post, follows_author=True, mentioned=True)


def test_narrowest_picks_the_most_restrictive():
    """A reply defaults to the narrower of the user's default and the parent's visibility."""
    assert narrowest("public", "private") == "private"
    assert narrowest("direct", "unlisted") == "direct"
    assert narrowest("public", "unlisted") == "unlisted"


async def _world(svc):
    _, author = await make_user(svc, "author")
    _, follower = await make_user(svc, "follower")
    _, pending = await make_user(svc, "pending")
    _, mentioned = await make_user(svc, "mentioned")
    _, other = await make_user(svc, "other")
    async with svc.db.write() as tx:
        await follow_store.insert_follow(
            tx, id=new_id(), account_id=follower.id, target_account_id=author.id, state="accepted"
        )
        await follow_store.insert_follow(
            tx, id=new_id(), account_id=pending.id, target_account_id=author.id, state="pending"
        )
    posts = {}
    for vis in ("public", "unlisted", "private", "direct"):
        posts[vis] = await create_post(
            svc, author, PostDraft(text=f"hi @mentioned {vis}", visibility=vis)
        )
    return {
        "author": author,
        "follower": follower,
        "pending": pending,
        "mentioned": mentioned,
        "other": other,
    }, posts


async def test_filter_visible_batch_for_every_viewer(svc):
    """The batch filter keeps exactly what each viewer may see, in order, from svc or a connection."""
    people, posts = await _world(svc)
    ordered = [posts[v] for v in ("public", "unlisted", "private", "direct")]
    expected = {
        "author": ["public", "unlisted", "private", "direct"],
        "follower": ["public", "unlisted", "private"],
        "pending": ["public", "unlisted"],
        "mentioned": ["public", "unlisted", "private", "direct"],
        "other": ["public", "unlisted"],
    }
    for name, visible in expected.items():
        got = await filter_visible(svc, people[name].id, ordered)
        assert [p.visibility for p in got] == visible, name
    async with svc.db.read() as conn:
        got = await filter_visible(conn, None, ordered)
    assert [p.visibility for p in got] == ["public", "unlisted"]


async def test_direct_access_hides_and_reports_deleted(svc):
    """A hidden post looks missing (NotFound); a deleted one is Gone for those who could see it."""
    people, posts = await _world(svc)
    async with svc.db.read() as conn:
        with pytest.raises(NotFound):
            await check_visible(conn, people["other"].id, posts["direct"])
        assert (await check_visible(conn, people["mentioned"].id, posts["direct"])).id
    await delete_post(svc, people["author"], posts["direct"].id)
    async with svc.db.read() as conn:
        deleted = await get_post(conn, posts["direct"].id)
        with pytest.raises(Gone) as gone:
            await check_visible(conn, people["mentioned"].id, deleted)
        assert gone.value.safe_message == "This post has been deleted."
        with pytest.raises(NotFound):
            await check_visible(conn, people["other"].id, deleted)


async def test_post_views_use_a_fixed_number_of_queries(svc):
    """Building views for 1 or 12 posts costs the same number of database queries (batch loading)."""
    people, _ = await _world(svc)
    for i in range(8):
        # Each with a link: link previews are looked up only for pages that have links.
        draft = PostDraft(text=f"more {i} https://example.com/{i}", visibility="private")
        await create_post(svc, people["author"], draft)

    async def count_queries(limit: int) -> int:
        statements: list[str] = []
        async with svc.db.read() as conn:
            await conn.raw.set_trace_callback(statements.append)
            try:
                rows = await conn.fetchall("SELECT * FROM posts ORDER BY id DESC LIMIT ?", (limit,))
                posts = [Post.from_row(r) for r in rows]
                statements.clear()
                views = await views_with_conn(conn, people["follower"].id, posts)
            finally:
                await conn.raw.set_trace_callback(None)
        assert views
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    assert await count_queries(1) == await count_queries(12)
