"""Liking and unliking posts, and the notifications that go with it."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post, delete_post
from fedi.storage import likes as like_store
from fedi.storage import notifications as notification_store
from fedi.storage.rows import Account, Post
from tests.factories import browser_login, make_user


async def _login(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _post(svc: Services, author: Account, text: str, visibility: str = "public") -> Post:
    return await create_post(svc, author, PostDraft(text=text, visibility=visibility))


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


async def _kinds(svc: Services, account_id: int) -> list[str]:
    async with svc.db.read() as conn:
        return [n.type for n in await notification_store.list_notifications(conn, account_id)]


async def test_like_shows_on_the_post_and_notifies_the_author(
    app: Any, svc: Services, csrf: str
) -> None:
    """Liking a post marks it liked, counts it, returns to the page, and tells the author."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _post(svc, alice, "a likeable post")
    bob_client = await _login(app, svc, bob)

    response = await bob_client.post(
        f"/@alice/{post.id}/like", form={"csrf_token": csrf, "next": "/@alice"}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/@alice"
    page = await _text(await bob_client.get(f"/@alice/{post.id}"))
    assert "Liked · 1" in page
    assert f'action="/@alice/{post.id}/unlike"' in page
    assert await _kinds(svc, alice.id) == ["favourite"]


async def test_like_twice_counts_once(app: Any, svc: Services, csrf: str) -> None:
    """Liking again changes nothing: one like, one notification."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _post(svc, alice, "liked twice")
    bob_client = await _login(app, svc, bob)

    for _ in range(2):
        response = await bob_client.post(f"/@alice/{post.id}/like", form={"csrf_token": csrf})
        assert response.status_code == 303

    async with svc.db.read() as conn:
        assert await like_store.count_likes(conn, [post.id]) == {post.id: 1}
    assert await _kinds(svc, alice.id) == ["favourite"]


async def test_unlike_withdraws_the_like_and_its_notification(
    app: Any, svc: Services, csrf: str
) -> None:
    """Unliking removes the like and the author's notification about it."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _post(svc, alice, "liked then unliked")
    bob_client = await _login(app, svc, bob)
    await bob_client.post(f"/@alice/{post.id}/like", form={"csrf_token": csrf})

    response = await bob_client.post(f"/@alice/{post.id}/unlike", form={"csrf_token": csrf})

    assert response.status_code == 303
    assert response.headers["Location"] == f"/@alice/{post.id}"
    page = await _text(await bob_client.get(f"/@alice/{post.id}"))
    assert "Like · 0" in page
    assert await _kinds(svc, alice.id) == []


async def test_liking_an_invisible_post_is_404(app: Any, svc: Services, csrf: str) -> None:
    """A followers-only post of someone you don't follow can't be liked: it looks missing."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _post(svc, alice, "followers only", visibility="private")
    bob_client = await _login(app, svc, bob)

    response = await bob_client.post(f"/@alice/{post.id}/like", form={"csrf_token": csrf})

    assert response.status_code == 404
    assert "This post does not exist, or you cannot see it." in await _text(response)
    async with svc.db.read() as conn:
        assert await like_store.count_likes(conn, [post.id]) == {}
    assert await _kinds(svc, alice.id) == []


async def test_liking_a_deleted_post_is_404(app: Any, svc: Services, csrf: str) -> None:
    """A deleted post can't be liked."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _post(svc, alice, "deleted soon")
    await delete_post(svc, alice, post.id)
    bob_client = await _login(app, svc, bob)

    response = await bob_client.post(f"/@alice/{post.id}/like", form={"csrf_token": csrf})

    assert response.status_code == 404
    assert "This post does not exist, or you cannot see it." in await _text(response)


async def test_like_with_wrong_author_name_is_404(app: Any, svc: Services, csrf: str) -> None:
    """The author in the address must match the post's author."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _post(svc, alice, "by alice")
    bob_client = await _login(app, svc, bob)

    response = await bob_client.post(f"/@bob/{post.id}/like", form={"csrf_token": csrf})

    assert response.status_code == 404
    assert "This post does not exist, or you cannot see it." in await _text(response)


async def test_self_like_does_not_notify(app: Any, svc: Services, csrf: str) -> None:
    """Liking your own post counts, but nobody is notified."""
    _, alice = await make_user(svc, "alice")
    post = await _post(svc, alice, "my own post")
    client = await _login(app, svc, alice)

    response = await client.post(f"/@alice/{post.id}/like", form={"csrf_token": csrf})

    assert response.status_code == 303
    async with svc.db.read() as conn:
        assert await like_store.count_likes(conn, [post.id]) == {post.id: 1}
    assert await _kinds(svc, alice.id) == []


async def test_like_redirect_stays_on_this_site(app: Any, svc: Services, csrf: str) -> None:
    """A `next` pointing to another site is ignored; the post page is used instead."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _post(svc, alice, "no open redirects")
    bob_client = await _login(app, svc, bob)

    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = await bob_client.post(
            f"/@alice/{post.id}/like", form={"csrf_token": csrf, "next": target}
        )
        assert response.status_code == 303
        assert response.headers["Location"] == f"/@alice/{post.id}"


async def test_like_without_csrf_token_is_refused(app: Any, svc: Services, csrf: str) -> None:
    """A like form without its CSRF token is refused with 403 and nothing is liked."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _post(svc, alice, "csrf protected")
    bob_client = await _login(app, svc, bob)

    response = await bob_client.post(f"/@alice/{post.id}/like", form={})

    assert response.status_code == 403
    assert "This form has expired" in await _text(response)
    async with svc.db.read() as conn:
        assert await like_store.count_likes(conn, [post.id]) == {}


async def test_like_when_logged_out_is_refused(anon_client: Any, svc: Services, csrf: str) -> None:
    """Logged-out visitors cannot like posts; they are sent to the login page instead."""
    _, alice = await make_user(svc, "alice")
    post = await _post(svc, alice, "public post")

    response = await anon_client.post(f"/@alice/{post.id}/like", form={"csrf_token": csrf})

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    async with svc.db.read() as conn:
        assert await conn.fetchval("SELECT count(*) FROM likes") == 0
