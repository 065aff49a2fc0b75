"""Settings → Scheduled posts (`/settings/scheduled`): what waits to be published, with Cancel."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import scheduled
from fedi.web.auth import login_required, page, redirect_with_notice, require_viewer, services

bp = Blueprint("scheduled_posts", __name__)

SETTINGS_PATH = "/settings/scheduled"


@bp.get(SETTINGS_PATH)
@login_required
async def scheduled_posts() -> Response:
    """Settings → Scheduled posts, soonest first."""
    items = await scheduled.upcoming(services(), require_viewer().id)
    return await page("pages/settings_scheduled.html", items=items)


@bp.post(f"{SETTINGS_PATH}/<int:scheduled_id>/cancel")
@login_required
async def cancel(scheduled_id: int) -> Response:
    """Cancel a scheduled post and come back to the list."""
    await scheduled.cancel_scheduled(services(), require_viewer().id, scheduled_id)
    return redirect_with_notice(SETTINGS_PATH, "The scheduled post is cancelled.")
