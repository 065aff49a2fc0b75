"""The single mapping from errors to responses: HTML page, Mastodon JSON error, or plain."""

from __future__ import annotations

import logging
from urllib.parse import quote

from quart import Quart, Response, jsonify, redirect, request
from werkzeug.exceptions import HTTPException

from fedi.errors import FediError, Invalid, RateLimited
from fedi.web.auth import page

logger = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Too large",
    422: "Please check what you entered",
    429: "Slow down",
    500: "Something went wrong",
    502: "Another server failed",
}


def wants_json() -> bool:
    """API, federation and discovery paths answer errors in JSON, pages in HTML."""
    if request.path.startswith(
        ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo/")
    ):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


async def error_response(
    status: int, message: str, *, extra: dict[str, object] | None = None
) -> Response:
    """An error in the form the client expects."""
    if wants_json():
        body: dict[str, object] = {"error": message}
        if extra:
            body.update(extra)
        response = jsonify(body)
        response.status_code = status
        return response
    return await page(
        "pages/error.html",
        status=status,
        error_code=status,
        title=TITLES.get(status, "Error"),
        message=message,
    )


def _local_referrer() -> str:
    """The path of the page a form was sent from, when it is on this site; else /."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        path = "/" + referrer[len(request.host_url) :].lstrip("/")
        if not path.startswith("//"):
            return path
    return "/"


def register_error_handlers(app: Quart) -> None:
    """Install the handlers for FediError, HTTP errors and unexpected exceptions."""

    @app.errorhandler(FediError)
    async def on_fedi_error(exc: FediError) -> Response:
        if exc.status >= 500:
            logger.error("error %s: %s", type(exc).__name__, exc.detail or exc.safe_message)
        elif exc.detail:
            logger.info("refused %s: %s", type(exc).__name__, exc.detail)
        extra: dict[str, object] = {}
        if isinstance(exc, Invalid) and exc.field_errors:
            extra["details"] = {
                k: [{"error": "ERR_INVALID", "description": v}] for k, v in exc.field_errors.items()
            }
        if exc.status == 401 and not wants_json():
            # A logged-out click on Like/Follow (a POST) also goes to the login page, and back
            # to the page it came from afterwards.
            back = request.path if request.method == "GET" else _local_referrer()
            return redirect("/login?next=" + quote(back, safe="/@"), 303)  # type: ignore[return-value]
        message = exc.safe_message
        if isinstance(exc, Invalid) and exc.field_errors and request.path.startswith("/api/"):
            # Mastodon's form; the field named so a client (and its user) knows what to fix.
            message = "Validation failed: " + "; ".join(
                f"{name}: {text}" for name, text in exc.field_errors.items()
            )
        response = await error_response(exc.status, message, extra=extra)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    async def on_http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        messages = {
            404: "There is nothing at this address.",
            405: "This address does not accept that kind of request.",
            413: "What you sent is too large.",
        }
        return await error_response(
            status, messages.get(status, exc.description or TITLES.get(status, "Error"))
        )

    @app.errorhandler(Exception)
    async def on_unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return await error_response(500, "Something went wrong on our side. Please try again.")
