"""Test helpers: an app and an access token made through the real OAuth services."""

from __future__ import annotations

from fedi.context import Services
from fedi.oauth.apps import OOB, NewApp, register_app
from fedi.oauth.tokens import issue_token
from fedi.storage.rows import Account, OAuthApp


async def make_app(
    svc: Services, *, name: str = "Test app", scopes: str = "read write follow push"
) -> OAuthApp:
    """A registered app with the out-of-band redirect URI."""
    return await register_app(svc, NewApp(name=name, redirect_uris=[OOB], scopes=scopes))


async def make_token(
    svc: Services, account: Account | None, *, scopes: str = "read write follow push"
) -> str:
    """A bearer token for `account` (None: an app-only client_credentials token)."""
    app = await make_app(svc, scopes=scopes)
    async with svc.db.write() as tx:
        token, _ = await issue_token(
            svc,
            tx,
            app=app,
            account_id=None if account is None else account.id,
            scopes=scopes.split(),
        )
    return token


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}
