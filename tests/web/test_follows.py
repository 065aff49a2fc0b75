"""Following: public and locked accounts, requests, approval, rejection, unfollowing."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage import follows as follow_store
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


async def _set_locked(app: Any, svc: Services, account: Account, csrf: str) -> None:
    client = await _login(app, svc, account)
    response = await client.post(
        "/settings",
        form={
            "display_name": "",
            "note": "",
            "locked": "on",
            "discoverable": "on",
            "default_visibility": "public",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 303


async def test_follow_public_account_fills_home_with_recent_and_new_posts(
    app: Any, svc: Services, csrf: str
) -> None:
    """Following a public account shows its recent posts on home at once, and new ones later."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await _post(svc, alice, "alice wrote this before")
    bob_client = await _login(app, svc, bob)

    response = await bob_client.post("/@alice/follow", form={"csrf_token": csrf})

    assert response.status_code == 303
    assert response.headers["Location"] == "/@alice"
    profile = await _text(await bob_client.get("/@alice"))
    assert "You now follow @alice." in profile
    assert "Unfollow" in profile
    assert "alice wrote this before" in await _text(await bob_client.get("/home"))
    await _post(svc, alice, "alice wrote this after")
    assert "alice wrote this after" in await _text(await bob_client.get("/home"))


async def test_follow_is_idempotent(app: Any, svc: Services, csrf: str) -> None:
    """Pressing Follow twice makes one follow and one notification."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    bob_client = await _login(app, svc, bob)

    for _ in range(2):
        response = await bob_client.post("/@alice/follow", form={"csrf_token": csrf})
        assert response.status_code == 303

    async with svc.db.read() as conn:
        assert await follow_store.count_followers(conn, alice.id) == 1
        rows = await notification_store.list_notifications(conn, alice.id)
    assert [n.type for n in rows] == ["follow"]


async def test_unfollow_removes_posts_from_home(app: Any, svc: Services, csrf: str) -> None:
    """After unfollowing, the account's posts leave the home timeline."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await _post(svc, alice, "soon gone from bob's home")
    bob_client = await _login(app, svc, bob)
    await bob_client.post("/@alice/follow", form={"csrf_token": csrf})
    assert "soon gone from bob" in await _text(await bob_client.get("/home"))

    response = await bob_client.post("/@alice/unfollow", form={"csrf_token": csrf})

    assert response.status_code == 303
    profile = await _text(await bob_client.get("/@alice"))
    assert "You no longer follow @alice." in profile
    assert "soon gone from bob" not in await _text(await bob_client.get("/home"))
    async with svc.db.read() as conn:
        assert not await follow_store.is_following(conn, bob.id, alice.id)
        assert await notification_store.list_notifications(conn, alice.id) == []


async def test_locked_account_request_then_approve(app: Any, svc: Services, csrf: str) -> None:
    """A locked account gets a request; only after approval does the follower see followers-only posts."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await _set_locked(app, svc, alice, csrf)
    secret = await _post(svc, alice, "for my followers only", visibility="private")
    bob_client = await _login(app, svc, bob)

    response = await bob_client.post("/@alice/follow", form={"csrf_token": csrf})

    assert response.status_code == 303
    profile = await _text(await bob_client.get("/@alice"))
    assert "Follow request sent to @alice." in profile
    assert "Requested" in profile and "Cancel follow request" in profile
    assert "for my followers only" not in profile
    assert (await bob_client.get(f"/@alice/{secret.id}")).status_code == 404
    assert "for my followers only" not in await _text(await bob_client.get("/home"))

    alice_client = await _login(app, svc, alice)
    requests_page = await _text(await alice_client.get("/follow_requests"))
    assert "@bob@localhost" in requests_page
    async with svc.db.read() as conn:
        follow = await follow_store.get_follow(conn, bob.id, alice.id)
    assert follow is not None and follow.state == "pending"
    response = await alice_client.post(
        f"/follow_requests/{follow.id}/approve", form={"csrf_token": csrf}
    )

    assert response.status_code == 303
    assert "Follow request approved." in await _text(await alice_client.get("/follow_requests"))
    assert "for my followers only" in await _text(await bob_client.get("/home"))
    assert (await bob_client.get(f"/@alice/{secret.id}")).status_code == 200
    assert "Unfollow" in await _text(await bob_client.get("/@alice"))
    async with svc.db.read() as conn:
        kinds = [n.type for n in await notification_store.list_notifications(conn, alice.id)]
    assert "follow_request" not in kinds


async def test_reject_follow_request(app: Any, svc: Services, csrf: str) -> None:
    """Rejecting a request removes it: no follow, and the requester can ask again."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await _set_locked(app, svc, alice, csrf)
    bob_client = await _login(app, svc, bob)
    await bob_client.post("/@alice/follow", form={"csrf_token": csrf})
    async with svc.db.read() as conn:
        follow = await follow_store.get_follow(conn, bob.id, alice.id)
    assert follow is not None
    alice_client = await _login(app, svc, alice)

    response = await alice_client.post(
        f"/follow_requests/{follow.id}/reject", form={"csrf_token": csrf}
    )

    assert response.status_code == 303
    page = await _text(await alice_client.get("/follow_requests"))
    assert "Follow request rejected." in page
    assert "No pending follow requests." in page
    async with svc.db.read() as conn:
        assert await follow_store.get_follow(conn, bob.id, alice.id) is None
        assert await notification_store.list_notifications(conn, alice.id) == []
    assert "Request to follow" in await _text(await bob_client.get("/@alice"))


