"""The token endpoint: exchange a code, client credentials or a password for an access token;
revoke a token; describe the server (RFC 8414 metadata)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from fedi.accounts.credentials import LoginAttempt, LoginRefused, check_login
from fedi.context import Services
from fedi.errors import FediError
from fedi.oauth.authorize import PKCE_METHOD, pkce_matches
from fedi.oauth.scopes import KNOWN, TOP_LEVEL, parse_scopes, subset_of, unknown_scopes
from fedi.oauth.tokens import forget, hash_secret, issue_token
from fedi.storage import oauth as oauth_store
from fedi.storage.clock import from_db
from fedi.storage.rows import OAuthApp, OAuthCode

GRANT_TYPES = ("authorization_code", "client_credentials", "password")
# Doorkeeper's wording; Interop: Elk re-registers its app when a 401's description mentions
# client authentication (or the error is invalid_client).
BAD_CLIENT = (
    "Client authentication failed due to unknown client, no client authentication included, "
    "or unsupported authentication method."
)
BAD_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match the "
    "redirection URI used in the authorization request, or was issued to another client."
)


class OAuthError(FediError):
    """An RFC 6749 error: `error` is the code (invalid_grant...), the message its description."""

    status = 400

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.status = status


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRequest:
    """What a client sends to `/oauth/token` (client credentials from the body or HTTP Basic)."""

    grant_type: str
    client_id: str
    client_secret: str
    code: str = ""
    redirect_uri: str = ""
    code_verifier: str = ""
    scope: str | None = None
    username: str = ""
    password: str = ""
    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedToken:
    """A new access token and what it allows."""

    access_token: str
    scopes: tuple[str, ...]
    created_at: int

    @property
    def scope(self) -> str:
        """The granted scopes, space-separated (clients compare them with what they asked)."""
        return " ".join(self.scopes)


async def authenticate_client(svc: Services, client_id: str, client_secret: str) -> OAuthApp:
    """The app these client credentials belong to, or OAuthError invalid_client (401)."""
    app = None
    if client_id:
        async with svc.db.read() as conn:
            app = await oauth_store.get_app_by_client_id(conn, client_id)
    if app is None or not hmac.compare_digest(
        app.client_secret.encode(), client_secret.encode("utf-8", "replace")
    ):
        raise OAuthError("invalid_client", BAD_CLIENT, status=401)
    return app


def _scopes_for(app: OAuthApp, scope: str | None) -> list[str]:
    scopes = parse_scopes(scope or None)
    if unknown_scopes(scopes) or not subset_of(scopes, app.scopes.split()):
        raise OAuthError(
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        )
    return scopes


def _epoch(stored: str) -> int:
    moment = from_db(stored)
    return int(moment.timestamp()) if moment else 0


def _code_problem(code: OAuthCode | None, app: OAuthApp, request: TokenRequest) -> str | None:
    if code is None or code.app_id != app.id:
        return BAD_GRANT
    if code.redirect_uri != request.redirect_uri:
        return "The redirect_uri does not match the one used in the authorization request."
    if code.code_challenge and not pkce_matches(
        code.code_challenge, code.challenge_method, request.code_verifier
    ):
        return "The code_verifier does not match the code_challenge (PKCE)."
    return None


async def _by_code(svc: Services, app: OAuthApp, request: TokenRequest) -> IssuedToken:
    if not request.code:
        raise OAuthError("invalid_request", "The code parameter is missing.")
    # The code is used up even when the exchange then fails (single use, RFC 6749 4.1.2).
    issued: IssuedToken | None = None
    async with svc.db.write() as tx:
        code = await oauth_store.use_code(tx, hash_secret(request.code))
        problem = _code_problem(code, app, request)
        if problem is None and code is not None:
            scopes = code.scopes.split()
            token, created = await issue_token(
                svc, tx, app=app, account_id=code.account_id, scopes=scopes
            )
            issued = IssuedToken(
                access_token=token, scopes=tuple(scopes), created_at=_epoch(created)
            )
    if issued is None:
        raise OAuthError("invalid_grant", problem or BAD_GRANT)
    return issued


async def _by_password(svc: Services, app: OAuthApp, request: TokenRequest) -> IssuedToken:
    scopes = _scopes_for(app, request.scope)
    attempt = LoginAttempt(
        login=request.username,
        password=request.password,
        ip=request.ip,
        user_agent=request.user_agent,
    )
    try:
        _, account = await check_login(svc, attempt)
    except LoginRefused as exc:
        raise OAuthError("invalid_grant", exc.safe_message) from None
    async with svc.db.write() as tx:
        token, created = await issue_token(svc, tx, app=app, account_id=account.id, scopes=scopes)
    return IssuedToken(access_token=token, scopes=tuple(scopes), created_at=_epoch(created))


async def _by_client(svc: Services, app: OAuthApp, request: TokenRequest) -> IssuedToken:
    scopes = _scopes_for(app, request.scope)
    async with svc.db.write() as tx:
        token, created = await issue_token(svc, tx, app=app, account_id=None, scopes=scopes)
    return IssuedToken(access_token=token, scopes=tuple(scopes), created_at=_epoch(created))


async def exchange(svc: Services, request: TokenRequest) -> IssuedToken:
    """Issue an access token for a grant; OAuthError with the RFC 6749 code otherwise.

    Grants: authorization_code (single use, redirect URI and PKCE checked), client_credentials
    (an app-only token) and password (only when `[api] password_grant` is on). Writes the token.
    """
    grant = request.grant_type
    if not grant:
        raise OAuthError("invalid_request", "The grant_type parameter is missing.")
    if grant not in GRANT_TYPES or (grant == "password" and not svc.config.api.password_grant):
        raise OAuthError(
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )
    app = await authenticate_client(svc, request.client_id, request.client_secret)
    if grant == "authorization_code":
        return await _by_code(svc, app, request)
    if grant == "password":
        return await _by_password(svc, app, request)
    return await _by_client(svc, app, request)


async def revoke(svc: Services, *, client_id: str, client_secret: str, token: str) -> None:
    """Revoke one of the app's tokens (RFC 7009); unknown tokens are fine, another app's are not.

    Writes revoked_at and drops the token from the in-process cache.
    """
    app = await authenticate_client(svc, client_id, client_secret)
    if not token:
        return
    token_hash = hash_secret(token)
    async with svc.db.write() as tx:
        found = await oauth_store.find_token(tx, token_hash)
        if found is not None and found.app_id != app.id:
            raise OAuthError(
                "unauthorized_client",
                "You are not authorized to revoke this token.",
                status=403,
            )
        if found is not None:
            await oauth_store.revoke_token(tx, token_hash, app_id=app.id)
    forget(svc, [token_hash])


def grant_types(svc: Services) -> list[str]:
    """The grant types this server accepts now."""
    kinds = ["authorization_code", "client_credentials"]
    if svc.config.api.password_grant:
        kinds.append("password")
    return kinds


def server_metadata(svc: Services) -> dict[str, Any]:
    """The RFC 8414 authorization server metadata (`/.well-known/oauth-authorization-server`).

    Interop: Mastodon.py takes the endpoints and grant types from it, Phanpy turns PKCE on when
    S256 is listed.
    """
    scopes = list(TOP_LEVEL) + sorted(KNOWN - set(TOP_LEVEL))
    return {
        "issuer": svc.url("/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": svc.url("/oauth/authorize"),
        "token_endpoint": svc.url("/oauth/token"),
        "revocation_endpoint": svc.url("/oauth/revoke"),
        "app_registration_endpoint": svc.url("/api/v1/apps"),
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": [PKCE_METHOD],
        "grant_types_supported": grant_types(svc),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }
