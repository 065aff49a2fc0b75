"""`/api/v1/announcements` (reference §5.8): administrators cannot write announcements yet, so
the list is empty and every announcement id is unknown."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.errors import NotFound
from fedi.web.api.auth import api_auth
from fedi.web.api.responses import api_json

bp = Blueprint("api_announcements", __name__)

NOT_FOUND = "Record not found"


@bp.get("/api/v1/announcements")
@api_auth(user=None)
async def announcements() -> Response:
    """Active announcements: none yet."""
    return api_json([])


@bp.post("/api/v1/announcements/<int:announcement_id>/dismiss")
@bp.put("/api/v1/announcements/<int:announcement_id>/reactions/<path:name>")
@bp.delete("/api/v1/announcements/<int:announcement_id>/reactions/<path:name>")
@api_auth("write:accounts")
async def unknown_announcement(announcement_id: int, name: str = "") -> Response:
    """There are no announcements to dismiss or react to."""
    del announcement_id, name
    raise NotFound(NOT_FOUND)
