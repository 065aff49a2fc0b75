"""The notifications page, the unread badge, and which notifications are shown."""

from __future__ import annotations

import re
from typing import Any

from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account, like_post
from fedi.outbox.posts import create_post, delete_post
from fedi.outbox.profile import ProfileEdit, update_profile
from fedi.storage.rows import Account, Post
from tests.factories import browser_login, make_user

BADGE = re.compile(
    r'href="/notifications"[^>]*>(?:(?!</a>).)*?<span class="badge">(\d+)', re.DOTALL
)


async def _login(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _post(svc: Services, author: Account, text: str, visibility: str = "public") -> Post:
    return await create_post(svc, author, PostDraft(text=text, visibility=visibility))


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


def _badge(page: str) -> int:
    nav = page.split('class="site-nav"')[1].split("</nav>")[0]
    found = BADGE.search(nav)
    return int(found[1]) if found else 0


async def test_page_shows_notifications_and_marks_them_read(app: Any, svc: Services) -> None:
    """The badge counts unread notifications; opening the page lists them and clears the badge."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, bob, alice)
    await follow_account(svc, carol, alice)
    client = await _login(app, svc, alice)

    assert _badge(await _text(await client.get("/@alice"))) == 2

    response = await client.get("/notifications")

    assert response.status_code == 200
    page = await _text(response)
    assert page.count("followed you") == 2
    assert "@bob@localhost" in page and "@carol@localhost" in page
    assert page.index("@carol@localhost") < page.index("@bob@localhost")  # newest first
    assert "New" in page
    assert _badge(page) == 0
    again = await _text(await client.get("/notifications"))
    assert _badge(again) == 0 and ">New<" not in again


async def test_follow_request_notification_links_to_requests(app: Any, svc: Services) -> None:
    """A request to follow a locked account says so and links to the follow requests page."""
    alice_user, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await update_profile(svc, Viewer(account=alice, user=alice_user), ProfileEdit(locked=True))
    await follow_account(svc, bob, alice)
    client = await _login(app, svc, alice)

    page = await _text(await client.get("/notifications"))

    assert "requested to follow you" in page
    assert 'href="/follow_requests"' in page


async def test_mention_reply_and_like_notifications_show_the_post(app: Any, svc: Services) -> None:
    """Mentions and replies show the post; likes show an excerpt of the liked post."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    original = await _post(svc, alice, "alice's thoughts on gardening")
    await _post(svc, bob, "hello @alice, nice day")
    await create_post(
        svc, bob, PostDraft(text="I agree about gardening", in_reply_to_id=original.id)
    )
    await like_post(svc, bob, original.id)
    client = await _login(app, svc, alice)

    page = await _text(await client.get("/notifications"))

    assert "mentioned you" in page and "nice day" in page
    assert "replied to your post" in page and "I agree about gardening" in page
    assert "liked your post" in page and "alice&#39;s thoughts on gardening" in page


async def test_notifications_about_deleted_or_hidden_posts_are_not_shown(
    app: Any, svc: Services
) -> None:
    """A notification whose post was deleted, or is no longer visible, disappears from the page."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    gone = await _post(svc, bob, "@alice this will be deleted")
    await delete_post(svc, bob, gone.id)
    await _post(svc, bob, "@alice still here")
    client = await _login(app, svc, alice)

    page = await _text(await client.get("/notifications"))

    assert "still here" in page
    assert "this will be deleted" not in page
    assert page.count("mentioned you") == 1


async def test_notifications_page_needs_login(client: Any, svc: Services) -> None:
    """Logged-out visitors are sent to the login page."""
    response = await client.get("/notifications")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/notifications")


async def test_empty_notifications_page(app: Any, svc: Services) -> None:
    """With nothing to show, the page says so."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    page = await _text(await client.get("/notifications"))

    assert "No notifications yet." in page


async def test_notifications_are_paged(app: Any, svc: Services) -> None:
    """Many notifications are split into pages with an Older link."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _post(svc, alice, "popular")
    for i in range(31):
        await _post(svc, bob, f"@alice ping number {i:02d}")
    await like_post(svc, bob, post.id)
    client = await _login(app, svc, alice)

    first = await _text(await client.get("/notifications"))

    assert "liked your post" in first and "ping number 01" not in first
    older = first.split('href="/notifications?max_id=')[1].split('"')[0]
    second = await _text(await client.get(f"/notifications?max_id={older}"))
    assert "ping number 00" in second and "ping number 01" in second
    assert "liked your post" not in second
