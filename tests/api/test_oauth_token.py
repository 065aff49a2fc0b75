"""App registration, the token endpoint (grants, client auth, errors), revocation, metadata."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from fedi.app import create_app
from tests.api.tokens import bearer
from tests.conftest import make_config
from tests.factories import PASSWORD, make_user

OOB = "urn:ietf:wg:oauth:2.0:oob"


async def register(client: Any, **fields: Any) -> dict[str, Any]:
    data = {"client_name": "Scripty", "redirect_uris": OOB, "scopes": "read write follow", **fields}
    response = await client.post("/api/v1/apps", form=data)
    assert response.status_code == 200, await response.get_data(as_text=True)
    return await response.get_json()


async def ask_token(client: Any, app: dict[str, Any], grant_type: str, **fields: Any) -> Any:
    """POST /oauth/token as a form with the app's credentials, the grant and `fields`."""
    form = {
        "grant_type": grant_type,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        **fields,
    }
    return await client.post("/oauth/token", form=form)


async def test_register_app_returns_the_full_credential_application(client):
    """POST /api/v1/apps answers every CredentialApplication field apps decode."""
    app = await register(
        client, redirect_uris="icecubesapp://\ncom.tapbots.Ivory.10217:/request_token"
    )
    assert set(app) >= {
        "id",
        "name",
        "website",
        "scopes",
        "redirect_uri",
        "redirect_uris",
        "client_id",
        "client_secret",
        "client_secret_expires_at",
        "vapid_key",
    }
    assert app["id"].isdigit() and app["name"] == "Scripty" and app["website"] is None
    assert app["scopes"] == ["read", "write", "follow"]
    assert app["redirect_uris"] == ["icecubesapp://", "com.tapbots.Ivory.10217:/request_token"]
    assert app["redirect_uri"] == "icecubesapp://\ncom.tapbots.Ivory.10217:/request_token"
    assert app["client_secret_expires_at"] == 0 and len(app["vapid_key"]) == 87


async def test_register_app_as_json_with_a_list(client):
    """JSON bodies with redirect_uris as an array (masto.js, Ice Cubes) register too."""
    response = await client.post(
        "/api/v1/apps",
        json={
            "client_name": "Elk",
            "redirect_uris": ["https://elk.zone/api/x/oauth/y"],
            "scopes": "read write",
            "website": "https://elk.zone",
        },
    )
    body = await response.get_json()
    assert response.status_code == 200
    assert body["redirect_uris"] == ["https://elk.zone/api/x/oauth/y"]
    assert body["website"] == "https://elk.zone"


async def test_register_app_from_the_query_string(client):
    """Interop: Ice Cubes once sent the registration as query parameters."""
    response = await client.post(
        "/api/v1/apps",
        query_string={"client_name": "Ice Cubes", "redirect_uris": "icecubesapp://"},
    )
    body = await response.get_json()
    assert response.status_code == 200 and body["scopes"] == ["read"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"redirect_uris": "not a uri"}, "Validation failed: redirect_uris: must be absolute URIs"),
        (
            {"redirect_uris": "app://café"},
            "Validation failed: redirect_uris: must be absolute URIs",
        ),
        ({"scopes": "read shout"}, "Validation failed: scopes: are not known: shout"),
        ({"client_name": ""}, "Validation failed: client_name: can't be blank"),
        ({"redirect_uris": ""}, "Validation failed: redirect_uris: can't be blank"),
    ],
)
async def test_register_app_rejects_bad_fields_naming_them(client, fields, message):
    """A bad redirect URI, an unknown scope or a missing name is a 422 naming the field."""
    data = {"client_name": "Scripty", "redirect_uris": OOB, "scopes": "read", **fields}
    response = await client.post("/api/v1/apps", form=data)
    assert response.status_code == 422
    assert (await response.get_json())["error"] == message


