"""OAuth2 endpoints: the authorize pages (log in, consent, out-of-band code), the token and
revocation endpoints, and the authorization server metadata."""

from __future__ import annotations

import base64
from urllib.parse import unquote_plus, urlencode

from quart import Blueprint, Response, request

from fedi.accounts.credentials import LoginAttempt, LoginRefused, log_in
from fedi.oauth.apps import safe_website
from fedi.oauth.authorize import (
    AuthorizeProblem,
    AuthorizeRefusal,
    AuthorizeRequest,
    Consent,
    approve,
    check_authorization,
    code_redirect,
    denial_redirect,
)
from fedi.oauth.grants import OAuthError, TokenRequest, exchange, revoke, server_metadata
from fedi.oauth.scopes import describe_scopes
from fedi.web.api.params import Params, api_params
from fedi.web.api.responses import NO_STORE, api_json
from fedi.web.auth import (
    SESSION_COOKIE,
    client_ip,
    page,
    services,
    set_session_cookie,
    user_agent,
    viewer,
)

bp = Blueprint("oauth", __name__)

AUTHORIZE_PATH = "/oauth/authorize"


def _authorize_request(values: Params) -> AuthorizeRequest:
    return AuthorizeRequest(
        response_type=values.str("response_type"),
        client_id=values.str("client_id").strip(),
        redirect_uri=values.str("redirect_uri"),
        scope=values.opt_str("scope"),
        state=values.str("state"),
        code_challenge=values.str("code_challenge"),
        code_challenge_method=values.str("code_challenge_method"),
    )


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = NO_STORE
    return response


def _go(location: str) -> Response:
    """A 302 to `location` exactly as given (custom schemes and all; never re-parsed)."""
    response = Response("", status=302)
    response.headers["Location"] = location
    return _no_store(response)


async def _problem_page(exc: AuthorizeProblem | AuthorizeRefusal) -> Response:
    return _no_store(
        await page(
            "pages/error.html",
            status=400,
            error_code=400,
            title="This sign-in link does not work",
            message=exc.safe_message,
        )
    )


async def _refused(exc: AuthorizeProblem | AuthorizeRefusal) -> Response:
    """Errors go back to a registered redirect URI; otherwise the person reads them here."""
    if isinstance(exc, AuthorizeRefusal) and not exc.oob:
        return _go(exc.location)
    return await _problem_page(exc)


async def _login_page(
    consent: Consent, *, login: str = "", error: str = "", status: int = 200
) -> Response:
    return _no_store(
        await page(
            "pages/oauth_authorize.html",
            status=status,
            step="login",
            consent=consent,
            website=safe_website(consent.app),
            fields=consent.form_fields(),
            login=login,
            error=error,
        )
    )


async def _consent_page(consent: Consent) -> Response:
    switch = AUTHORIZE_PATH + "?" + urlencode([*consent.form_fields(), ("force_login", "true")])
    return _no_store(
        await page(
            "pages/oauth_authorize.html",
            step="consent",
            consent=consent,
            website=safe_website(consent.app),
            fields=consent.form_fields(),
            scopes=describe_scopes(consent.scopes),
            switch_url=switch,
        )
    )


@bp.get(AUTHORIZE_PATH)
async def authorize() -> Response:
    """Ask the person to log in (if needed, or when `force_login`), then to approve the app."""
    params = await api_params()
    try:
        consent = await check_authorization(services(), _authorize_request(params))
    except (AuthorizeProblem, AuthorizeRefusal) as exc:
        return await _refused(exc)
    if viewer() is None or params.bool("force_login"):
        return await _login_page(consent)
    return await _consent_page(consent)


@bp.post(AUTHORIZE_PATH)
async def authorize_submit() -> Response:
    """The login form (starts a browser session too) or the Approve/Deny decision."""
    form = Params(dict((await request.form).items()))
    try:
        consent = await check_authorization(services(), _authorize_request(form))
    except (AuthorizeProblem, AuthorizeRefusal) as exc:
        return await _refused(exc)
    if form.str("step") == "login":
        attempt = LoginAttempt(
            login=form.str("login"),
            password=form.str("password"),
            ip=client_ip(),
            user_agent=user_agent(),
            previous_token=request.cookies.get(SESSION_COOKIE, ""),
        )
        try:
            token = await log_in(services(), attempt)
        except LoginRefused as exc:
            return await _login_page(
                consent, login=attempt.login, error=exc.safe_message, status=exc.status
            )
        response = Response("", status=303)
        response.headers["Location"] = AUTHORIZE_PATH + "?" + urlencode(consent.form_fields())
        set_session_cookie(response, token)
        return _no_store(response)
    current = viewer()
    if current is None:
        return await _login_page(consent)
    if form.str("decision") != "approve":
        if consent.oob:
            return _no_store(
                await page("pages/oauth_code.html", status=200, consent=consent, code="")
            )
        return _go(denial_redirect(consent))
    code = await approve(services(), current, consent)
    if consent.oob:
        return _no_store(await page("pages/oauth_code.html", consent=consent, code=code))
    return _go(code_redirect(consent, code))


def _client_credentials(params: Params) -> tuple[str, str]:
    """client_id and client_secret from HTTP Basic (RFC 6749 2.3.1) or the parameters."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        client_id, sep, secret = decoded.partition(":")
        if sep:
            return unquote_plus(client_id), unquote_plus(secret)
    return params.str("client_id").strip(), params.str("client_secret").strip()


def _oauth_error(exc: OAuthError) -> Response:
    response = api_json({"error": exc.error, "error_description": exc.safe_message}, exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="fedi"'
    return response


@bp.post("/oauth/token")
async def token() -> Response:
    """Exchange a code, client credentials or a password for an access token."""
    params = await api_params()
    client_id, client_secret = _client_credentials(params)
    token_request = TokenRequest(
        grant_type=params.str("grant_type").strip(),
        client_id=client_id,
        client_secret=client_secret,
        code=params.str("code").strip(),
        redirect_uri=params.str("redirect_uri"),
        code_verifier=params.str("code_verifier").strip(),
        scope=params.opt_str("scope"),
        username=params.str("username"),
        password=params.str("password"),
        ip=client_ip(),
        user_agent=user_agent(),
    )
    try:
        issued = await exchange(services(), token_request)
    except OAuthError as exc:
        return _oauth_error(exc)
    return api_json(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "scope": issued.scope,
            "created_at": issued.created_at,
        }
    )


@bp.post("/oauth/revoke")
async def revoke_token() -> Response:
    """Revoke one of the app's tokens: 200 `{}` (also for an unknown token)."""
    params = await api_params()
    client_id, client_secret = _client_credentials(params)
    try:
        await revoke(
            services(),
            client_id=client_id,
            client_secret=client_secret,
            token=params.str("token").strip(),
        )
    except OAuthError as exc:
        return _oauth_error(exc)
    return api_json({})


@bp.get("/.well-known/oauth-authorization-server")
async def metadata() -> Response:
    """RFC 8414 metadata: endpoints, scopes, grant types, PKCE methods."""
    return api_json(server_metadata(services()))
