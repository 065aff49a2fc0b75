"""Settings → Account: changing the e-mail address (by link) and the password."""

from __future__ import annotations

from typing import Any

from fedi.storage.rows import Account
from tests import mail_files
from tests.factories import CSRF_COOKIE_VALUE, PASSWORD, browser_login, make_user

NEW_PASSWORD = "another long passphrase"


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


async def _alice(app: Any, svc: Any) -> tuple[Any, Account]:
    _, alice = await make_user(svc, "alice")
    client = app.test_client()
    await browser_login(client, svc, alice)
    return client, alice


async def test_settings_need_login(anon_client):
    """Logged-out visitors are sent to the login page and back."""
    response = await anon_client.get("/settings/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/settings/account"


async def test_change_email_by_link(app, svc, csrf, config, run_jobs):
    """The new address gets a link, the old one a notice; the address changes when clicked."""
    await make_user(svc, "bob", email="bob@example.com")
    client, _ = await _alice(app, svc)

    wrong = await client.post(
        "/settings/account/email",
        form={"email": "new@example.com", "current_password": "nope", "csrf_token": csrf},
    )
    assert wrong.status_code == 422
    body = await _text(wrong)
    assert "That is not your current password." in body
    assert 'value="new@example.com"' in body
    taken = await client.post(
        "/settings/account/email",
        form={"email": "BOB@example.com", "current_password": PASSWORD, "csrf_token": csrf},
    )
    assert taken.status_code == 422
    assert "An account with that e-mail address already exists." in await _text(taken)

    response = await client.post(
        "/settings/account/email",
        form={"email": "new@example.com", "current_password": PASSWORD, "csrf_token": csrf},
    )
    assert response.status_code == 303
    page = await _text(await client.get("/settings/account"))
    assert "We sent a confirmation link to new@example.com" in page
    assert "<strong>alice@example.com</strong>" in page  # not changed yet

    await run_jobs()
    by_address = {m["To"]: m for m in mail_files.mails(config)}
    assert set(by_address) == {"new@example.com", "alice@example.com"}
    assert "about to change" in by_address["alice@example.com"]["Subject"]
    link = mail_files.link(by_address["new@example.com"], "/auth/email/confirm/")

    confirmed = await client.get(link)
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/settings/account"
    page = await _text(await client.get("/settings/account"))
    assert "Your e-mail address is now new@example.com." in page
    assert "<strong>new@example.com</strong>" in page

    again = await client.get(link)
    assert again.status_code == 410 and "already been used" in await _text(again)
    fresh = app.test_client()
    fresh.set_cookie("localhost", "fedi_csrf", CSRF_COOKIE_VALUE)
    login = await fresh.post(
        "/login", form={"login": "new@example.com", "password": PASSWORD, "csrf_token": csrf}
    )
    assert login.status_code == 303


async def test_change_password_requires_the_current_one(app, svc, csrf, config, run_jobs):
    """The current password is required; a change ends other sessions but keeps this one."""
    client, alice = await _alice(app, svc)
    other = app.test_client()
    await browser_login(other, svc, alice)

    wrong = await client.post(
        "/settings/account/password",
        form={
            "current_password": "not it at all",
            "password": NEW_PASSWORD,
            "password_confirmation": NEW_PASSWORD,
            "csrf_token": csrf,
        },
    )
    assert wrong.status_code == 422
    assert "That is not your current password." in await _text(wrong)
    mismatch = await client.post(
        "/settings/account/password",
        form={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirmation": "different",
            "csrf_token": csrf,
        },
    )
    assert mismatch.status_code == 422
    assert "The two passwords do not match." in await _text(mismatch)

    done = await client.post(
        "/settings/account/password",
        form={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirmation": NEW_PASSWORD,
            "csrf_token": csrf,
        },
    )
    assert done.status_code == 303
    page = await client.get("/settings/account")
    assert page.status_code == 200
    assert "Your password has been changed. 1 other session logged out." in await _text(page)
    assert (await other.get("/settings/account")).status_code == 302

    fresh = app.test_client()
    fresh.set_cookie("localhost", "fedi_csrf", CSRF_COOKIE_VALUE)
    form = {"login": "alice", "csrf_token": csrf}
    assert (await fresh.post("/login", form={**form, "password": PASSWORD})).status_code == 401
    assert (await fresh.post("/login", form={**form, "password": NEW_PASSWORD})).status_code == 303
    await run_jobs()
    assert [m["Subject"] for m in mail_files.mails(config)] == ["Your password on fedi was changed"]
