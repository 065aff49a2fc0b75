"""The authorization step of OAuth2: check an `/oauth/authorize` request, issue a code, and
build the redirect back to the app.

Interop: redirect URIs are compared and echoed byte for byte and the answer is appended by string
concatenation, never by re-parsing the URI: Python's urlparse/urlunparse turns `icecubesapp://`
into `icecubesapp:` and lowercases `com.tapbots.Ivory.NNNN:/request_token`, and Elk's redirect
URI carries a percent-encoded URL in its path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.errors import FediError
from fedi.oauth.apps import OOB
from fedi.oauth.scopes import parse_scopes, subset_of, unknown_scopes
from fedi.oauth.tokens import hash_secret, new_secret
from fedi.storage import oauth as oauth_store
from fedi.storage.clock import db_in
from fedi.storage.rows import OAuthApp

CODE_LIFETIME = timedelta(minutes=10)
PKCE_METHOD = "S256"
# RFC 7636 section 4.2: 43 to 128 characters of the unreserved set.
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
MAX_STATE = 2000


class AuthorizeProblem(FediError):
    """The request cannot be answered through the app (unknown client, unregistered redirect):
    the person sees a page saying why, and nothing is sent anywhere."""

    status = 400
    default_message = "This sign-in link is not valid."


class AuthorizeRefusal(FediError):
    """An OAuth error to hand back to the app at its (registered) redirect URI."""

    status = 400

    def __init__(self, error: str, description: str, *, redirect_uri: str, state: str) -> None:
        super().__init__(description)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state

    @property
    def location(self) -> str:
        """Where to send the browser: the redirect URI with `error`, its description and state."""
        pairs = [("error", self.error), ("error_description", self.safe_message)]
        if self.state:
            pairs.append(("state", self.state))
        return redirect_location(self.redirect_uri, pairs)

    @property
    def oob(self) -> bool:
        return self.redirect_uri == OOB


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizeRequest:
    """The query (or form) of `/oauth/authorize`, as sent."""

    response_type: str
    client_id: str
    redirect_uri: str
    scope: str | None
    state: str = ""
    code_challenge: str = ""
    code_challenge_method: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Consent:
    """A checked authorization request: what the person is asked to approve."""

    app: OAuthApp
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str
    code_challenge: str | None
    challenge_method: str | None

    @property
    def oob(self) -> bool:
        """Whether the code is shown on a page for the person to paste (no redirect)."""
        return self.redirect_uri == OOB

    def form_fields(self) -> list[tuple[str, str]]:
        """The request as (name, value) pairs, for hidden inputs and our own links."""
        fields = [
            ("response_type", "code"),
            ("client_id", self.app.client_id),
            ("redirect_uri", self.redirect_uri),
            ("scope", " ".join(self.scopes)),
        ]
        if self.state:
            fields.append(("state", self.state))
        if self.code_challenge:
            fields.append(("code_challenge", self.code_challenge))
            fields.append(("code_challenge_method", self.challenge_method or PKCE_METHOD))
        return fields


def redirect_location(redirect_uri: str, pairs: list[tuple[str, str]]) -> str:
    """`redirect_uri` plus `?` (or `&` when it has a query) and the encoded pairs, by string
    concatenation; a fragment stays at the end."""
    base, hash_mark, fragment = redirect_uri.partition("#")
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='-._~')}" for k, v in pairs)
    joiner = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        joiner = ""
    return base + joiner + query + hash_mark + fragment


def code_redirect(consent: Consent, code: str) -> str:
    """Where an approval sends the browser: the app's redirect URI with `code` and `state`."""
    pairs = [("code", code)]
    if consent.state:
        pairs.append(("state", consent.state))
    return redirect_location(consent.redirect_uri, pairs)


def denial_redirect(consent: Consent) -> str:
    """Where a denial sends the browser: `error=access_denied` (and `state`)."""
    return AuthorizeRefusal(
        "access_denied",
        "The resource owner or authorization server denied the request.",
        redirect_uri=consent.redirect_uri,
        state=consent.state,
    ).location


async def check_authorization(svc: Services, request: AuthorizeRequest) -> Consent:
    """Validate an authorization request against the registered app.

    Raises AuthorizeProblem for an unknown client or a redirect URI that is not registered
    (shown to the person), AuthorizeRefusal for errors the app should hear about.
    """
    if not request.client_id:
        raise AuthorizeProblem("The link does not name an app (client_id is missing).")
    async with svc.db.read() as conn:
        app = await oauth_store.get_app_by_client_id(conn, request.client_id)
    if app is None:
        raise AuthorizeProblem(
            "The app that sent you here is not registered on this server. "
            "Go back to the app and try signing in again."
        )
    registered = app.redirect_uri_list
    redirect_uri = request.redirect_uri
    if not redirect_uri and len(registered) == 1:
        redirect_uri = registered[0]
    if redirect_uri not in registered:
        raise AuthorizeProblem(
            f"The app “{app.name}” asked to send you to an address it did not register "
            "(redirect_uri). For your safety we stopped here."
        )
    state = request.state[:MAX_STATE]

    def refuse(error: str, description: str) -> AuthorizeRefusal:
        return AuthorizeRefusal(error, description, redirect_uri=redirect_uri, state=state)

    if request.response_type != "code":
        raise refuse(
            "unsupported_response_type",
            "The authorization server does not support this response type (use code).",
        )
    scopes = parse_scopes(request.scope or None)
    unknown = unknown_scopes(scopes)
    if unknown:
        raise refuse("invalid_scope", "Unknown scope: " + " ".join(unknown))
    if not subset_of(scopes, app.scopes.split()):
        raise refuse(
            "invalid_scope", "The requested scope is not among the scopes the app registered."
        )
    challenge = request.code_challenge.strip()
    method = request.code_challenge_method.strip()
    if challenge or method:
        if method != PKCE_METHOD:
            raise refuse("invalid_request", "Only the S256 code_challenge_method is supported.")
        if not _CHALLENGE.match(challenge):
            raise refuse("invalid_request", "The code_challenge is missing or malformed.")
    return Consent(
        app=app,
        redirect_uri=redirect_uri,
        scopes=tuple(scopes),
        state=state,
        code_challenge=challenge or None,
        challenge_method=PKCE_METHOD if challenge else None,
    )


async def approve(svc: Services, viewer: Viewer, consent: Consent) -> str:
    """Issue a single-use authorization code (10 minutes) for the viewer; return it.

    Writes the code (hashed) and forgets expired ones.
    """
    code = new_secret()
    async with svc.db.write() as tx:
        await oauth_store.delete_expired_codes(tx)
        await oauth_store.insert_code(
            tx,
            code_hash=hash_secret(code),
            app_id=consent.app.id,
            account_id=viewer.account.id,
            redirect_uri=consent.redirect_uri,
            scopes=" ".join(consent.scopes),
            code_challenge=consent.code_challenge,
            challenge_method=consent.challenge_method,
            expires_at=db_in(CODE_LIFETIME),
        )
    return code


def pkce_matches(challenge: str, method: str | None, verifier: str) -> bool:
    """Whether a code_verifier answers the stored S256 challenge (RFC 7636)."""
    if (method or PKCE_METHOD) != PKCE_METHOD or not verifier:
        return False
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(expected, challenge)
