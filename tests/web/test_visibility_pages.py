"""Visibility from every viewer's side, on every page that shows posts.

The author posts once in each visibility (mentioning `mentioned`, tagged #vis) and replies once in
each visibility to a public thread start. Viewers: the author, an accepted follower, a pending
follower, the mentioned user, an unrelated user, and a logged-out visitor.
"""

from __future__ import annotations

from itertools import product

import pytest

from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.posts import create_post, edit_post
from fedi.storage import follows as follow_store
from fedi.storage.ids import new_id
from tests.factories import browser_login, make_user

VISIBILITIES = ("public", "unlisted", "private", "direct")
VIEWERS = ("author", "follower", "pending", "mentioned", "other", "anonymous")

# Who may open each post's page (and its history, and see it in a thread).
MAY_SEE = {
    "public": set(VIEWERS),
    "unlisted": set(VIEWERS),
    "private": {"author", "follower", "mentioned"},
    "direct": {"author", "mentioned"},
}
# Whose home timeline gets each post.
IN_HOME = {
    "public": {"author", "follower", "mentioned"},
    "unlisted": {"author", "follower", "mentioned"},
    "private": {"author", "follower", "mentioned"},
    "direct": {"author", "mentioned"},
}


def marker(kind: str, vis: str) -> str:
    return f"{kind}marker{vis}"


@pytest.fixture
async def world(app, svc):
    people = {}
    for name in VIEWERS[:-1]:
        _, people[name] = await make_user(svc, name)
    async with svc.db.write() as tx:
        for name, state in (("follower", "accepted"), ("pending", "pending")):
            await follow_store.insert_follow(
                tx,
                id=new_id(),
                account_id=people[name].id,
                target_account_id=people["author"].id,
                state=state,
            )
    author = people["author"]
    root = await create_post(svc, author, PostDraft(text="threadroot", visibility="public"))
    posts, replies = {}, {}
    for vis in VISIBILITIES:
        posts[vis] = await create_post(
            svc,
            author,
            PostDraft(text=f"@mentioned {marker('top', vis)} #vis", visibility=vis),
        )
        await edit_post(
            svc,
            author,
            posts[vis].id,
            PostEdit(text=f"@mentioned {marker('top', vis)} #vis {marker('edited', vis)}"),
        )
        replies[vis] = await create_post(
            svc,
            author,
            PostDraft(
                text=f"@mentioned {marker('reply', vis)}", visibility=vis, in_reply_to_id=root.id
            ),
        )
    clients = {}
    for name in VIEWERS:
        client = app.test_client()
        if name in people:
            await browser_login(client, svc, people[name])
        clients[name] = client
    return {"clients": clients, "posts": posts, "replies": replies, "root": root}


async def body_of(client, path: str) -> tuple[int, str]:
    response = await client.get(path)
    return response.status_code, await response.get_data(as_text=True)


async def test_post_page_and_history(world):
    """A post's page and history answer 200 to those allowed and 404 (like a missing post) to others."""
    for viewer, vis, suffix in product(VIEWERS, VISIBILITIES, ("", "/history")):
        where = (viewer, vis, suffix)
        path = f"/@author/{world['posts'][vis].id}{suffix}"
        status, body = await body_of(world["clients"][viewer], path)
        if viewer in MAY_SEE[vis]:
            assert status == 200, where
            assert marker("top", vis) in body, where
            if suffix:
                assert marker("edited", vis) in body and "Original" in body, where
        else:
            assert status == 404, where
            assert marker("top", vis) not in body, where
            assert "This post does not exist, or you are not allowed to see it." in body, where
            missing = await body_of(world["clients"][viewer], f"/@author/1{suffix}")
            assert missing == (status, body), where


async def test_thread_of_public_parent_hides_replies(world):
    """On a public post's page, only the replies this viewer may see are listed."""
    for viewer in VIEWERS:
        status, body = await body_of(world["clients"][viewer], f"/@author/{world['root'].id}")
        assert status == 200, viewer
        for vis in VISIBILITIES:
            assert (marker("reply", vis) in body) is (viewer in MAY_SEE[vis]), (viewer, vis)


async def test_home_timeline(world):
    """Home shows the author's posts to the author, followers and mentioned people only."""
    for viewer in VIEWERS:
        status, body = await body_of(world["clients"][viewer], "/home")
        if viewer == "anonymous":
            assert status == 302
            continue
        assert status == 200, viewer
        for vis in VISIBILITIES:
            assert (marker("top", vis) in body) is (viewer in IN_HOME[vis]), (viewer, vis)


async def test_local_and_tag_pages_show_only_public(world):
    """The local timeline, hashtag page and landing never show unlisted, private or direct posts."""
    for viewer, path in product(VIEWERS, ("/local", "/tags/vis", "/")):
        status, body = await body_of(world["clients"][viewer], path)
        if path == "/" and viewer != "anonymous":
            assert status == 302
            continue
        assert status == 200, (viewer, path)
        assert marker("top", "public") in body, (viewer, path)
        for vis in ("unlisted", "private", "direct"):
            assert marker("top", vis) not in body, (viewer, path, vis)
            assert marker("reply", vis) not in body, (viewer, path, vis)


async def test_visibility_label_is_shown(world):
    """Each post says who can see it, with a text label."""
    client = world["clients"]["author"]
    labels = {
        "public": "Public",
        "unlisted": "Unlisted",
        "private": "Followers only",
        "direct": "Mentioned people only",
    }
    for vis, post in world["posts"].items():
        _, body = await body_of(client, f"/@author/{post.id}")
        assert f'class="visibility visibility-{vis}"' in body
        assert f"Visibility: </span>{labels[vis]}</span>" in body
