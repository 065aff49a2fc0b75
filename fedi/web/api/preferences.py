"""`/api/v1/preferences` (reference §5.4): the user's posting and reading defaults."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.web.api.auth import api_auth, current_viewer
from fedi.web.api.entities_misc import preferences_entity
from fedi.web.api.responses import api_json

bp = Blueprint("api_preferences", __name__)


@bp.get("/api/v1/preferences")
@api_auth("read:accounts")
async def preferences() -> Response:
    """Default visibility (the user's setting), sensitivity, language and reading options."""
    return api_json(preferences_entity(current_viewer().user))
