"""`/api/v1/scheduled_statuses` (Mastodon 2.7): list, show, move and cancel scheduled posts.

Creating one is `POST /api/v1/statuses` with `scheduled_at` (`fedi/web/api/statuses.py`).
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response

from fedi import scheduled
from fedi.context import Services
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_media import media_entity
from fedi.web.api.entities_misc import window_of
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.auth import services

bp = Blueprint("api_scheduled_statuses", __name__)


def scheduled_status_entity(svc: Services, view: scheduled.ScheduledView) -> dict[str, Any]:
    """The ScheduledStatus entity: id, scheduled_at, params, media_attachments."""
    return {
        "id": str(view.scheduled.id),
        "scheduled_at": view.scheduled.scheduled_at,
        "params": view.params,
        "media_attachments": [media_entity(svc, m) for m in view.media],
    }


@bp.get("/api/v1/scheduled_statuses")
@api_auth("read:statuses")
async def list_scheduled() -> Response:
    """The viewer's scheduled statuses, newest first, Link-paginated."""
    svc = services()
    window = window_of(await api_params(), default=20, maximum=40)
    page = await scheduled.list_scheduled(svc, current_account().id, window)
    return paginated([scheduled_status_entity(svc, v) for v in page.items], page.cursor_ids)


@bp.get("/api/v1/scheduled_statuses/<int:scheduled_id>")
@api_auth("read:statuses")
async def show(scheduled_id: int) -> Response:
    """One scheduled status of the viewer."""
    svc = services()
    view = await scheduled.get_scheduled(svc, current_account().id, scheduled_id)
    return api_json(scheduled_status_entity(svc, view))


@bp.put("/api/v1/scheduled_statuses/<int:scheduled_id>")
@api_auth("write:statuses")
async def move(scheduled_id: int) -> Response:
    """Move a scheduled status to another `scheduled_at`."""
    svc = services()
    when = scheduled.parse_time((await api_params()).str("scheduled_at"))
    view = await scheduled.reschedule(svc, current_account().id, scheduled_id, when)
    return api_json(scheduled_status_entity(svc, view))


@bp.delete("/api/v1/scheduled_statuses/<int:scheduled_id>")
@api_auth("write:statuses")
async def cancel(scheduled_id: int) -> Response:
    """Cancel a scheduled status."""
    await scheduled.cancel_scheduled(services(), current_account().id, scheduled_id)
    return api_json({})
