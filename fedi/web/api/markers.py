"""`/api/v1/markers` (reference §5.8): reading positions in home and notifications."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import markers
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_misc import marker_entities
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_markers", __name__)


@bp.get("/api/v1/markers")
@api_auth("read:statuses")
async def get_markers() -> Response:
    """The markers of the timelines asked for (`timeline[]`), keyed by timeline."""
    params = await api_params()
    found = await markers.get_markers(services(), current_account(), params.list("timeline"))
    return api_json(marker_entities(found))


@bp.post("/api/v1/markers")
@api_auth("write:statuses")
async def save_markers() -> Response:
    """Set `home[last_read_id]` and/or `notifications[last_read_id]` (form or JSON)."""
    params = await api_params()
    positions = {
        timeline: str(params.dict(timeline).get("last_read_id", ""))
        for timeline in markers.TIMELINES
        if params.has(timeline)
    }
    saved = await markers.save_markers(services(), current_account(), positions)
    return api_json(marker_entities(saved))
