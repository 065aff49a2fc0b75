"""`/api/v1/announcements` (reference §5.8): the instance's current announcements with the
viewer's `read` state and reactions, dismissing them, and reacting with unicode emoji."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.announcements import (
    add_reaction,
    current_announcements,
    dismiss_announcement,
    remove_reaction,
)
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_announcements import announcement_entity
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_announcements", __name__)


@bp.get("/api/v1/announcements")
@api_auth("read")
async def announcements() -> Response:
    """Current announcements, oldest first; `with_dismissed=false` leaves out dismissed ones."""
    params = await api_params()
    svc = services()
    found = await current_announcements(
        svc, current_account().id, with_dismissed=params.bool("with_dismissed", True)
    )
    return api_json([announcement_entity(svc, v) for v in found])


@bp.post("/api/v1/announcements/<int:announcement_id>/dismiss")
@api_auth("write", "write:accounts")
async def dismiss(announcement_id: int) -> Response:
    """Mark an announcement read for the viewer."""
    await dismiss_announcement(services(), current_account().id, announcement_id)
    return api_json({})


@bp.put("/api/v1/announcements/<int:announcement_id>/reactions/<path:name>")
@api_auth("write", "write:favourites")
async def react(announcement_id: int, name: str) -> Response:
    """Add a unicode emoji reaction (422 for anything else)."""
    await add_reaction(services(), current_account().id, announcement_id, name)
    return api_json({})


@bp.delete("/api/v1/announcements/<int:announcement_id>/reactions/<path:name>")
@api_auth("write", "write:favourites")
async def unreact(announcement_id: int, name: str) -> Response:
    """Withdraw the viewer's reaction."""
    await remove_reaction(services(), current_account().id, announcement_id, name)
    return api_json({})
