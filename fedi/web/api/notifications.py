"""`/api/v1/notifications` (reference §5.5): list with type filters, one, clear, dismiss, unread count."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import notification_queries as queries
from fedi.errors import NotFound
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_misc import notification_entities, window_of
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.auth import services

bp = Blueprint("api_notifications", __name__)


@bp.get("/api/v1/notifications")
@api_auth("read:notifications")
async def list_notifications() -> Response:
    """The viewer's notifications; `types[]`, `exclude_types[]`, `account_id`; Link-paginated.

    Those the notification policy holds back come too with `include_filtered`, or when one
    account's are asked for (Mastodon 4.3: how apps show a notification request's contents)."""
    params = await api_params()
    svc, viewer = services(), current_account()
    account_id = params.id("account_id")
    page = await queries.list_notifications(
        svc,
        viewer.id,
        window_of(params, default=40, maximum=80),
        types=params.list("types"),
        exclude_types=params.list("exclude_types"),
        account_id=account_id,
        include_filtered=params.bool("include_filtered") or account_id is not None,
    )
    return paginated(await notification_entities(svc, viewer.id, page), page.cursor_ids)


@bp.get("/api/v1/notifications/unread_count")
@api_auth("read:notifications")
async def unread_count() -> Response:
    """How many notifications are newer than the notifications marker (up to `limit`)."""
    params = await api_params()
    limit = params.int("limit", 100, low=1, high=1000) or 100
    count = await queries.unread_count(services(), current_account().id, limit=limit)
    return api_json({"count": count})


@bp.get("/api/v1/notifications/<int:notification_id>")
@api_auth("read:notifications")
async def get_notification(notification_id: int) -> Response:
    """One notification of the viewer."""
    svc, viewer = services(), current_account()
    page = await queries.get_notification(svc, viewer.id, notification_id)
    found = await notification_entities(svc, viewer.id, page)
    if not found:
        raise NotFound(queries.NOT_FOUND)
    return api_json(found[0])


@bp.post("/api/v1/notifications/clear")
@api_auth("write:notifications")
async def clear() -> Response:
    """Delete every notification of the viewer."""
    await queries.clear_notifications(services(), current_account().id)
    return api_json({})


@bp.post("/api/v1/notifications/<int:notification_id>/dismiss")
@api_auth("write:notifications")
async def dismiss(notification_id: int) -> Response:
    """Delete one notification."""
    await queries.dismiss_notification(services(), current_account().id, notification_id)
    return api_json({})


@bp.post("/api/v1/notifications/dismiss")
@api_auth("write:notifications")
async def dismiss_by_param() -> Response:
    """Delete one notification named by the `id` parameter (Mastodon before 3.1)."""
    notification_id = (await api_params()).id("id")
    if notification_id is None:
        raise NotFound(queries.NOT_FOUND)
    await queries.dismiss_notification(services(), current_account().id, notification_id)
    return api_json({})
