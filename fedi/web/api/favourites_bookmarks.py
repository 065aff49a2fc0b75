"""`/api/v1/favourites` and `/api/v1/bookmarks`: the viewer's liked and bookmarked statuses,
Link-paginated by the hidden like / bookmark row id (as Mastodon does)."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.api_reads import accounts as reads
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.params import api_params
from fedi.web.api.statuses import cursor_of
from fedi.web.api.timelines import statuses_response
from fedi.web.auth import services

bp = Blueprint("api_favourites_bookmarks", __name__)


@bp.get("/api/v1/favourites")
@api_auth("read:favourites")
async def favourites() -> Response:
    """The statuses the viewer liked, newest like first."""
    cursor = cursor_of(await api_params())
    return await statuses_response(await reads.favourites(services(), current_account().id, cursor))


@bp.get("/api/v1/bookmarks")
@api_auth("read:bookmarks")
async def bookmarks() -> Response:
    """The statuses the viewer bookmarked, newest bookmark first."""
    cursor = cursor_of(await api_params())
    return await statuses_response(await reads.bookmarks(services(), current_account().id, cursor))
