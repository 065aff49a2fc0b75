"""`/media/<key>`: stored media files, with strict headers (never sniffed, never active)."""

from __future__ import annotations

from quart import Blueprint, Response, send_file

from fedi.media.serve import find_file
from fedi.web.auth import services

bp = Blueprint("media", __name__)

ONE_YEAR = 31_536_000
MEDIA_CSP = "default-src 'none'; sandbox"


@bp.get("/media/<path:key>")
async def media_file(key: str) -> Response:
    """A stored file (content-addressed, so cacheable for ever); Range requests for video/audio."""
    found = await find_file(services(), key)
    response = await send_file(found.path, mimetype=found.content_type, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers.pop("Expires", None)
    return response
