"""Login, logout, safe redirects, sessions and the login history."""

from __future__ import annotations

from typing import Any

import pytest

from fedi.context import Services
from fedi.storage import users as user_store
from fedi.storage.clock import now_db
from tests.factories import CSRF_COOKIE_VALUE, PASSWORD, browser_login, make_user


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


def _session_cookie(response: Any) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("fedi_session="):
            return header.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError("no session cookie was set")


def _fresh_client(app: Any, token: str | None = None) -> Any:
    client = app.test_client()
    client.set_cookie("localhost", "fedi_csrf", CSRF_COOKIE_VALUE)
    if token:
        client.set_cookie("localhost", "fedi_session", token)
    return client


async def _logged_in(client: Any) -> bool:
    response = await client.get("/settings/account")
    return response.status_code == 200


async def test_login_with_username_or_email(anon_client, svc, csrf):
    """Either the username or the e-mail address logs in and lands on /home."""
    await make_user(svc, "alice")
    for login in ("alice", "ALICE@example.com"):
        response = await anon_client.post(
            "/login", form={"login": login, "password": PASSWORD, "csrf_token": csrf}
        )
        assert response.status_code == 303 and response.headers["Location"] == "/home"
        assert _session_cookie(response)


@pytest.mark.parametrize(
    ("login", "password"), [("alice", "wrong password!"), ("nobody", PASSWORD)]
)
async def test_wrong_credentials_get_one_message(anon_client, svc, csrf, login, password):
    """A wrong password and an unknown user get the same 401 message (no user enumeration)."""
    await make_user(svc, "alice")
    response = await anon_client.post(
        "/login", form={"login": login, "password": password, "csrf_token": csrf}
    )
    assert response.status_code == 401
    body = await _text(response)
    assert "Wrong username/e-mail or password." in body
    assert f'value="{login}"' in body and password not in body
    assert not any(c.startswith("fedi_session=") for c in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
async def test_next_cannot_leave_the_site(anon_client, svc, csrf, target):
    """A `next` that points to another site is replaced by /home, in the form and after login."""
    await make_user(svc, "alice")
    form_page = await _text(await anon_client.get("/login", query_string={"next": target}))
    assert 'name="next" value="/home"' in form_page
    response = await anon_client.post(
        "/login", form={"login": "alice", "password": PASSWORD, "next": target, "csrf_token": csrf}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/home"


async def test_next_local_path_is_followed(anon_client, svc, csrf):
    """A page that asked for login is where the user lands afterwards."""
    await make_user(svc, "alice")
    asked = await anon_client.get("/settings/security")
    assert asked.status_code == 302 and "next=/settings/security" in asked.headers["Location"]
    response = await anon_client.post(
        "/login",
        form={
            "login": "alice",
            "password": PASSWORD,
            "next": "/settings/security",
            "csrf_token": csrf,
        },
    )
    assert response.headers["Location"] == "/settings/security"


async def test_disabled_account_is_told(anon_client, svc, csrf):
    """A disabled account cannot log in and is told why."""
    user, _ = await make_user(svc, "alice")
    async with svc.db.write() as tx:
        await user_store.update_user(tx, user.id, disabled_at=now_db())
    response = await anon_client.post(
        "/login", form={"login": "alice", "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 403
    assert "This account has been disabled." in await _text(response)


async def test_logout_ends_the_session_on_the_server(app, anon_client, svc, csrf):
    """After logging out, the old session cookie no longer works anywhere."""
    await make_user(svc, "alice")
    login = await anon_client.post(
        "/login", form={"login": "alice", "password": PASSWORD, "csrf_token": csrf}
    )
    token = _session_cookie(login)
    assert await _logged_in(anon_client)

    response = await anon_client.post("/logout", form={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "You have logged out." in await _text(await anon_client.get("/login"))
    assert not await _logged_in(_fresh_client(app, token))


async def test_login_always_rotates_the_session(app, anon_client, svc, csrf):
    """Logging in again gives a new token and ends the one the browser had."""
    await make_user(svc, "alice")
    form = {"login": "alice", "password": PASSWORD, "csrf_token": csrf}
    first = _session_cookie(await anon_client.post("/login", form=form))
    second = _session_cookie(await anon_client.post("/login", form=form))
    assert first != second
    assert not await _logged_in(_fresh_client(app, first))
    assert await _logged_in(_fresh_client(app, second))


async def test_log_out_everywhere_else_and_everywhere(app, svc: Services, csrf):
    """'Log out everywhere else' keeps this browser only; 'everywhere' ends this one too."""
    _, alice = await make_user(svc, "alice")
    laptop, phone = app.test_client(), app.test_client()
    await browser_login(laptop, svc, alice)
    await browser_login(phone, svc, alice)

    page = await _text(await laptop.get("/settings/security"))
    assert page.count("pytest") >= 2 and "this device" in page

    response = await laptop.post("/settings/security/logout-others", form={"csrf_token": csrf})
    assert response.status_code == 303
    assert "Logged out 1 other session." in await _text(await laptop.get("/settings/security"))
    assert not await _logged_in(phone)
    assert await _logged_in(laptop)

    response = await laptop.post("/settings/security/logout-all", form={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert not await _logged_in(laptop)


async def test_login_history_lists_failed_and_successful_attempts(anon_client, svc, csrf):
    """The security page shows failed and successful logins with IP and browser, newest first."""
    await make_user(svc, "alice")
    await anon_client.post(
        "/login",
        form={"login": "alice", "password": "not my password", "csrf_token": csrf},
        headers={"User-Agent": "WrongBrowser/1.0"},
        scope_base={"client": ("203.0.113.7", 40000)},
    )
    await anon_client.post(
        "/login",
        form={"login": "alice", "password": PASSWORD, "csrf_token": csrf},
        headers={"User-Agent": "RightBrowser/2.0"},
        scope_base={"client": ("198.51.100.9", 40001)},
    )
    response = await anon_client.get("/settings/security")
    assert response.status_code == 200
    body = await _text(response)
    history = body[body.index("Login history") :]
    assert "Failed" in history and "Success" in history
    assert history.index("RightBrowser/2.0") < history.index("WrongBrowser/1.0")
    assert history.index("198.51.100.9") < history.index("203.0.113.7")
