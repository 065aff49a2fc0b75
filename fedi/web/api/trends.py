"""Trends (reference §5.7), computed from this instance's recent activity: hashtags by distinct
accounts using them, statuses by favourites and boosts, links (preview cards) by distinct accounts
sharing them."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import trends
from fedi.cards.trends import trending_links as find_trending_links
from fedi.web.api.auth import api_auth, viewer_id
from fedi.web.api.entities_cards import trends_link_entity
from fedi.web.api.entities_misc import statuses_of, tag_entity
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_trends", __name__)


@bp.get("/api/v1/trends")
@bp.get("/api/v1/trends/tags")
@api_auth(user=None)
async def trending_tags() -> Response:
    """Trending hashtags with their history (`limit` default 10, max 20; `offset`)."""
    params = await api_params()
    svc = services()
    found = await trends.trending_tags(
        svc,
        viewer_id(),
        limit=params.int("limit", 10, low=1, high=20) or 10,
        offset=params.int("offset", 0, low=0) or 0,
    )
    return api_json([tag_entity(svc, t) for t in found])


@bp.get("/api/v1/trends/statuses")
@api_auth(user=None)
async def trending_statuses() -> Response:
    """Recent public statuses with the most favourites and boosts (`limit` max 40; `offset`)."""
    params = await api_params()
    svc, viewer = services(), viewer_id()
    page = await trends.trending_statuses(
        svc,
        viewer,
        limit=params.int("limit", 20, low=1, high=40) or 20,
        offset=params.int("offset", 0, low=0) or 0,
    )
    return api_json(await statuses_of(svc, viewer, page.posts, page.filtered))


@bp.get("/api/v1/trends/links")
@api_auth(user=None)
async def trending_links() -> Response:
    """Links shared in public posts of the last days, by distinct accounts sharing them: each a
    PreviewCard with its `history` (`limit` default 10, max 20; `offset`)."""
    params = await api_params()
    svc = services()
    found = await find_trending_links(
        svc,
        viewer_id(),
        limit=params.int("limit", 10, low=1, high=20) or 10,
        offset=params.int("offset", 0, low=0) or 0,
    )
    return api_json([trends_link_entity(svc, link) for link in found])
