"""Small files browsers and crawlers ask for at fixed paths: favicon and robots.txt."""

from __future__ import annotations

from quart import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("assets", __name__)

ROBOTS = "User-agent: *\nDisallow: /settings\nDisallow: /admin\nDisallow: /auth/\n"


@bp.get("/favicon.ico")
async def favicon() -> Response:
    """The instance icon (SVG; browsers accept it at this path)."""
    response = await send_from_directory(
        current_app.static_folder or "", "favicon.svg", mimetype="image/svg+xml"
    )
    response.cache_control.max_age = 86400
    return response


@bp.get("/robots.txt")
async def robots() -> Response:
    """Keep crawlers out of private pages."""
    return Response(ROBOTS, content_type="text/plain; charset=utf-8")
