"""The OAuth authorize pages: log in, consent, redirects to app schemes, the out-of-band code."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from typing import Any
from urllib.parse import parse_qs

import pytest

from fedi.context import Services
from tests.factories import PASSWORD, browser_login, csrf_token_for, make_user

OOB = "urn:ietf:wg:oauth:2.0:oob"


async def register(client: Any, redirect_uris: str, scopes: str = "read write follow push") -> Any:
    """Register an app through the API; return its JSON."""
    response = await client.post(
        "/api/v1/apps",
        form={
            "client_name": "Pocket Toot",
            "redirect_uris": redirect_uris,
            "scopes": scopes,
            "website": "https://pocket.example",
        },
    )
    assert response.status_code == 200, await response.get_data(as_text=True)
    return await response.get_json()


def authorize_query(app: dict[str, Any], redirect_uri: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri,
        "scope": "read write follow push",
        **extra,
    }


async def text(response: Any) -> str:
    return await response.get_data(as_text=True)


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of the page's authorize form (the request it carries)."""
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in pairs}


async def approve(client: Any, svc: Services, query: dict[str, str]) -> Any:
    """Open the consent page (logged in) and press Approve."""
    page = await text(await client.get("/oauth/authorize", query_string=query))
    form = {**hidden_fields(page), "decision": "approve", "csrf_token": csrf_token_for(svc)}
    return await client.post("/oauth/authorize", form=form)


async def test_logged_out_person_logs_in_then_sees_consent(anon_client, svc):
    """Logged out, the authorize page is a login form; logging in leads to the consent page."""
    await make_user(svc, "alice")
    app = await register(anon_client, OOB)
    query = authorize_query(app, OOB)
    response = await anon_client.get("/oauth/authorize", query_string=query)
    page = await text(response)
    assert response.status_code == 200
    assert "Log in to" in page and "Pocket Toot" in page and 'name="password"' in page
    assert "form-action" not in response.headers.get("Content-Security-Policy", "")
    form = {
        **hidden_fields(page),
        "login": "alice",
        "password": PASSWORD,
        "csrf_token": csrf_token_for(svc),
    }
    response = await anon_client.post("/oauth/authorize", form=form)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/oauth/authorize?")
    assert any(c.startswith("fedi_session=") for c in response.headers.getlist("Set-Cookie"))
    consent = await text(await anon_client.get(response.headers["Location"]))
    assert "Authorize Pocket Toot?" in consent and "@alice" in consent
    assert "Read everything in your account" in consent
    assert 'href="https://pocket.example"' in consent
    assert 'value="approve"' in consent and 'value="deny"' in consent


async def test_wrong_password_shows_the_form_again(anon_client, svc):
    """A wrong password keeps the person on the app's login form with the reason."""
    await make_user(svc, "alice")
    app = await register(anon_client, OOB)
    page = await text(
        await anon_client.get("/oauth/authorize", query_string=authorize_query(app, OOB))
    )
    form = {
        **hidden_fields(page),
        "login": "alice",
        "password": "nope nope nope",
        "csrf_token": csrf_token_for(svc),
    }
    response = await anon_client.post("/oauth/authorize", form=form)
    body = await text(response)
    assert response.status_code == 401
    assert "Wrong username/e-mail or password." in body and 'value="alice"' in body


async def test_unconfirmed_user_cannot_authorize(anon_client, svc):
    """Someone who has not confirmed their e-mail is told so on the app's login form."""
    await make_user(svc, "carol", confirmed=False)
    app = await register(anon_client, OOB)
    page = await text(
        await anon_client.get("/oauth/authorize", query_string=authorize_query(app, OOB))
    )
    form = {
        **hidden_fields(page),
        "login": "carol",
        "password": PASSWORD,
        "csrf_token": csrf_token_for(svc),
    }
    response = await anon_client.post("/oauth/authorize", form=form)
    assert response.status_code == 403
    assert "confirm your e-mail address" in await text(response)


async def test_login_form_needs_csrf(anon_client, svc):
    """A login posted from another site (no CSRF token) is refused."""
    await make_user(svc, "alice")
    app = await register(anon_client, OOB)
    query = authorize_query(app, OOB)
    response = await anon_client.post(
        "/oauth/authorize", form={**query, "step": "login", "login": "alice", "password": PASSWORD}
    )
    assert response.status_code == 403
    assert "This form has expired" in await text(response)


