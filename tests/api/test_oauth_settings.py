"""Settings → Apps, and account changes that sign apps out (password, log out everywhere)."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.storage.rows import Account
from tests.api.tokens import bearer, make_token
from tests.factories import PASSWORD, browser_login, csrf_token_for, make_user

NEW_PASSWORD = "another long passphrase 42"


async def works(client: Any, token: str) -> bool:
    response = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    return bool(response.status_code == 200)


async def logged_in_with_token(client: Any, svc: Services) -> tuple[Account, str]:
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    token = await make_token(svc, alice, scopes="read write")
    assert await works(client, token)
    return alice, token


async def test_settings_lists_authorized_apps_with_scopes(client, svc):
    """Settings → Apps shows each app with its scopes in plain words and when it was last used."""
    await logged_in_with_token(client, svc)
    response = await client.get("/settings/apps")
    page = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Test app" in page and "Last used" in page
    assert "Read everything in your account" in page and "(write)" in page
    assert 'href="/settings/apps" aria-current="page"' in page
    assert page.count("<h1") == 1


async def test_settings_apps_is_empty_without_apps(client, svc):
    """Without authorized apps the page says so."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    page = await (await client.get("/settings/apps")).get_data(as_text=True)
    assert "No apps have access to your account." in page


async def test_settings_apps_needs_login(anon_client):
    """Logged out, the apps page sends you to the login page."""
    response = await anon_client.get("/settings/apps")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


async def test_revoking_an_app_signs_it_out_at_once(client, svc):
    """Revoke access: the app's token stops working immediately and the list is empty."""
    _, token = await logged_in_with_token(client, svc)
    page = await (await client.get("/settings/apps")).get_data(as_text=True)
    action = page.split('action="/settings/apps/', 1)[1].split('"', 1)[0]
    response = await client.post(
        "/settings/apps/" + action, form={"csrf_token": csrf_token_for(svc)}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/settings/apps"
    assert not await works(client, token)
    after = await (await client.get("/settings/apps")).get_data(as_text=True)
    assert "no longer has access to your account" in after
    assert "No apps have access to your account." in after


async def test_revoking_an_unknown_app_is_404(client, svc):
    """Revoking an app that has no access is a 404 with a message."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    response = await client.post(
        "/settings/apps/12345/revoke", form={"csrf_token": csrf_token_for(svc)}
    )
    assert response.status_code == 404
    assert "This app has no access to your account." in await response.get_data(as_text=True)


async def test_password_change_revokes_app_tokens(client, svc):
    """Changing the password signs every app out."""
    _, token = await logged_in_with_token(client, svc)
    response = await client.post(
        "/settings/account/password",
        form={
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "password_confirmation": NEW_PASSWORD,
            "csrf_token": csrf_token_for(svc),
        },
    )
    assert response.status_code == 303
    assert not await works(client, token)


async def test_log_out_everywhere_revokes_app_tokens(client, svc):
    """ "Log out everywhere else" signs apps out too."""
    _, token = await logged_in_with_token(client, svc)
    response = await client.post(
        "/settings/security/logout-others", form={"csrf_token": csrf_token_for(svc)}
    )
    assert response.status_code == 303
    assert not await works(client, token)
