"""Profile pages: header, counts, posts by visibility, follower and following lists."""

from __future__ import annotations

from typing import Any

from fedi.accounts.profiles import list_followers_page
from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage import accounts as account_store
from fedi.storage.clock import now_db
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


async def _alice_with_posts(svc: Services) -> Account:
    _, alice = await make_user(svc, "alice")
    await _post(svc, alice, "first public post")
    await _post(svc, alice, "second public post")
    await _post(svc, alice, "quiet unlisted post", visibility="unlisted")
    await _post(svc, alice, "only my followers see this", visibility="private")
    return alice


async def test_profile_logged_out(client: Any, svc: Services) -> None:
    """A logged-out visitor sees the header, public posts, and a log-in button instead of Follow."""
    await _alice_with_posts(svc)

    response = await client.get("/@alice")

    assert response.status_code == 200
    page = await _text(response)
    assert "<h1" in page and page.count("<h1") == 1
    assert "@alice@localhost" in page
    assert "first public post" in page and "quiet unlisted post" in page
    assert "only my followers see this" not in page
    assert "<strong>3</strong> posts" in page
    assert "<strong>0</strong> followers" in page
    assert "Log in to follow" in page
    assert 'href="/@alice" aria-current="page">Posts' in page
    assert "Joined" in page


async def test_profile_seen_by_another_user_and_by_a_follower(
    app: Any, svc: Services, csrf: str
) -> None:
    """Another user gets a Follow button; once following, followers-only posts and counts appear."""
    alice = await _alice_with_posts(svc)
    _, bob = await make_user(svc, "bob")
    bob_client = await _login(app, svc, bob)

    before = await _text(await bob_client.get("/@alice"))
    assert 'action="/@alice/follow"' in before
    assert "only my followers see this" not in before

    await bob_client.post("/@alice/follow", form={"csrf_token": csrf})
    after = await _text(await bob_client.get("/@alice"))

    assert 'action="/@alice/unfollow"' in after
    assert "only my followers see this" in after
    assert "<strong>4</strong> posts" in after
    assert "<strong>1</strong> follower<" in after
    await follow_account(svc, alice, bob)
    assert "Follows you" in await _text(await bob_client.get("/@alice"))


async def test_profile_seen_by_its_owner(app: Any, svc: Services) -> None:
    """The owner sees all their posts, an Edit profile link, and no Follow button."""
    alice = await _alice_with_posts(svc)
    await _post(svc, alice, "a direct note to nobody", visibility="direct")
    client = await _login(app, svc, alice)

    page = await _text(await client.get("/@alice"))

    assert 'href="/settings"' in page and "Edit profile" in page
    assert 'action="/@alice/follow"' not in page
    assert "only my followers see this" in page
    assert "<strong>5</strong> posts" in page


async def test_profile_counts_followers_and_following(app: Any, svc: Services) -> None:
    """Follower and following counts match the accepted follows."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, bob, alice)
    await follow_account(svc, carol, alice)
    await follow_account(svc, alice, carol)

    page = await _text(await app.test_client().get("/@alice"))

    assert "<strong>2</strong> followers" in page
    assert "<strong>1</strong> following" in page


async def test_unknown_user_is_404(client: Any, svc: Services) -> None:
    """An unknown name shows a 404 page saying there is no such user."""
    response = await client.get("/@nobody")

    assert response.status_code == 404
    assert "No user @nobody here." in await _text(response)


async def test_suspended_and_deleted_accounts(client: Any, svc: Services) -> None:
    """A suspended account looks missing (404); a deleted one answers 410."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    async with svc.db.write() as tx:
        await account_store.update_account(tx, alice.id, suspended_at=now_db())
        await account_store.update_account(tx, bob.id, deleted_at=now_db())

    suspended = await client.get("/@alice")
    deleted = await client.get("/@bob")

    assert suspended.status_code == 404
    assert "No user @alice here." in await _text(suspended)
    assert deleted.status_code == 410
    assert "@bob has deleted their account." in await _text(deleted)


async def test_followers_and_following_lists(client: Any, svc: Services) -> None:
    """The followers and following tabs list account cards with name, handle and bio."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    async with svc.db.write() as tx:
        await account_store.update_account(
            tx, bob.id, display_name="Bob Builder", note_html="<p>I build things.</p>"
        )
    await follow_account(svc, bob, alice)

    followers = await client.get("/@alice/followers")
    following = await client.get("/@bob/following")
    empty = await client.get("/@alice/following")

    assert followers.status_code == 200
    page = await _text(followers)
    assert "Bob Builder" in page and "@bob@localhost" in page and "I build things." in page
    assert 'href="/@alice/followers" aria-current="page"' in page
    assert "@alice@localhost" in await _text(following)
    assert "does not follow anyone yet" in await _text(empty)
    assert (await client.get("/@nobody/followers")).status_code == 404


async def test_followers_list_pages(client: Any, svc: Services) -> None:
    """Long follower lists are paged by `max_id`, newest follower first, without repeats."""
    _, alice = await make_user(svc, "alice")
    for name in ("fan0", "fan1", "fan2"):
        _, fan = await make_user(svc, name)
        await follow_account(svc, fan, alice)

    first = await list_followers_page(svc, None, "alice", limit=2)

    assert [c.account.username for c in first.cards] == ["fan2", "fan1"]
    assert first.next_max_id is not None
    second = await _text(await client.get(f"/@alice/followers?max_id={first.next_max_id}"))
    assert "@fan0@localhost" in second
    assert "@fan1@localhost" not in second and "@fan2@localhost" not in second


async def test_profile_posts_page_older(client: Any, svc: Services) -> None:
    """The profile shows 20 posts and an Older link to the rest, without repeats."""
    _, alice = await make_user(svc, "alice")
    for i in range(22):
        await _post(svc, alice, f"numbered post {i:02d}")

    first = await _text(await client.get("/@alice"))

    assert "numbered post 21" in first and "numbered post 02" in first
    assert "numbered post 01" not in first
    older = first.split('href="/@alice?max_id=')[1].split('"')[0]
    second = await _text(await client.get(f"/@alice?max_id={older}"))
    assert "numbered post 01" in second and "numbered post 00" in second
    assert "numbered post 02" not in second
