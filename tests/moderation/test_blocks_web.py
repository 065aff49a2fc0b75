"""The Block, Mute and Unblock buttons on profiles, and Settings → Blocks and mutes."""

from __future__ import annotations

import html
from typing import Any

from fedi.context import Services
from fedi.moderation.relations import relation_facts
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account
from tests.factories import browser_login, make_user


async def _login(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _text(response: Any) -> str:
    return html.unescape(await response.get_data(as_text=True))


async def _facts(svc: Services, viewer: Account, other: Account):
    async with svc.db.read() as conn:
        return (await relation_facts(conn, viewer.id, [other.id]))[other.id]


async def test_profile_offers_block_and_mute_buttons(app, svc, csrf):
    """Another user's profile has Mute and Block buttons (POST forms with the CSRF token, Block
    asks for confirmation); one's own profile has neither."""
    _, alice = await make_user(svc, "alice")
    await make_user(svc, "bob")
    client = await _login(app, svc, alice)

    page = await _text(await client.get("/@bob"))

    assert 'action="/@bob/block" data-confirm="Block @bob?' in page
    assert 'action="/@bob/mute"' in page and 'action="/@bob/unblock"' not in page
    assert f'name="csrf_token" value="{csrf}"' in page
    own = await _text(await client.get("/@alice"))
    assert "/@alice/block" not in own and "/@alice/mute" not in own


async def test_blocking_from_the_profile_shows_the_blocked_state(app, svc, csrf):
    """Block on Bob's profile: back on his page with a notice, "You blocked this account" instead
    of his posts, and an Unblock button; Unblock brings his posts back."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await create_post(svc, bob, PostDraft(text="bob was here", visibility="public"))
    client = await _login(app, svc, alice)

    response = await client.post("/@bob/block", form={"csrf_token": csrf})

    assert response.status_code == 303 and response.headers["Location"] == "/@bob"
    page = await _text(await client.get("/@bob"))
    assert "You blocked @bob. You no longer follow each other" in page
    assert "You blocked this account." in page and "bob was here" not in page
    assert 'action="/@bob/unblock"' in page and 'action="/@bob/follow"' not in page
    assert (await _facts(svc, alice, bob)).blocking

    response = await client.post("/@bob/unblock", form={"csrf_token": csrf})

    assert response.status_code == 303
    page = await _text(await client.get("/@bob"))
    assert "You unblocked @bob." in page and "bob was here" in page


async def test_a_blocked_user_sees_no_follow_button_and_is_refused(app, svc, csrf):
    """Bob, blocked by Alice, gets no Follow button on her profile and a clear 403 if he posts
    the follow form anyway."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await (await _login(app, svc, alice)).post("/@bob/block", form={"csrf_token": csrf})
    client = await _login(app, svc, bob)

    page = await _text(await client.get("/@alice"))
    assert 'action="/@alice/follow"' not in page

    response = await client.post("/@alice/follow", form={"csrf_token": csrf})
    assert response.status_code == 403
    assert "@alice has blocked you, so you can't follow them." in await _text(response)


async def test_mute_with_options_from_the_profile(app, svc, csrf):
    """The mute form mutes for a chosen time and can keep notifications; Unmute lifts it."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    client = await _login(app, svc, alice)

    response = await client.post("/@bob/mute", form={"csrf_token": csrf, "duration": "86400"})

    assert response.status_code == 303
    page = await _text(await client.get("/@bob"))
    assert "You muted @bob. Their posts no longer show in your timelines." in page
    assert 'action="/@bob/unmute"' in page
    facts = await _facts(svc, alice, bob)
    assert facts.muting and not facts.muting_notifications and facts.muting_expires_at

    await client.post("/@bob/unmute", form={"csrf_token": csrf})
    assert not (await _facts(svc, alice, bob)).muting


async def test_a_bad_mute_duration_is_refused(app, svc, csrf):
    """A duration that is not a number of seconds answers 422 with the reason; nothing is muted."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    client = await _login(app, svc, alice)

    response = await client.post("/@bob/mute", form={"csrf_token": csrf, "duration": "forever"})

    assert response.status_code == 422
    assert "Choose how long the mute lasts" in await _text(response)
    assert not (await _facts(svc, alice, bob)).muting


async def test_blocking_needs_login_and_a_known_account(app, svc, anon_client, csrf):
    """Logged out, Block leads to the login page; an unknown account is a 404 with a message;
    blocking oneself is refused."""
    _, alice = await make_user(svc, "alice")
    response = await anon_client.post("/@alice/block", form={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")

    client = await _login(app, svc, alice)
    missing = await client.post("/@nobody/block", form={"csrf_token": csrf})
    assert missing.status_code == 404
    assert "Could not find @nobody." in await _text(missing)
    own = await client.post("/@alice/block", form={"csrf_token": csrf})
    assert own.status_code == 422
    assert "You can't block yourself." in await _text(own)


async def test_settings_lists_blocked_and_muted_accounts(app, svc, csrf):
    """Settings → Blocks and mutes lists each account with Unblock or Unmute; the buttons bring
    you back to the list, now without that account."""
    _, alice = await make_user(svc, "alice")
    await make_user(svc, "bob")
    await make_user(svc, "carol")
    client = await _login(app, svc, alice)
    empty = await _text(await client.get("/settings/blocks"))
    assert "You haven't blocked anyone." in empty and "You haven't muted anyone." in empty
    assert 'href="/settings/blocks" aria-current="page"' in empty
    await client.post("/@bob/block", form={"csrf_token": csrf})
    await client.post("/@carol/mute", form={"csrf_token": csrf, "notifications": "on"})

    page = await _text(await client.get("/settings/blocks"))

    assert page.count("<h1") == 1
    assert 'action="/@bob/unblock"' in page and 'action="/@carol/unmute"' in page
    assert "Notifications hidden · until you unmute" in " ".join(page.split())
    response = await client.post(
        "/@bob/unblock", form={"csrf_token": csrf, "next": "/settings/blocks"}
    )
    assert response.headers["Location"] == "/settings/blocks"
    page = await _text(await client.get("/settings/blocks"))
    assert "You unblocked @bob." in page and "You haven't blocked anyone." in page


async def test_settings_pages_link_to_blocks_and_deletion(app, svc):
    """Every settings page links to Blocks and mutes; the account page links to deletion."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)
    for path in ("/settings", "/settings/account", "/settings/security"):
        assert 'href="/settings/blocks"' in await _text(await client.get(path))
    assert 'href="/settings/delete"' in await _text(await client.get("/settings/account"))
