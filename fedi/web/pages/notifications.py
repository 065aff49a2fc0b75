"""Notifications and follow requests pages, and the unread badge in the navigation."""

from __future__ import annotations

from quart import Blueprint, Response, g, request

from fedi.accounts.profiles import list_follow_requests
from fedi.notification_policy import pending_requests
from fedi.notifications import open_notifications, unread_count
from fedi.outbox.interactions import approve_follow, reject_follow
from fedi.web.auth import (
    login_required,
    page,
    redirect_with_notice,
    require_viewer,
    services,
    viewer,
)

bp = Blueprint("notifications", __name__)

# Machine-facing paths never render the navigation, so they skip the unread count.
NO_BADGE_PREFIXES = ("/static", "/api/", "/.well-known/", "/users/", "/inbox", "/health")


@bp.before_app_request
async def count_unread() -> None:
    """Fill the navigation's unread badge for logged-in people on page GETs (one indexed count)."""
    if request.method != "GET" or request.path.startswith(NO_BADGE_PREFIXES):
        return
    current = viewer()
    if current is not None:
        g.unread_notifications = await unread_count(services(), current.id)


def _max_id() -> int | None:
    raw = request.args.get("max_id", "")
    return int(raw) if raw.isdigit() and len(raw) < 20 else None


@bp.get("/notifications")
@login_required
async def notifications() -> Response:
    listing = await open_notifications(services(), require_viewer(), _max_id())
    g.unread_notifications = 0  # everything was just marked read
    next_url = (
        None if listing.next_max_id is None else f"/notifications?max_id={listing.next_max_id}"
    )
    filtered = await pending_requests(services(), require_viewer().id)
    return await page(
        "pages/notifications.html", items=listing.items, next_url=next_url, filtered=filtered
    )


@bp.get("/follow_requests")
@login_required
async def follow_requests() -> Response:
    requests = await list_follow_requests(services(), require_viewer().id)
    return await page("pages/follow_requests.html", requests=requests)


@bp.post("/follow_requests/<int:follow_id>/approve")
async def approve(follow_id: int) -> Response:
    await approve_follow(services(), require_viewer().account, follow_id)
    return redirect_with_notice("/follow_requests", "Follow request approved.")


@bp.post("/follow_requests/<int:follow_id>/reject")
async def reject(follow_id: int) -> Response:
    await reject_follow(services(), require_viewer().account, follow_id)
    return redirect_with_notice("/follow_requests", "Follow request rejected.")
