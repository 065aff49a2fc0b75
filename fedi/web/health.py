"""GET /health: 200 once the database is migrated and the workers run."""

from __future__ import annotations

from quart import Blueprint, jsonify

from fedi.context import health_status
from fedi.web.auth import services

bp = Blueprint("health", __name__)


@bp.get("/health")
async def health():  # type: ignore[no-untyped-def]
    status = await health_status(services())
    ok = all(status.values())
    response = jsonify({"status": "ok" if ok else "starting", **status})
    response.status_code = 200 if ok else 503
    return response
