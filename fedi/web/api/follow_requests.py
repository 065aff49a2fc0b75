"""`/api/v1/follow_requests`: accounts asking to follow the viewer, and the answers."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.account_actions import authorize_request, reject_request
from fedi.api_reads import accounts as reads
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities import account_entity, relationship_entity
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.api.statuses import cursor_of
from fedi.web.auth import services

bp = Blueprint("api_follow_requests", __name__)


@bp.get("/api/v1/follow_requests")
@api_auth("read:follows", "follow")
async def index() -> Response:
    """Pending requests, newest first (Link-paginated by request id)."""
    cursor = cursor_of(await api_params(), default=40, maximum=80)
    page = await reads.follow_requests(services(), current_account().id, cursor)
    svc = services()
    items = [account_entity(svc, a, counts=page.counts.get(a.id)) for a in page.accounts]
    return paginated(items, page.cursor_ids)


@bp.post("/api/v1/follow_requests/<int:account_id>/authorize")
@api_auth("write:follows", "follow")
async def authorize(account_id: int) -> Response:
    """Accept the request of this account; answers the Relationship."""
    rel = await authorize_request(services(), current_account(), account_id)
    return api_json(relationship_entity(rel))


@bp.post("/api/v1/follow_requests/<int:account_id>/reject")
@api_auth("write:follows", "follow")
async def reject(account_id: int) -> Response:
    """Refuse the request of this account; answers the Relationship."""
    rel = await reject_request(services(), current_account(), account_id)
    return api_json(relationship_entity(rel))