async def test_app_verify_credentials_with_a_client_token(client):
    """A client_credentials token can read its app through apps/verify_credentials."""
    app = await register(client)
    response = await client.post(
        "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read",
        },
    )
    token = await response.get_json()
    assert response.status_code == 200 and token["scope"] == "read"
    verified = await client.get(
        "/api/v1/apps/verify_credentials", headers=bearer(token["access_token"])
    )
    body = await verified.get_json()
    assert verified.status_code == 200
    assert body["name"] == "Scripty" and body["redirect_uris"] == [OOB]
    assert body["redirect_uri"] == OOB and len(body["vapid_key"]) == 87
    assert "client_secret" not in body
    user_only = await client.get(
        "/api/v1/accounts/verify_credentials", headers=bearer(token["access_token"])
    )
    assert user_only.status_code == 422
    assert (await user_only.get_json())["error"] == "This method requires an authenticated user"


async def test_app_verify_credentials_without_token_is_401(client):
    """No token: 401 with Mastodon's message."""
    response = await client.get("/api/v1/apps/verify_credentials")
    assert response.status_code == 401
    assert (await response.get_json())["error"] == "The access token is invalid"


async def test_password_grant_with_username_or_email(client, svc):
    """The password grant accepts the username or the e-mail address, via form or JSON."""
    await make_user(svc, "alice")
    app = await register(client)
    base = {
        "grant_type": "password",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "password": PASSWORD,
        "scope": "read write",
    }
    by_name = await client.post("/oauth/token", form={**base, "username": "alice"})
    by_mail = await client.post("/oauth/token", json={**base, "username": "alice@example.com"})
    for response in (by_name, by_mail):
        body = await response.get_json()
        assert response.status_code == 200 and body["scope"] == "read write"
    token = (await by_name.get_json())["access_token"]
    verified = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert verified.status_code == 200


async def test_password_grant_wrong_password_is_invalid_grant(client, svc):
    """A wrong password is 400 invalid_grant with the login page's message."""
    await make_user(svc, "alice")
    app = await register(client)
    response = await ask_token(
        client,
        app,
        "password",
        username="alice",
        password="wrong wrong wrong",
    )
    body = await response.get_json()
    assert response.status_code == 400
    assert body == {
        "error": "invalid_grant",
        "error_description": "Wrong username/e-mail or password.",
    }


async def test_password_grant_refuses_unconfirmed_accounts(client, svc):
    """An account whose e-mail is not confirmed gets no token by password."""
    await make_user(svc, "carol", confirmed=False)
    app = await register(client)
    response = await ask_token(client, app, "password", username="carol", password=PASSWORD)
    body = await response.get_json()
    assert response.status_code == 400 and body["error"] == "invalid_grant"
    assert "confirm your e-mail address" in body["error_description"]


async def test_password_grant_can_be_switched_off(tmp_path: Path):
    """With [api] password_grant = false the grant is unsupported and not advertised."""
    app = create_app(make_config(tmp_path, api={"password_grant": False}), start_workers=False)
    async with app.test_app():
        client = app.test_client()
        svc = app.extensions["fedi"]
        await make_user(svc, "alice")
        registered = await register(client)
        response = await ask_token(
            client,
            registered,
            "password",
            username="alice",
            password=PASSWORD,
        )
        assert response.status_code == 400
        assert (await response.get_json())["error"] == "unsupported_grant_type"
        metadata = await (await client.get("/.well-known/oauth-authorization-server")).get_json()
        assert metadata["grant_types_supported"] == ["authorization_code", "client_credentials"]


