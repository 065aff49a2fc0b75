"""Sign-up: the form, e-mail confirmation, duplicates and bad input, and the four sign-up modes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from fedi.app import create_app
from fedi.context import Services
from fedi.storage import accounts as account_store
from fedi.storage import notifications as notification_store
from tests import mail_files
from tests.conftest import make_config
from tests.factories import CSRF_COOKIE_VALUE, browser_login, csrf_token_for, make_user

PASSWORD = "correct horse battery staple"


def _form(csrf: str, **values: str) -> dict[str, str]:
    base = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password": PASSWORD,
        "password_confirmation": PASSWORD,
        "csrf_token": csrf,
    }
    base.update(values)
    return base


async def _count_accounts(svc: Services) -> int:
    async with svc.db.read() as conn:
        return await account_store.count_local_accounts(conn)


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


@asynccontextmanager
async def variant(tmp_path: Path, **instance: Any) -> AsyncIterator[tuple[Any, Services, Any]]:
    """An app whose [instance] section differs, with a logged-out client carrying the CSRF cookie."""
    cfg = make_config(tmp_path / "variant", instance=instance)
    application = create_app(cfg, start_workers=False)
    async with application.test_app():
        client = application.test_client()
        client.set_cookie("localhost", "fedi_csrf", CSRF_COOKIE_VALUE)
        yield application, application.extensions["fedi"], client


async def test_signup_confirm_then_login(anon_client, svc, csrf, config, run_jobs):
    """Sign-up mails a confirmation link; login waits for it; after clicking it, login works."""
    form_page = await anon_client.get("/signup")
    assert form_page.status_code == 200
    assert 'name="username"' in await _text(form_page)

    response = await anon_client.post("/signup", form=_form(csrf))
    assert response.status_code == 200
    body = await _text(response)
    assert "Check your e-mail" in body and "newbie@example.com" in body

    assert mail_files.mails(config) == []  # the request does not send mail itself
    await run_jobs()
    [mail] = mail_files.mails(config)
    assert mail["To"] == "newbie@example.com"
    assert "Confirm your e-mail address" in mail["Subject"]
    assert mail["From"] == config.mail_from
    link = mail_files.link(mail, "/auth/confirm/")

    early = await anon_client.post(
        "/login", form={"login": "newbie", "password": PASSWORD, "csrf_token": csrf}
    )
    assert early.status_code == 403
    early_body = await _text(early)
    assert "confirm your e-mail address first" in early_body
    assert "Resend confirmation e-mail" in early_body

    confirmed = await anon_client.get(link)
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/login"
    assert "confirmed" in await _text(await anon_client.get("/login"))

    login = await anon_client.post(
        "/login", form={"login": "newbie@example.com", "password": PASSWORD, "csrf_token": csrf}
    )
    assert login.status_code == 303 and login.headers["Location"] == "/home"
    settings = await anon_client.get("/settings/account")
    assert settings.status_code == 200 and "newbie@example.com" in await _text(settings)

    again = await anon_client.get(link)
    assert again.status_code == 410
    assert "already been used" in await _text(again)


async def test_unknown_confirmation_link_is_explained(anon_client):
    """A made-up confirmation link answers 404 with a way to get a new one."""
    response = await anon_client.get("/auth/confirm/not-a-real-token")
    assert response.status_code == 404
    body = await _text(response)
    assert "confirmation link is not valid" in body
    assert "Resend confirmation e-mail" in body


async def test_resend_confirmation_sends_a_new_link(anon_client, svc, csrf, config, run_jobs):
    """Asking again from the login page mails a second, working confirmation link."""
    await anon_client.post("/signup", form=_form(csrf))
    response = await anon_client.post(
        "/auth/confirm/resend", form={"login": "newbie", "csrf_token": csrf}
    )
    assert response.status_code == 200
    assert "we sent a new confirmation link" in await _text(response)
    unknown = await anon_client.post(
        "/auth/confirm/resend", form={"login": "nobody", "csrf_token": csrf}
    )
    assert await _text(unknown) == await _text(response)  # no account enumeration
    await run_jobs()
    mails = mail_files.mails(config)
    assert len(mails) == 2
    assert (await anon_client.get(mail_files.link(mails[1], "/auth/confirm/"))).status_code == 303


@pytest.mark.parametrize("taken_as", ["Newbie", "NEWBIE"])
async def test_duplicate_username_is_refused(anon_client, svc, csrf, taken_as):
    """A username already in use (in any letter case) is refused next to the field."""
    await make_user(svc, "newbie")
    response = await anon_client.post(
        "/signup", form=_form(csrf, username=taken_as, email="other@example.com")
    )
    assert response.status_code == 422
    body = await _text(response)
    assert "That username is already taken." in body
    assert 'value="other@example.com"' in body  # what was typed is kept
    assert PASSWORD not in body  # ...but never the password
    assert await _count_accounts(svc) == 1


async def test_duplicate_email_is_refused_case_insensitively(anon_client, svc, csrf):
    """An e-mail address already in use, in other letter case, is refused; nothing is written."""
    await make_user(svc, "first", email="Someone@Example.com")
    response = await anon_client.post(
        "/signup", form=_form(csrf, username="second", email="someone@EXAMPLE.com")
    )
    assert response.status_code == 422
    body = await _text(response)
    assert "An account with that e-mail address already exists." in body
    assert 'value="second"' in body
    assert await _count_accounts(svc) == 1


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"password": "short1", "password_confirmation": "short1"}, "password", "at least 8"),
        (
            {"password": "x" * 100 + "y" * 29, "password_confirmation": "x" * 100 + "y" * 29},
            "password",
            "at most 128",
        ),
        ({"password": "password1", "password_confirmation": "password1"}, "password", "too easy"),
        ({"password_confirmation": "something else entirely"}, "password_confirmation", "match"),
        ({"username": "no spaces!"}, "username", "only letters, digits and underscores"),
        ({"username": "admin"}, "username", "reserved"),
        ({"email": "not-an-address"}, "email", "valid e-mail address"),
    ],
)
async def test_bad_input_is_shown_next_to_the_field(anon_client, svc, csrf, values, field, message):
    """Weak, too long or mismatched passwords and bad names are explained at their field."""
    response = await anon_client.post("/signup", form=_form(csrf, **values))
    assert response.status_code == 422
    body = await _text(response)
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', body)
    assert error and message in error.group(1), body
    assert await _count_accounts(svc) == 0


async def test_signup_without_csrf_token_is_refused(anon_client, svc):
    """A sign-up form without its CSRF token is refused with 403 and creates nothing."""
    form = _form("")
    del form["csrf_token"]
    response = await anon_client.post("/signup", form=form)
    assert response.status_code == 403
    assert "This form has expired" in await _text(response)
    assert await _count_accounts(svc) == 0


async def test_signup_without_confirmation_logs_in_at_once(tmp_path):
    """With e-mail confirmation off, a new user lands on /home logged in."""
    async with variant(tmp_path, require_email_confirmation=False) as (_app, svc, client):
        response = await client.post("/signup", form=_form(csrf_token_for(svc)))
        assert response.status_code == 303 and response.headers["Location"] == "/home"
        assert any("fedi_session=" in c for c in response.headers.getlist("Set-Cookie"))
        settings = await client.get("/settings/account")
        assert settings.status_code == 200


async def test_closed_registrations(tmp_path):
    """With sign-ups closed the page says so (403), shows no form and accepts no posts."""
    async with variant(tmp_path, registrations="closed") as (_app, svc, client):
        page = await client.get("/signup")
        assert page.status_code == 403
        body = await _text(page)
        assert "Sign-ups are closed on this instance" in body
        assert 'name="username"' not in body
        posted = await client.post("/signup", form=_form(csrf_token_for(svc)))
        assert posted.status_code == 403
        assert await _count_accounts(svc) == 0


async def test_approval_mode(tmp_path):
    """In approval mode the reason is asked, staff are notified, and login waits for approval."""
    async with variant(tmp_path, registrations="approval", require_email_confirmation=False) as (
        app,
        svc,
        client,
    ):
        _, admin = await make_user(svc, "boss", role="admin")
        csrf = csrf_token_for(svc)
        form_page = await _text(await client.get("/signup"))
        assert 'name="reason"' in form_page

        response = await client.post("/signup", form=_form(csrf, reason="I like small places"))
        assert response.status_code == 200
        assert "awaits approval" in await _text(response)
        async with svc.db.read() as conn:
            notes = await notification_store.list_notifications(conn, admin.id)
        assert [n.type for n in notes] == ["admin.sign_up"]

        refused = await client.post(
            "/login", form={"login": "newbie", "password": PASSWORD, "csrf_token": csrf}
        )
        assert refused.status_code == 403
        assert "awaiting approval" in await _text(refused)

        admin_client = app.test_client()
        await browser_login(admin_client, svc, admin)
        admin_page = await _text(await admin_client.get("/admin"))
        assert "I like small places" in admin_page
        new_id = notes[0].from_account_id
        approved = await admin_client.post(
            f"/admin/users/{new_id}/approve", form={"csrf_token": csrf}
        )
        assert approved.status_code == 303

        login = await client.post(
            "/login", form={"login": "newbie", "password": PASSWORD, "csrf_token": csrf}
        )
        assert login.status_code == 303


async def test_invite_mode(tmp_path):
    """In invite mode a valid code is needed; a single-use code works once."""
    async with variant(tmp_path, registrations="invite", require_email_confirmation=False) as (
        app,
        svc,
        client,
    ):
        _, admin = await make_user(svc, "boss", role="admin")
        csrf = csrf_token_for(svc)

        missing = await client.post("/signup", form=_form(csrf))
        assert missing.status_code == 422
        assert "Enter your invite code." in await _text(missing)
        wrong = await client.post("/signup", form=_form(csrf, invite="nope"))
        assert wrong.status_code == 422
        assert "not valid, used up or expired" in await _text(wrong)

        admin_client = app.test_client()
        await browser_login(admin_client, svc, admin)
        created = await admin_client.post(
            "/admin/invites", form={"max_uses": "1", "expires_in_days": "7", "csrf_token": csrf}
        )
        assert created.status_code == 303
        code = re.search(r"<code>(\w+)</code>", await _text(await admin_client.get("/admin")))
        assert code
        prefilled = await _text(await client.get(f"/signup?invite={code.group(1)}"))
        assert f'value="{code.group(1)}"' in prefilled

        ok = await client.post("/signup", form=_form(csrf, invite=code.group(1)))
        assert ok.status_code == 303 and ok.headers["Location"] == "/home"

        other = app.test_client()
        other.set_cookie("localhost", "fedi_csrf", CSRF_COOKIE_VALUE)
        used_up = await other.post(
            "/signup",
            form=_form(csrf, username="second", email="second@example.com", invite=code.group(1)),
        )
        assert used_up.status_code == 422
        assert "not valid, used up or expired" in await _text(used_up)
        assert await _count_accounts(svc) == 2