async def test_oob_approval_shows_a_copyable_code_that_works_once(client, svc):
    """With the out-of-band URI the code is shown in a box; it buys one token, once."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    app = await register(client, OOB)
    response = await approve(client, svc, authorize_query(app, OOB))
    page = await text(response)
    assert response.status_code == 200 and "Your authorization code" in page
    code = re.search(r'id="oauth-code" name="code" value="([^"]+)"', page)[1]
    token_form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": OOB,
    }
    first = await client.post("/oauth/token", form=token_form)
    body = await first.get_json()
    assert first.status_code == 200
    assert body["token_type"] == "Bearer" and body["scope"] == "read write follow push"
    assert isinstance(body["created_at"], int) and body["access_token"]
    again = await client.post("/oauth/token", form=token_form)
    assert again.status_code == 400 and (await again.get_json())["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("redirect_uri", "expected_prefix"),
    [
        ("icecubesapp://", "icecubesapp://?code="),
        ("com.tapbots.Ivory.10217:/request_token", "com.tapbots.Ivory.10217:/request_token?code="),
        (
            "oauth2redirect://com.keylesspalace.tusky/",
            "oauth2redirect://com.keylesspalace.tusky/?code=",
        ),
        (
            "https://elk.zone/api/fedi.example/oauth/https%3A%2F%2Felk.zone",
            "https://elk.zone/api/fedi.example/oauth/https%3A%2F%2Felk.zone?code=",
        ),
        ("https://app.example/cb?from=fedi", "https://app.example/cb?from=fedi&code="),
    ],
)
async def test_approval_redirects_to_the_uri_exactly_as_registered(
    client, svc, redirect_uri, expected_prefix
):
    """Approve sends the browser to the registered URI byte for byte, plus code and state."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    app = await register(client, redirect_uri)
    response = await approve(client, svc, authorize_query(app, redirect_uri, state="s t&8"))
    location = response.headers["Location"]
    assert response.status_code == 302
    assert location.startswith(expected_prefix)
    assert location.endswith("&state=s%20t%268")


async def test_deny_redirects_with_access_denied(client, svc):
    """Deny sends error=access_denied (and the state) back to the app."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    app = await register(client, "icecubesapp://")
    query = authorize_query(app, "icecubesapp://", state="xyz")
    page = await text(await client.get("/oauth/authorize", query_string=query))
    form = {**hidden_fields(page), "decision": "deny", "csrf_token": csrf_token_for(svc)}
    response = await client.post("/oauth/authorize", form=form)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("icecubesapp://?error=access_denied&")
    assert location.endswith("&state=xyz")


async def test_deny_out_of_band_shows_a_page(client, svc):
    """Denying an out-of-band app shows that access was denied."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    app = await register(client, OOB)
    page = await text(await client.get("/oauth/authorize", query_string=authorize_query(app, OOB)))
    form = {**hidden_fields(page), "decision": "deny", "csrf_token": csrf_token_for(svc)}
    response = await client.post("/oauth/authorize", form=form)
    assert response.status_code == 200 and "Access denied" in await text(response)


async def test_unregistered_redirect_is_a_page_not_a_redirect(client, svc):
    """A redirect URI the app did not register is refused on a page; nothing goes there."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    app = await register(client, "icecubesapp://")
    query = authorize_query(app, "https://evil.example/steal")
    response = await client.get("/oauth/authorize", query_string=query)
    body = await text(response)
    assert response.status_code == 400 and "Location" not in response.headers
    assert "did not register" in body and "evil.example" not in body


async def test_unknown_client_is_a_readable_page(anon_client):
    """An unknown client_id gets an HTML page explaining the app is not registered."""
    response = await anon_client.get(
        "/oauth/authorize",
        query_string={"response_type": "code", "client_id": "nope", "redirect_uri": OOB},
    )
    assert response.status_code == 400
    assert response.content_type.startswith("text/html")
    assert "not registered on this server" in await text(response)


async def test_scope_beyond_the_app_goes_back_as_invalid_scope(client, svc):
    """Asking for more than the app registered sends invalid_scope to the app."""
    app = await register(client, "icecubesapp://", scopes="read")
    query = authorize_query(app, "icecubesapp://", scope="read write")
    response = await client.get("/oauth/authorize", query_string=query)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("icecubesapp://?error=invalid_scope&")


async def test_wrong_response_type_goes_back_to_the_app(client, svc):
    """response_type other than code is unsupported_response_type at the app's URI."""
    app = await register(client, "icecubesapp://")
    query = authorize_query(app, "icecubesapp://", response_type="token")
    response = await client.get("/oauth/authorize", query_string=query)
    assert response.headers["Location"].startswith("icecubesapp://?error=unsupported_response_type")


