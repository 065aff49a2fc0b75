"""Endorsements (reference §5.3): accounts a user features on their profile."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.web.api.auth import api_auth
from fedi.web.api.responses import api_json

bp = Blueprint("api_endorsements", __name__)


@bp.get("/api/v1/endorsements")
@api_auth("read:accounts")
async def endorsements() -> Response:
    """Accounts the viewer features on their profile: none (endorsing is not built yet)."""
    return api_json([])
