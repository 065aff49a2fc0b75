"""Registered client applications (`POST /api/v1/apps`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.oauth.scopes import parse_scopes, unknown_scopes
from fedi.oauth.tokens import forget, new_secret
from fedi.storage import oauth as oauth_store
from fedi.storage.rows import OAuthApp

OOB = "urn:ietf:wg:oauth:2.0:oob"
# Any absolute URI: a scheme, a colon, and something after it, in printable ASCII (it goes
# into a Location header verbatim). Interop: Ivory registers
# `com.tapbots.Ivory.NNNN:/request_token` (no `//`), Tusky `oauth2redirect://...`.
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[\x21-\x7e]+$")
MAX_NAME = 200
MAX_URIS = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class NewApp:
    """What a client sends to register."""

    name: str
    redirect_uris: list[str]
    scopes: str | list[str] | None
    website: str | None = None


def split_redirect_uris(value: str | list[str] | None) -> list[str]:
    """A newline-separated string or a list into URIs, kept verbatim."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split("\n")
    return [str(item).strip() for item in items if str(item).strip()]


def check_new_app(new: NewApp) -> dict[str, str]:
    """Field errors for an app registration."""
    errors: dict[str, str] = {}
    if not new.name.strip():
        errors["client_name"] = "can't be blank"
    elif len(new.name) > MAX_NAME:
        errors["client_name"] = f"is too long (maximum is {MAX_NAME} characters)"
    if not new.redirect_uris:
        errors["redirect_uris"] = "can't be blank"
    elif sum(len(u) for u in new.redirect_uris) > MAX_URIS:
        errors["redirect_uris"] = "are too long"
    else:
        bad = [u for u in new.redirect_uris if u != OOB and not _ABSOLUTE_URI.match(u)]
        if bad:
            errors["redirect_uris"] = "must be absolute URIs"
    unknown = unknown_scopes(parse_scopes(new.scopes))
    if unknown:
        errors["scopes"] = "are not known: " + " ".join(unknown)
    return errors


async def register_app(svc: Services, new: NewApp, *, owner_id: int | None = None) -> OAuthApp:
    """Validate and store an application; apps are never garbage-collected."""
    errors = check_new_app(new)
    if errors:
        raise Invalid(field_errors=errors)
    website = (new.website or "").strip() or None
    async with svc.db.write() as tx:
        return await oauth_store.insert_app(
            tx,
            name=new.name.strip(),
            website=website,
            redirect_uris="\n".join(new.redirect_uris),
            scopes=" ".join(parse_scopes(new.scopes)),
            client_id=new_secret(),
            client_secret=new_secret(),
            owner_id=owner_id,
        )


async def app_by_client_id(svc: Services, client_id: str) -> OAuthApp:
    """A registered app, or NotFound."""
    async with svc.db.read() as conn:
        app = await oauth_store.get_app_by_client_id(conn, client_id)
    if app is None:
        raise NotFound("Client authentication failed due to unknown client.")
    return app


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizedApp:
    """An app holding live tokens for the viewer: what it may do and when it last did."""

    app: OAuthApp
    scopes: list[str]
    last_used_at: str

    @property
    def website(self) -> str:
        return safe_website(self.app)


def safe_website(app: OAuthApp) -> str:
    """The app's website when it is an http(s) URL (safe to link), else ""."""
    website = (app.website or "").strip()
    return website if website.lower().startswith(("https://", "http://")) else ""


async def authorized_apps(svc: Services, viewer: Viewer) -> list[AuthorizedApp]:
    """Apps the viewer has authorized and not revoked, most recently used first."""
    async with svc.db.read() as conn:
        rows = await oauth_store.list_authorized_apps(conn, viewer.account.id)
    return [
        AuthorizedApp(app=app, scopes=parse_scopes(granted.split()), last_used_at=last_used)
        for app, granted, last_used in rows
    ]


async def revoke_authorization(svc: Services, viewer: Viewer, app_id: int) -> OAuthApp:
    """Revoke every token an app holds for the viewer (it must sign in again); NotFound if none.

    Writes revoked_at and drops the tokens from the in-process cache.
    """
    async with svc.db.write() as tx:
        app = await oauth_store.get_app(tx, app_id)
        hashes = await oauth_store.revoke_app_tokens(tx, viewer.account.id, app_id)
    if app is None or not hashes:
        raise NotFound("This app has no access to your account.")
    forget(svc, hashes)
    return app
