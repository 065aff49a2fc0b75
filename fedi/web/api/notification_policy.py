"""Notification policy (`/api/v2/notifications/policy`, and v1's boolean form) and notification
requests (`/api/v1/notifications/requests`), as Mastodon 4.3 serves them."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response

from fedi import notification_policy as policy
from fedi.context import Services
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities import account_entities
from fedi.web.api.entities_misc import statuses_of, window_of
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.auth import services

bp = Blueprint("api_notification_policy", __name__)

JsonDict = dict[str, Any]


def _summary(found: policy.Policy) -> JsonDict:
    return {
        "pending_requests_count": found.pending_requests,
        "pending_notifications_count": found.pending_notifications,
    }


def policy_entity(found: policy.Policy) -> JsonDict:
    """NotificationPolicy (v2): the five settings and the summary."""
    return {**found.settings, "summary": _summary(found)}


def v1_policy_entity(found: policy.Policy) -> JsonDict:
    """The v1 NotificationPolicy: a boolean per setting (true when not accepted)."""
    flags = {k: found.settings[v] != "accept" for k, v in policy.V1_FLAGS.items()}
    return {**flags, "summary": _summary(found)}


async def request_entities(
    svc: Services, viewer_id: int, items: list[policy.RequestItem]
) -> list[JsonDict]:
    """NotificationRequest entities (one batch for the accounts, one for the statuses)."""
    if not items:
        return []
    accounts = await account_entities(svc, None, [i.account for i in items])
    posts = list({i.last_status.id: i.last_status for i in items if i.last_status}.values())
    statuses = {int(s["id"]): s for s in await statuses_of(svc, viewer_id, posts)}
    return [
        {
            "id": str(item.request.id),
            "created_at": item.request.created_at,
            "updated_at": item.request.updated_at,
            "notifications_count": str(item.request.notifications_count),
            "account": account,
            "last_status": statuses.get(item.last_status.id) if item.last_status else None,
        }
        for item, account in zip(items, accounts, strict=True)
    ]


@bp.get("/api/v2/notifications/policy")
@api_auth("read:notifications")
async def show_v2() -> Response:
    """The viewer's notification policy."""
    return api_json(policy_entity(await policy.get_policy(services(), current_account().id)))


@bp.route("/api/v2/notifications/policy", methods=["PATCH", "PUT"])
@api_auth("write:notifications")
async def update_v2() -> Response:
    """Change settings: each `for_*` given is accept, filter or drop (422 otherwise)."""
    params = await api_params()
    changes = {name: params.str(name).strip() for name in policy.SETTINGS if params.has(name)}
    found = await policy.update_policy(services(), current_account().id, changes)
    return api_json(policy_entity(found))


@bp.get("/api/v1/notifications/policy")
@api_auth("read:notifications")
async def show_v1() -> Response:
    """The policy in v1's boolean form (Mastodon 4.3.0)."""
    return api_json(v1_policy_entity(await policy.get_policy(services(), current_account().id)))


@bp.route("/api/v1/notifications/policy", methods=["PATCH", "PUT"])
@api_auth("write:notifications")
async def update_v1() -> Response:
    """Change settings with v1's booleans (`filter_not_following`...): true filters, false accepts."""
    params = await api_params()
    flags = {name: params.bool(name) for name in policy.V1_FLAGS if params.has(name)}
    found = await policy.update_policy(services(), current_account().id, policy.v1_changes(flags))
    return api_json(v1_policy_entity(found))


@bp.get("/api/v1/notifications/requests")
@api_auth("read:notifications")
async def list_requests() -> Response:
    """Requests holding filtered notifications, newest first, Link-paginated."""
    svc, viewer = services(), current_account()
    window = window_of(await api_params(), default=40, maximum=80)
    page = await policy.list_requests(svc, viewer.id, window)
    return paginated(await request_entities(svc, viewer.id, page.items), page.cursor_ids)


@bp.get("/api/v1/notifications/requests/merged")
@api_auth("read:notifications")
async def merged() -> Response:
    """Whether accepted requests have been merged into the notifications: always at once here."""
    return api_json({"merged": True})


@bp.get("/api/v1/notifications/requests/<int:request_id>")
@api_auth("read:notifications")
async def show_request(request_id: int) -> Response:
    """One request."""
    svc, viewer = services(), current_account()
    item = await policy.get_request(svc, viewer.id, request_id)
    return api_json((await request_entities(svc, viewer.id, [item]))[0])


@bp.post("/api/v1/notifications/requests/<int:request_id>/accept")
@api_auth("write:notifications")
async def accept(request_id: int) -> Response:
    """Accept a request: its notifications join the list, its sender is let through."""
    await policy.accept_request(services(), current_account().id, request_id)
    return api_json({})


@bp.post("/api/v1/notifications/requests/<int:request_id>/dismiss")
@api_auth("write:notifications")
async def dismiss(request_id: int) -> Response:
    """Dismiss a request: its notifications are deleted."""
    await policy.dismiss_request(services(), current_account().id, request_id)
    return api_json({})


@bp.post("/api/v1/notifications/requests/accept")
@api_auth("write:notifications")
async def accept_many() -> Response:
    """Accept the requests named by `id[]`."""
    ids = (await api_params()).ids("id")
    await policy.accept_requests(services(), current_account().id, ids)
    return api_json({})


@bp.post("/api/v1/notifications/requests/dismiss")
@api_auth("write:notifications")
async def dismiss_many() -> Response:
    """Dismiss the requests named by `id[]`."""
    ids = (await api_params()).ids("id")
    await policy.dismiss_requests(services(), current_account().id, ids)
    return api_json({})