async def test_cancel_follow_request(app: Any, svc: Services, csrf: str) -> None:
    """The requester can withdraw a pending request; its notification disappears."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await _set_locked(app, svc, alice, csrf)
    bob_client = await _login(app, svc, bob)
    await bob_client.post("/@alice/follow", form={"csrf_token": csrf})

    response = await bob_client.post("/@alice/unfollow", form={"csrf_token": csrf})

    assert response.status_code == 303
    assert "Your follow request to @alice was withdrawn." in await _text(
        await bob_client.get("/@alice")
    )
    async with svc.db.read() as conn:
        assert await follow_store.get_follow(conn, bob.id, alice.id) is None
        assert await notification_store.list_notifications(conn, alice.id) == []


async def test_follow_yourself_is_refused(app: Any, svc: Services, csrf: str) -> None:
    """Following yourself answers 422 with an explanation."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    response = await client.post("/@alice/follow", form={"csrf_token": csrf})

    assert response.status_code == 422
    assert "You can&#39;t follow yourself." in await _text(response)
    async with svc.db.read() as conn:
        assert await follow_store.get_follow(conn, alice.id, alice.id) is None


async def test_follow_unknown_account_is_404(app: Any, svc: Services, csrf: str) -> None:
    """Following someone who does not exist answers 404."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    response = await client.post("/@nobody/follow", form={"csrf_token": csrf})

    assert response.status_code == 404
    assert "No user @nobody here." in await _text(response)


async def test_approving_someone_elses_request_is_refused(
    app: Any, svc: Services, csrf: str
) -> None:
    """Only the account that was asked may answer a follow request."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    await _set_locked(app, svc, alice, csrf)
    bob_client = await _login(app, svc, bob)
    await bob_client.post("/@alice/follow", form={"csrf_token": csrf})
    async with svc.db.read() as conn:
        follow = await follow_store.get_follow(conn, bob.id, alice.id)
    assert follow is not None
    carol_client = await _login(app, svc, carol)

    approve = await carol_client.post(
        f"/follow_requests/{follow.id}/approve", form={"csrf_token": csrf}
    )
    reject = await carol_client.post(
        f"/follow_requests/{follow.id}/reject", form={"csrf_token": csrf}
    )
    own = await bob_client.post(f"/follow_requests/{follow.id}/approve", form={"csrf_token": csrf})

    for response in (approve, reject, own):
        assert response.status_code == 404
        assert "There is no such follow request." in await _text(response)
    async with svc.db.read() as conn:
        still = await follow_store.get_follow(conn, bob.id, alice.id)
    assert still is not None and still.state == "pending"


async def test_follow_without_csrf_token_is_refused(app: Any, svc: Services, csrf: str) -> None:
    """A follow form without its CSRF token is refused with 403 and changes nothing."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    bob_client = await _login(app, svc, bob)

    response = await bob_client.post("/@alice/follow", form={})

    assert response.status_code == 403
    assert "This form has expired" in await _text(response)
    async with svc.db.read() as conn:
        assert await follow_store.get_follow(conn, bob.id, alice.id) is None


async def test_follow_when_logged_out_is_refused(
    anon_client: Any, svc: Services, csrf: str
) -> None:
    """Logged-out visitors cannot follow; they are asked to log in."""
    await make_user(svc, "alice")

    response = await anon_client.post("/@alice/follow", form={"csrf_token": csrf})

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login?next=")
    async with svc.db.read() as conn:
        assert await conn.fetchval("SELECT count(*) FROM follows") == 0


async def test_unlocking_approves_pending_requests(app: Any, svc: Services, csrf: str) -> None:
    """Turning "approve followers" off accepts every waiting request and backfills home."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await _set_locked(app, svc, alice, csrf)
    await _post(svc, alice, "followers-only before unlocking", visibility="private")
    bob_client = await _login(app, svc, bob)
    await bob_client.post("/@alice/follow", form={"csrf_token": csrf})
    alice_client = await _login(app, svc, alice)

    response = await alice_client.post(
        "/settings",
        form={
            "display_name": "",
            "note": "",
            "discoverable": "on",
            "default_visibility": "public",
            "csrf_token": csrf,
        },
    )

    assert response.status_code == 303
    async with svc.db.read() as conn:
        follow = await follow_store.get_follow(conn, bob.id, alice.id)
    assert follow is not None and follow.state == "accepted"
    assert "followers-only before unlocking" in await _text(await bob_client.get("/home"))
