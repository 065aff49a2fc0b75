"""Password reset by mail: the request, the link, the new password, and links that no longer work."""

from __future__ import annotations

from typing import Any

from fedi.config import Config
from fedi.storage.clock import now_db
from tests import mail_files
from tests.factories import PASSWORD, browser_login, make_user

NEW_PASSWORD = "a brand new passphrase"


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


async def _ask_for_link(client: Any, csrf: str, config: Config, run_jobs: Any) -> str:
    response = await client.post(
        "/auth/password/forgot", form={"email": "alice@example.com", "csrf_token": csrf}
    )
    assert response.status_code == 200
    await run_jobs()
    return mail_files.link(mail_files.mails(config)[-1], "/auth/password/reset/")


async def _login(client: Any, csrf: str, password: str) -> int:
    response = await client.post(
        "/login", form={"login": "alice", "password": password, "csrf_token": csrf}
    )
    return int(response.status_code)


async def test_password_reset_full_path(app, anon_client, svc, csrf, config, run_jobs):
    """A reset link sets a new password, logs out every session, and works only once."""
    _, alice = await make_user(svc, "alice")
    other_browser = app.test_client()
    await browser_login(other_browser, svc, alice)

    link = await _ask_for_link(anon_client, csrf, config, run_jobs)
    [mail] = mail_files.mails(config)
    assert mail["To"] == "alice@example.com" and "Reset your password" in mail["Subject"]

    form = await anon_client.get(link)
    assert form.status_code == 200 and "Choose a new password" in await _text(form)

    mismatch = await anon_client.post(
        link,
        form={"password": NEW_PASSWORD, "password_confirmation": "other", "csrf_token": csrf},
    )
    assert mismatch.status_code == 422
    assert "The two passwords do not match." in await _text(mismatch)
    weak = await anon_client.post(
        link, form={"password": "short", "password_confirmation": "short", "csrf_token": csrf}
    )
    assert weak.status_code == 422 and "at least 8 characters" in await _text(weak)

    done = await anon_client.post(
        link,
        form={"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "csrf_token": csrf},
    )
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    assert "Your password has been changed." in await _text(await anon_client.get("/login"))
    assert (await other_browser.get("/settings/account")).status_code == 302  # logged out

    assert await _login(anon_client, csrf, PASSWORD) == 401
    assert await _login(anon_client, csrf, NEW_PASSWORD) == 303

    used = await anon_client.get(link)
    assert used.status_code == 410
    body = await _text(used)
    assert "already been used" in body and 'href="/auth/password/forgot"' in body
    await run_jobs()
    assert "was changed" in mail_files.mails(config)[-1]["Subject"]  # the notice mail


async def test_unknown_address_gets_the_same_answer(anon_client, svc, csrf, config, run_jobs):
    """Asking for a reset for an unknown address looks the same and sends nothing."""
    await make_user(svc, "alice")
    known = await anon_client.post(
        "/auth/password/forgot", form={"email": "alice@example.com", "csrf_token": csrf}
    )
    unknown = await anon_client.post(
        "/auth/password/forgot", form={"email": "nobody@example.com", "csrf_token": csrf}
    )
    assert known.status_code == unknown.status_code == 200
    assert "If an account exists" in await _text(unknown)
    assert (await _text(known)).replace("alice", "X") == (await _text(unknown)).replace(
        "nobody", "X"
    )
    await run_jobs()
    assert [m["To"] for m in mail_files.mails(config)] == ["alice@example.com"]


async def test_empty_address_is_explained(anon_client, csrf):
    """Sending the form without an address shows the error at the field."""
    response = await anon_client.post(
        "/auth/password/forgot", form={"email": " ", "csrf_token": csrf}
    )
    assert response.status_code == 422
    assert "Enter the e-mail address of your account." in await _text(response)


async def test_expired_link_is_refused(anon_client, svc, csrf, config, run_jobs):
    """A reset link older than an hour answers 410 and offers to send a new one."""
    await make_user(svc, "alice")
    link = await _ask_for_link(anon_client, csrf, config, run_jobs)
    async with svc.db.write() as tx:
        await tx.execute("UPDATE email_tokens SET expires_at = ?", (now_db(),))

    response = await anon_client.get(link)
    assert response.status_code == 410
    body = await _text(response)
    assert "has expired" in body and "Ask for a new link" in body
    posted = await anon_client.post(
        link,
        form={"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "csrf_token": csrf},
    )
    assert posted.status_code == 410
    assert await _login(anon_client, csrf, PASSWORD) == 303


async def test_unknown_link_is_refused(anon_client):
    """A made-up reset link answers 404 with a way to ask for a new one."""
    response = await anon_client.get("/auth/password/reset/made-up-token")
    assert response.status_code == 404
    assert "password reset link is not valid" in await _text(response)