async def test_client_secret_by_http_basic(client):
    """Client authentication by HTTP Basic (client_secret_basic) works."""
    app = await register(client)
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    response = await client.post(
        "/oauth/token",
        form={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200 and (await response.get_json())["scope"] == "read"


async def test_token_parameters_in_the_query_string(client):
    """Interop: Mammoth sends the token parameters in the query string."""
    app = await register(client)
    response = await client.post(
        "/oauth/token",
        query_string={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
        },
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("secret", "client_id"), [("wrong", None), (None, "unknown-client"), ("", None)]
)
async def test_bad_client_is_401_invalid_client(client, secret, client_id):
    """A wrong secret or unknown client is 401 invalid_client mentioning client authentication."""
    app = await register(client)
    response = await client.post(
        "/oauth/token",
        form={
            "grant_type": "client_credentials",
            "client_id": client_id or app["client_id"],
            "client_secret": app["client_secret"] if secret is None else secret,
        },
    )
    body = await response.get_json()
    assert response.status_code == 401 and body["error"] == "invalid_client"
    assert "Client authentication failed" in body["error_description"]


async def test_unknown_grant_type_and_scope(client):
    """An unknown grant is unsupported_grant_type; a scope beyond the app is invalid_scope."""
    app = await register(client, scopes="read")
    creds = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    odd = await client.post("/oauth/token", form={**creds, "grant_type": "implicit"})
    assert odd.status_code == 400
    assert (await odd.get_json())["error"] == "unsupported_grant_type"
    missing = await client.post("/oauth/token", form=creds)
    assert missing.status_code == 400 and (await missing.get_json())["error"] == "invalid_request"
    scoped = await client.post(
        "/oauth/token", form={**creds, "grant_type": "client_credentials", "scope": "write"}
    )
    assert scoped.status_code == 400 and (await scoped.get_json())["error"] == "invalid_scope"


async def test_bad_code_is_invalid_grant(client):
    """A made-up authorization code is 400 invalid_grant."""
    app = await register(client)
    response = await ask_token(client, app, "authorization_code", code="made-up", redirect_uri=OOB)
    assert response.status_code == 400
    assert (await response.get_json())["error"] == "invalid_grant"


async def password_token(client: Any, app: dict[str, Any], username: str = "alice") -> str:
    response = await ask_token(
        client,
        app,
        "password",
        username=username,
        password=PASSWORD,
        scope="read",
    )
    return (await response.get_json())["access_token"]  # type: ignore[no-any-return]


async def test_revoke_is_idempotent_and_takes_effect_at_once(client, svc):
    """Revoking answers {} (also the second time) and the token stops working immediately."""
    await make_user(svc, "alice")
    app = await register(client)
    token = await password_token(client, app)
    assert (
        await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    ).status_code == 200
    form = {"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token}
    for _ in range(2):
        response = await client.post("/oauth/revoke", form=form)
        assert response.status_code == 200 and await response.get_json() == {}
    after = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert after.status_code == 401


async def test_revoke_another_apps_token_is_403(client, svc):
    """An app cannot revoke a token issued to a different app."""
    await make_user(svc, "alice")
    owner = await register(client)
    other = await register(client, client_name="Other")
    token = await password_token(client, owner)
    response = await client.post(
        "/oauth/revoke",
        form={
            "client_id": other["client_id"],
            "client_secret": other["client_secret"],
            "token": token,
        },
    )
    body = await response.get_json()
    assert response.status_code == 403 and body["error"] == "unauthorized_client"
    still = await client.get("/api/v1/apps/verify_credentials", headers=bearer(token))
    assert still.status_code == 200


async def test_authorization_server_metadata(client, svc):
    """The RFC 8414 document lists absolute endpoints, S256 and the enabled grants."""
    response = await client.get("/.well-known/oauth-authorization-server")
    body = await response.get_json()
    base = svc.base_url
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert body["issuer"] == base + "/"
    assert body["authorization_endpoint"] == base + "/oauth/authorize"
    assert body["token_endpoint"] == base + "/oauth/token"
    assert body["revocation_endpoint"] == base + "/oauth/revoke"
    assert body["app_registration_endpoint"] == base + "/api/v1/apps"
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["response_types_supported"] == ["code"]
    assert body["grant_types_supported"] == [
        "authorization_code",
        "client_credentials",
        "password",
    ]
    assert {"read", "write", "follow", "push", "read:statuses"} <= set(body["scopes_supported"])
    assert set(body["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }


async def test_token_errors_are_json_with_cors(client):
    """Token endpoint errors are JSON with the CORS header (browser clients read them)."""
    response = await client.post(
        "/oauth/token", data="{broken", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.content_type.startswith("application/json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "error" in json.loads(await response.get_data(as_text=True))
