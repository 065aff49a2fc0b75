"""Browser auth for web pages: the session cookie, the viewer, CSRF tokens, page rendering."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import quote, unquote

from quart import Response, current_app, g, redirect, request

from fedi.accounts.sessions import Viewer, viewer_for_token
from fedi.context import Services
from fedi.errors import Forbidden, Unauthorized
from fedi.web.templating import render

SESSION_COOKIE = "fedi_session"
CSRF_COOKIE = "fedi_csrf"
NOTICE_COOKIE = "fedi_notice"
SESSION_MAX_AGE = 60 * 60 * 24 * 30
# Paths whose POSTs are not browser forms (bearer tokens, signatures) and skip CSRF.
CSRF_EXEMPT_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/inbox")

P = ParamSpec("P")
R = TypeVar("R")


def services() -> Services:
    """The Services of the running app."""
    return current_app.extensions["fedi"]  # type: ignore[no-any-return]


def viewer() -> Viewer | None:
    """The logged-in viewer of this request, or None."""
    return g.get("viewer")


def require_viewer() -> Viewer:
    """The viewer, or Unauthorized (the error handler redirects pages to /login)."""
    current = viewer()
    if current is None:
        raise Unauthorized()
    return current


def login_required(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R | Response]]:
    """Redirect to /login (and back afterwards) when nobody is logged in."""

    @wraps(view)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if viewer() is None:
            return redirect("/login?next=" + quote(request.full_path.rstrip("?"), safe="/"))  # type: ignore[return-value]
        return await view(*args, **kwargs)

    return wrapped


def staff_required(view: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R | Response]]:
    """Only admins and moderators; others get 403."""

    @wraps(view)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        current = viewer()
        if current is None:
            return redirect("/login?next=" + quote(request.path, safe="/"))  # type: ignore[return-value]
        if not current.is_staff:
            raise Forbidden("Only administrators and moderators can see this page.")
        return await view(*args, **kwargs)

    return wrapped


def _csrf_token_for(cookie_value: str) -> str:
    return hmac.new(
        services().secret_key, b"csrf:" + cookie_value.encode(), hashlib.sha256
    ).hexdigest()


def csrf_token() -> str:
    """The token every form on this page must send back as `csrf_token`."""
    return _csrf_token_for(g.csrf_cookie)


async def load_viewer() -> None:
    """before_request: read the session and CSRF cookies (the client API uses tokens and
    inboxes signatures instead)."""
    g.viewer = None
    if request.path.startswith("/api/") or request.path.endswith("/inbox"):
        g.csrf_cookie = g.notice = g.csrf_token = ""
        return
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        g.viewer = await viewer_for_token(services(), token)
        if g.viewer is None:
            g.clear_session_cookie = True
    g.csrf_cookie = request.cookies.get(CSRF_COOKIE) or ""
    if len(g.csrf_cookie) < 20:
        g.csrf_cookie = secrets.token_urlsafe(24)
        g.set_csrf_cookie = True
    g.notice = request.cookies.get(NOTICE_COOKIE, "")
    # Macros imported without context read the token from g (templates/partials/macros.html).
    g.csrf_token = _csrf_token_for(g.csrf_cookie)


async def check_csrf() -> None:
    """before_request: every state-changing browser form must carry a valid CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    path = request.path
    if path.startswith(CSRF_EXEMPT_PREFIXES) or path.endswith("/inbox"):
        return
    form = await request.form
    sent = form.get("csrf_token", "") or request.headers.get("X-CSRF-Token", "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not sent or not hmac.compare_digest(sent, _csrf_token_for(cookie)):
        raise Forbidden(
            "This form has expired or was sent from another site. "
            "Go back, reload the page and try again."
        )


def _secure() -> bool:
    return services().config.server.scheme == "https"


def set_session_cookie(response: Response, token: str) -> None:
    """Attach the session cookie (HttpOnly, SameSite=Lax, Secure under https)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=_secure(),
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=_secure()
    )


async def finish_response(response: Response) -> Response:
    """after_request: cookies decided during the request."""
    if g.get("set_csrf_cookie"):
        response.set_cookie(
            CSRF_COOKIE,
            g.csrf_cookie,
            max_age=SESSION_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=_secure(),
            path="/",
        )
    if g.get("clear_session_cookie") and SESSION_COOKIE not in str(
        response.headers.getlist("Set-Cookie")
    ):
        clear_session_cookie(response)
    if g.get("notice") and not g.get("notice_set") and response.status_code < 300:
        response.delete_cookie(NOTICE_COOKIE, path="/")
    return response


def redirect_with_notice(location: str, notice: str) -> Response:
    """Redirect (303) and show a one-line notice on the next page."""
    response = redirect(location, 303)
    response.set_cookie(
        NOTICE_COOKIE,
        quote(notice),
        max_age=60,
        httponly=True,
        samesite="Lax",
        secure=_secure(),
        path="/",
    )
    g.notice_set = True
    return response  # type: ignore[return-value]


def client_ip() -> str:
    """The client's address (the direct peer; proxies are not trusted yet)."""
    return request.remote_addr or ""


def user_agent() -> str:
    return request.headers.get("User-Agent", "")[:512]


async def page(template: str, *, status: int = 200, **context: Any) -> Response:
    """Render a page template with the shared context (viewer, csrf, instance, notice)."""
    html = render(
        current_app,  # type: ignore[arg-type]
        template,
        {
            "current_user": viewer(),
            "csrf_token": g.get("csrf_token", ""),
            "instance": services().config.instance,
            "notice": unquote(g.get("notice", "")) if not g.get("notice_set") else "",
            "unread_notifications": g.get("unread_notifications", 0),
            **context,
        },
    )
    return Response(html, status=status, content_type="text/html; charset=utf-8")
