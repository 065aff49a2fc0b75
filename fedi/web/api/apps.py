"""`POST /api/v1/apps` (register a client app) and `GET /api/v1/apps/verify_credentials`."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response

from fedi.oauth.apps import NewApp, register_app, split_redirect_uris
from fedi.push.vapid import vapid_public_key
from fedi.storage.rows import OAuthApp
from fedi.web.api.auth import api_auth, current_grant
from fedi.web.api.params import Params, api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_apps", __name__)


def verified_app_entity(app: OAuthApp, *, vapid_key: str = "") -> dict[str, Any]:
    """The Application entity (as `verify_credentials` shows it)."""
    uris = app.redirect_uri_list
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        # Interop: deprecated, but Elk still reads it when the v2 instance has none.
        "vapid_key": vapid_key,
    }


def credential_application_entity(app: OAuthApp, *, vapid_key: str = "") -> dict[str, Any]:
    """The CredentialApplication entity: the Application plus its client credentials.

    Interop: `redirect_uri` is deprecated but required by Ice Cubes' decoder, and the official
    iOS app uses it as the redirect it then sends.
    """
    return {
        **verified_app_entity(app, vapid_key=vapid_key),
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "client_secret_expires_at": 0,
    }


def _redirect_uris(params: Params) -> list[str]:
    """`redirect_uris` as a newline-separated string, repeated keys or a JSON array."""
    for name in ("redirect_uris", "redirect_uri"):
        value = params.get(name)
        if isinstance(value, list):
            return split_redirect_uris([v for v in value if isinstance(v, str)])
        if value is not None:
            return split_redirect_uris(params.str(name))
    return []


def _scopes(params: Params) -> str | list[str] | None:
    value = params.get("scopes")
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    text = params.str("scopes").strip()
    return text or None


@bp.post("/api/v1/apps")
async def create_app() -> Response:
    """Register an app: form, JSON, multipart or query string alike; 422 names a bad field."""
    params = await api_params()
    new = NewApp(
        name=params.str("client_name"),
        redirect_uris=_redirect_uris(params),
        scopes=_scopes(params),
        website=params.opt_str("website"),
    )
    svc = services()
    app = await register_app(svc, new)
    return api_json(credential_application_entity(app, vapid_key=await vapid_public_key(svc)))


@bp.get("/api/v1/apps/verify_credentials")
@api_auth(user=False)
async def verify_credentials() -> Response:
    """The app a token belongs to (any token of the app, user or client_credentials)."""
    grant = current_grant()
    assert grant is not None
    return api_json(verified_app_entity(grant.app, vapid_key=await vapid_public_key(services())))
