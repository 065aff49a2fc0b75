"""`GET /api/v2/search` (reference §5.7): accounts, statuses and hashtags."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import search
from fedi.search import SearchQuery
from fedi.web.api.auth import api_auth, current_grant
from fedi.web.api.entities_misc import search_entity
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_search", __name__)


@bp.get("/api/v2/search")
@api_auth("read:search", user=None)
async def search_v2() -> Response:
    """`q`, `type`, `resolve` (needs a user token), `following`, `account_id`, `limit`, `offset`."""
    params = await api_params()
    grant = current_grant()
    viewer = grant.account if grant is not None else None
    kind = params.str("type")
    query = SearchQuery(
        q=params.str("q"),
        type=kind if kind in search.TYPES else None,
        resolve=params.bool("resolve") and viewer is not None,
        following=params.bool("following"),
        account_id=params.id("account_id"),
        max_id=params.id("max_id"),
        limit=params.int("limit", 20, low=1, high=40) or 20,
        offset=params.int("offset", 0, low=0) or 0,
    )
    svc = services()
    found = await search.search(svc, viewer, query)
    return api_json(await search_entity(svc, viewer.id if viewer else None, found))
