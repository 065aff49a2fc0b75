"""Bearer-token authentication and per-endpoint scopes for the client API.

Usage, below the route decorator:
    @bp.get("/api/v1/timelines/home")
    @api_auth("read:statuses")                 # a user token with that scope (or `read`)
    @api_auth("read:statuses", user=None)      # public endpoint; a token is honoured if sent
    @api_auth("read", user=False)              # any token of the app (client_credentials ok)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from quart import g, request

from fedi.accounts.sessions import Viewer
from fedi.errors import FediError, Forbidden, Unauthorized
from fedi.oauth.scopes import allows_any
from fedi.oauth.tokens import Grant, authenticate
from fedi.storage.rows import Account
from fedi.web.auth import services

P = ParamSpec("P")
R = TypeVar("R")

INVALID_TOKEN = "The access token is invalid"
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
NEEDS_USER = "This method requires an authenticated user"


class NeedsUser(FediError):
    status = 422
    default_message = NEEDS_USER


def bearer_token() -> str:
    """The token from `Authorization: Bearer`, or the `access_token` parameter."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("access_token", "")


async def load_grant() -> Grant | None:
    """Authenticate the request's token once (None when no token was sent)."""
    if "api_grant_loaded" in g:
        return g.api_grant
    token = bearer_token()
    grant = None
    if token:
        grant = await authenticate(services(), token)
        if grant is None:
            raise Unauthorized(INVALID_TOKEN)
    g.api_grant = grant
    g.api_grant_loaded = True
    return grant


def check_grant(grant: Grant | None, scopes: tuple[str, ...], user: bool | None) -> None:
    """Raise the Mastodon error for a missing token, a missing scope or an app-only token."""
    if grant is None:
        if user is None:
            return
        raise Unauthorized(INVALID_TOKEN)
    if scopes and not allows_any(grant.scopes, scopes):
        raise Forbidden(OUTSIDE_SCOPES)
    if user and not grant.is_user:
        raise NeedsUser()


def api_auth(
    *scopes: str, user: bool | None = True
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Require a token holding any of `scopes`; `user=None` makes the token optional."""

    def decorate(handler: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @wraps(handler)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            check_grant(await load_grant(), scopes, user)
            return await handler(*args, **kwargs)

        return wrapper

    return decorate


def current_grant() -> Grant | None:
    """The grant of this request (after @api_auth)."""
    return g.get("api_grant")


def current_account() -> Account:
    """The token's account (after @api_auth with a user token)."""
    grant = g.get("api_grant")
    if grant is None or grant.account is None:
        raise Unauthorized(INVALID_TOKEN)
    return grant.account


def viewer_id() -> int | None:
    """The token's account id, or None for anonymous or app-only requests."""
    grant = g.get("api_grant")
    return None if grant is None or grant.account is None else grant.account.id


def current_viewer() -> Viewer:
    """The token's account and user as the services' Viewer (after @api_auth, user token)."""
    grant = g.get("api_grant")
    if grant is None or grant.account is None or grant.user is None:
        raise Unauthorized(INVALID_TOKEN)
    return Viewer(account=grant.account, user=grant.user)