async def test_plain_pkce_is_refused(client, svc):
    """Only S256 PKCE is accepted; `plain` is invalid_request."""
    app = await register(client, "icecubesapp://")
    query = authorize_query(
        app, "icecubesapp://", code_challenge="a" * 43, code_challenge_method="plain"
    )
    response = await client.get("/oauth/authorize", query_string=query)
    assert response.headers["Location"].startswith("icecubesapp://?error=invalid_request&")


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_pkce_s256_must_match_at_the_token_endpoint(client, svc):
    """A code bound to an S256 challenge needs the right verifier; a wrong one burns the code."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    app = await register(client, "icecubesapp://")
    verifier = "v" * 20 + "-._~" + "w" * 30

    async def code_for() -> str:
        query = authorize_query(
            app,
            "icecubesapp://",
            code_challenge=_challenge(verifier),
            code_challenge_method="S256",
        )
        location = (await approve(client, svc, query)).headers["Location"]
        return parse_qs(location.split("?", 1)[1])["code"][0]

    def exchange(code: str, code_verifier: str) -> dict[str, str]:
        return {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": "icecubesapp://",
            "code_verifier": code_verifier,
        }

    code = await code_for()
    wrong = await client.post("/oauth/token", form=exchange(code, "x" * 50))
    assert wrong.status_code == 400
    assert (await wrong.get_json())["error_description"].startswith("The code_verifier does not")
    retry = await client.post("/oauth/token", form=exchange(code, verifier))
    assert retry.status_code == 400
    right = await client.post("/oauth/token", form=exchange(await code_for(), verifier))
    assert right.status_code == 200 and (await right.get_json())["access_token"]


async def test_token_exchange_needs_the_same_redirect_uri(client, svc):
    """The redirect_uri at the token endpoint must equal the one the code was issued for."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    app = await register(client, "icecubesapp://\nhttps://app.example/cb")
    location = (await approve(client, svc, authorize_query(app, "icecubesapp://"))).headers[
        "Location"
    ]
    code = parse_qs(location.split("?", 1)[1])["code"][0]
    response = await client.post(
        "/oauth/token",
        form={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": "https://app.example/cb",
        },
    )
    body = await response.get_json()
    assert response.status_code == 400 and body["error"] == "invalid_grant"
    assert "redirect_uri does not match" in body["error_description"]


async def test_force_login_asks_for_credentials_again(client, svc):
    """With force_login a logged-in person still sees the login form (to switch accounts)."""
    _, alice = await make_user(svc, "alice")
    await make_user(svc, "bob")
    await browser_login(client, svc, alice)
    app = await register(client, OOB)
    query = authorize_query(app, OOB, force_login="true")
    page = await text(await client.get("/oauth/authorize/", query_string=query))
    assert 'name="password"' in page
    form = {
        **hidden_fields(page),
        "login": "bob",
        "password": PASSWORD,
        "csrf_token": csrf_token_for(svc),
    }
    response = await client.post("/oauth/authorize", form=form)
    consent = await text(await client.get(response.headers["Location"]))
    assert "@bob" in consent and "force_login" not in response.headers["Location"]


async def test_second_app_login_is_one_click(anon_client, svc):
    """After logging in for one app, the next app goes straight to the consent page."""
    await make_user(svc, "alice")
    first = await register(anon_client, OOB)
    page = await text(
        await anon_client.get("/oauth/authorize", query_string=authorize_query(first, OOB))
    )
    form = {
        **hidden_fields(page),
        "login": "alice",
        "password": PASSWORD,
        "csrf_token": csrf_token_for(svc),
    }
    await anon_client.post("/oauth/authorize", form=form)
    second = await register(anon_client, "icecubesapp://")
    page = await text(
        await anon_client.get(
            "/oauth/authorize", query_string=authorize_query(second, "icecubesapp://")
        )
    )
    assert "Authorize Pocket Toot?" in page and 'name="password"' not in page
