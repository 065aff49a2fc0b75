"""The web side of scheduled posts (compose form's "Publish later", Settings → Scheduled posts)
and of the notification policy (Settings → Notifications, Filtered notifications)."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Any

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import like_post
from fedi.outbox.posts import create_post
from fedi.scheduled import upcoming
from fedi.storage.clock import utcnow
from tests.factories import browser_login, make_user


async def _text(response: Any) -> str:
    return html.unescape(await response.get_data(as_text=True))


def _local(dt: datetime) -> str:
    """A datetime-local value as a browser sends it."""
    return dt.strftime("%Y-%m-%dT%H:%M")


async def _alice(app: Any, svc: Services) -> tuple[Any, Any]:
    _, alice = await make_user(svc, "alice")
    client = app.test_client()
    await browser_login(client, svc, alice)
    return client, alice


def _compose_form(csrf: str, **fields: str) -> dict[str, str]:
    return {"status": "", "spoiler_text": "", "visibility": "public", "csrf_token": csrf, **fields}


async def test_compose_with_a_time_schedules_the_post(app, svc, csrf):
    """ "Publish later" schedules the post (UTC without script) and lists it in Settings."""
    client, alice = await _alice(app, svc)
    when = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    response = await client.post(
        "/compose", form=_compose_form(csrf, status="See you later", scheduled_at=_local(when))
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/settings/scheduled")
    [item] = await upcoming(svc, alice.id)
    assert item.scheduled_at == when
    page = await _text(await client.get("/settings/scheduled"))
    assert "Your post is scheduled for" in page
    assert "See you later" in page
    assert when.strftime("%d %b %Y, %H:%M UTC") in page
    profile = await _text(await client.get("/@alice"))
    assert "See you later" not in profile


async def test_the_browser_time_zone_is_used_when_the_script_sends_it(app, svc, csrf):
    """With `utc_offset` (minutes east of UTC, filled by the script) the time is local time."""
    client, alice = await _alice(app, svc)
    local = (datetime.now(UTC) + timedelta(hours=5)).replace(second=0, microsecond=0)
    await client.post(
        "/compose",
        form=_compose_form(csrf, status="Zoned", scheduled_at=_local(local), utc_offset="120"),
    )
    [item] = await upcoming(svc, alice.id)
    assert item.scheduled_at == local - timedelta(minutes=120)


async def test_a_time_too_soon_is_shown_next_to_the_field_with_the_text_kept(app, svc, csrf):
    """A time less than 5 minutes ahead: 422, the message by the field, the text still there."""
    client, alice = await _alice(app, svc)
    soon = utcnow() + timedelta(minutes=1)
    response = await client.post(
        "/compose", form=_compose_form(csrf, status="Too eager", scheduled_at=_local(soon))
    )
    assert response.status_code == 422
    page = await _text(response)
    assert 'id="scheduled_at-error"' in page
    assert "at least 5 minutes in the future" in page
    assert "Too eager" in page
    assert await upcoming(svc, alice.id) == []


async def test_cancel_in_settings_removes_the_scheduled_post(app, svc, csrf):
    """Settings → Scheduled posts' Cancel removes it; the page then says there are none."""
    client, alice = await _alice(app, svc)
    when = utcnow() + timedelta(days=1)
    await client.post("/compose", form=_compose_form(csrf, status="Bye", scheduled_at=_local(when)))
    [item] = await upcoming(svc, alice.id)
    response = await client.post(
        f"/settings/scheduled/{item.scheduled.id}/cancel", form={"csrf_token": csrf}
    )
    assert response.status_code == 303
    page = await _text(await client.get("/settings/scheduled"))
    assert "The scheduled post is cancelled." in page
    assert "No scheduled posts." in page


async def test_notification_settings_show_and_save_the_policy(app, svc, csrf):
    """Settings → Notifications shows the defaults and saves a change; a bad value is a 422."""
    client, _ = await _alice(app, svc)
    page = await _text(await client.get("/settings/notifications"))
    assert '<option value="filter" selected>' in page  # private mentions, by default
    assert "People you don't follow" in page
    form = {
        "csrf_token": csrf,
        "for_not_following": "filter",
        "for_not_followers": "accept",
        "for_new_accounts": "drop",
        "for_private_mentions": "filter",
        "for_limited_accounts": "filter",
    }
    saved = await client.post("/settings/notifications", form=form)
    assert saved.status_code == 303
    page = await _text(await client.get("/settings/notifications"))
    assert "Your notification settings are saved." in page
    bad = await client.post("/settings/notifications", form={**form, "for_new_accounts": "x"})
    assert bad.status_code == 422
    assert 'id="for_new_accounts-error"' in await _text(bad)


async def test_filtered_notifications_wait_behind_a_link_until_accepted(app, svc, csrf):
    """A held like is not on the notifications page; the link leads to it; Accept releases it."""
    client, alice = await _alice(app, svc)
    _, bob = await make_user(svc, "bob")
    await client.post(
        "/settings/notifications",
        form={"csrf_token": csrf, "for_not_following": "filter"},
    )
    post = await create_post(svc, alice, PostDraft(text="Hello there"))
    await like_post(svc, bob, post.id)

    page = await _text(await client.get("/notifications"))
    assert "liked your post" not in page
    assert "Filtered notifications (1)" in page
    listing = await _text(await client.get("/notifications/requests"))
    assert "@bob" in listing and "1 notification" in listing
    request_id = listing.split('href="/notifications/requests/')[1].split('"')[0]
    detail = await _text(await client.get(f"/notifications/requests/{request_id}"))
    assert "liked your post" in detail and "Hello there" in detail

    accepted = await client.post(
        f"/notifications/requests/{request_id}/accept", form={"csrf_token": csrf}
    )
    assert accepted.status_code == 303
    page = await _text(await client.get("/notifications"))
    assert "liked your post" in page
    assert "Filtered notifications" not in page


async def test_dismissing_in_the_web_deletes_the_held_notifications(app, svc, csrf):
    """Dismiss removes the entry; the notifications page stays without the like."""
    client, alice = await _alice(app, svc)
    _, bob = await make_user(svc, "bob")
    await client.post(
        "/settings/notifications", form={"csrf_token": csrf, "for_not_following": "filter"}
    )
    post = await create_post(svc, alice, PostDraft(text="Hi"))
    await like_post(svc, bob, post.id)
    listing = await _text(await client.get("/notifications/requests"))
    request_id = listing.split('href="/notifications/requests/')[1].split('"')[0]
    await client.post(f"/notifications/requests/{request_id}/dismiss", form={"csrf_token": csrf})
    listing = await _text(await client.get("/notifications/requests"))
    assert "Nothing is filtered." in listing
    assert "liked your post" not in await _text(await client.get("/notifications"))
    missing = await client.get(f"/notifications/requests/{request_id}")
    assert missing.status_code == 404
