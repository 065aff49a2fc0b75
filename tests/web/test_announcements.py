"""Announcements in the web UI: the admin pages (write, edit, publish, withdraw, delete) and the
dismissible banner on the home page."""

from __future__ import annotations

import re
from typing import Any

from fedi.context import Services
from fedi.storage.rows import Account
from tests.api.tokens import bearer, make_token
from tests.factories import browser_login, make_user


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


async def _client_for(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


def _ids(body: str) -> list[str]:
    return re.findall(r'action="/admin/announcements/(\d+)/delete"', body)


async def test_admin_publishes_an_announcement_users_see_on_home(app, svc, csrf):
    """An admin writes Markdown and publishes; a user sees it rendered on their home page."""
    _, boss = await make_user(svc, "boss", role="admin")
    _, alice = await make_user(svc, "alice")
    admin = await _client_for(app, svc, boss)
    page = await admin.get("/admin/announcements")
    assert page.status_code == 200
    assert '<h1 id="announcements-title">Announcements</h1>' in await _text(page)

    response = await admin.post(
        "/admin/announcements",
        form={"text": "Server **upgrade** on Sunday", "action": "publish", "csrf_token": csrf},
    )
    assert response.status_code == 303
    listing = await _text(await admin.get("/admin/announcements"))
    assert "Announcement published." in listing
    assert "Server <strong>upgrade</strong> on Sunday" in listing

    reader = await _client_for(app, svc, alice)
    home = await _text(await reader.get("/home"))
    assert 'class="card announcement"' in home
    assert "Server <strong>upgrade</strong> on Sunday" in home


async def test_dismissing_the_banner_hides_it_and_marks_it_read_in_the_api(app, svc, csrf):
    """ "Dismiss" hides the announcement from that user's home and sets `read` in the API."""
    _, boss = await make_user(svc, "boss", role="admin")
    _, alice = await make_user(svc, "alice")
    admin = await _client_for(app, svc, boss)
    await admin.post(
        "/admin/announcements", form={"text": "Hello all", "action": "publish", "csrf_token": csrf}
    )
    (announcement_id,) = _ids(await _text(await admin.get("/admin/announcements")))
    reader = await _client_for(app, svc, alice)
    assert f'action="/announcements/{announcement_id}/dismiss"' in await _text(
        await reader.get("/home")
    )
    response = await reader.post(
        f"/announcements/{announcement_id}/dismiss", form={"csrf_token": csrf}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/home"
    home = await _text(await reader.get("/home"))
    assert "Announcement dismissed." in home
    assert "Hello all" not in home

    api = await app.test_client().get(
        "/api/v1/announcements", headers=bearer(await make_token(svc, alice))
    )
    assert (await api.get_json())[0]["read"] is True


async def test_drafts_and_withdrawn_announcements_are_not_shown(app, svc, csrf):
    """A draft is not on anyone's home page until published; withdrawing hides it again."""
    _, boss = await make_user(svc, "boss", role="admin")
    _, alice = await make_user(svc, "alice")
    admin = await _client_for(app, svc, boss)
    await admin.post(
        "/admin/announcements",
        form={"text": "Coming soon", "action": "draft", "csrf_token": csrf},
    )
    listing = await _text(await admin.get("/admin/announcements"))
    assert "Announcement saved as a draft." in listing and "Draft" in listing
    (announcement_id,) = _ids(listing)
    reader = await _client_for(app, svc, alice)
    assert "Coming soon" not in await _text(await reader.get("/home"))

    await admin.post(f"/admin/announcements/{announcement_id}/publish", form={"csrf_token": csrf})
    assert "Coming soon" in await _text(await reader.get("/home"))
    response = await admin.post(
        f"/admin/announcements/{announcement_id}/unpublish", form={"csrf_token": csrf}
    )
    assert response.status_code == 303
    assert "Coming soon" not in await _text(await reader.get("/home"))


async def test_edit_and_delete(app, svc, csrf):
    """An admin edits the text and times of an announcement, then deletes it."""
    _, boss = await make_user(svc, "boss", role="admin")
    admin = await _client_for(app, svc, boss)
    await admin.post(
        "/admin/announcements", form={"text": "First", "action": "publish", "csrf_token": csrf}
    )
    (announcement_id,) = _ids(await _text(await admin.get("/admin/announcements")))
    form_page = await admin.get(f"/admin/announcements/{announcement_id}/edit")
    assert form_page.status_code == 200
    assert ">First</textarea>" in await _text(form_page)
    response = await admin.post(
        f"/admin/announcements/{announcement_id}/edit",
        form={
            "text": "Second",
            "starts_at": "2030-05-01T10:00",
            "ends_at": "2030-05-02T10:00",
            "all_day": "on",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 303
    listing = await _text(await admin.get("/admin/announcements"))
    assert "Second" in listing and "2030-05-01 10:00 UTC" in listing and "(all day)" in listing
    response = await admin.post(
        f"/admin/announcements/{announcement_id}/delete", form={"csrf_token": csrf}
    )
    assert response.status_code == 303
    listing = await _text(await admin.get("/admin/announcements"))
    assert "Announcement deleted." in listing and _ids(listing) == []


async def test_bad_input_is_shown_next_to_the_fields_and_kept(app, svc, csrf):
    """Empty text, an end before the start or a start alone: 422 with the messages at the
    fields and the typed values kept."""
    _, boss = await make_user(svc, "boss", role="admin")
    admin = await _client_for(app, svc, boss)
    response = await admin.post(
        "/admin/announcements",
        form={
            "text": "",
            "starts_at": "2030-05-02T10:00",
            "ends_at": "2030-05-01T10:00",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 422
    body = await _text(response)
    assert 'id="text-error"' in body and "Write the announcement." in body
    assert 'id="ends_at-error"' in body and "The end must come after the start." in body
    assert 'value="2030-05-02T10:00"' in body
    response = await admin.post(
        "/admin/announcements",
        form={"text": "Event", "starts_at": "2030-05-02T10:00", "csrf_token": csrf},
    )
    assert response.status_code == 422
    body = await _text(response)
    assert "Give the end too, or leave both times empty." in body
    assert ">Event</textarea>" in body
    response = await admin.post(
        "/admin/announcements",
        form={"text": "Event", "starts_at": "tomorrow", "ends_at": "x", "csrf_token": csrf},
    )
    assert response.status_code == 422
    assert "Enter a date and time such as 2026-12-24T18:00." in await _text(response)


async def test_users_and_moderators_cannot_manage_announcements(app, svc, csrf):
    """A plain user gets 403 on the admin page; a moderator may not publish (403)."""
    _, alice = await make_user(svc, "alice")
    _, carol = await make_user(svc, "carol", role="moderator")
    user_client = await _client_for(app, svc, alice)
    assert (await user_client.get("/admin/announcements")).status_code == 403
    mod_client = await _client_for(app, svc, carol)
    response = await mod_client.post(
        "/admin/announcements", form={"text": "Hi", "action": "publish", "csrf_token": csrf}
    )
    assert response.status_code == 403
    assert "Only administrators can manage announcements." in await _text(response)
