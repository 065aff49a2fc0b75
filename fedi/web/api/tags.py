"""Hashtags (reference §5.7): `/api/v1/tags/:name`, follow/unfollow, `/api/v1/followed_tags`;
featured tags (§5.3): `/api/v1/featured_tags` list/create/delete, suggestions, and an
account's featured tags."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import featured_tags as featured
from fedi import tags
from fedi.web.api.auth import api_auth, current_account, viewer_id
from fedi.web.api.entities_featured import featured_tag_entity
from fedi.web.api.entities_misc import tag_entity, window_of
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.auth import services

bp = Blueprint("api_tags", __name__)


@bp.get("/api/v1/tags/<path:name>")
@api_auth(user=None)
async def get_tag(name: str) -> Response:
    """A hashtag with 7 days of usage history (and `following` for a logged-in viewer)."""
    svc = services()
    return api_json(tag_entity(svc, await tags.get_tag(svc, viewer_id(), name)))


@bp.post("/api/v1/tags/<path:name>/follow")
@api_auth("write:follows")
async def follow(name: str) -> Response:
    """Follow a hashtag: its new public posts come into the home timeline."""
    svc = services()
    return api_json(tag_entity(svc, await tags.follow_tag(svc, current_account().id, name)))


@bp.post("/api/v1/tags/<path:name>/unfollow")
@api_auth("write:follows")
async def unfollow(name: str) -> Response:
    """Stop following a hashtag."""
    svc = services()
    return api_json(tag_entity(svc, await tags.unfollow_tag(svc, current_account().id, name)))


@bp.get("/api/v1/followed_tags")
@api_auth("read:follows")
async def followed() -> Response:
    """The hashtags the viewer follows (Link-paginated)."""
    params = await api_params()
    svc = services()
    page = await tags.followed_tags(
        svc, current_account().id, window_of(params, default=100, maximum=200)
    )
    return paginated([tag_entity(svc, t) for t in page.items], page.cursor_ids)


@bp.get("/api/v1/featured_tags")
@api_auth("read:accounts")
async def featured_tags() -> Response:
    """Hashtags featured on the viewer's profile, most used first."""
    svc = services()
    found = await featured.featured_tags(svc, current_account().id)
    return api_json([featured_tag_entity(svc, f) for f in found])


@bp.post("/api/v1/featured_tags")
@api_auth("write:accounts")
async def feature_tag() -> Response:
    """Feature a hashtag (`name`, `#` optional) on the viewer's profile."""
    params = await api_params()
    svc = services()
    found = await featured.feature_tag(svc, current_account().id, params.str("name"))
    return api_json(featured_tag_entity(svc, found))


@bp.delete("/api/v1/featured_tags/<int:featured_id>")
@api_auth("write:accounts")
async def unfeature_tag(featured_id: int) -> Response:
    """Stop featuring a hashtag: `{}`; 404 for an unknown id or someone else's."""
    await featured.unfeature_tag(services(), current_account().id, featured_id)
    return api_json({})


@bp.get("/api/v1/featured_tags/suggestions")
@api_auth("read:accounts")
async def featured_tag_suggestions() -> Response:
    """The viewer's most used hashtags not featured yet (Tag entities with history)."""
    svc = services()
    found = await featured.suggested_tags(svc, current_account().id)
    return api_json([tag_entity(svc, t) for t in found])


@bp.get("/api/v1/accounts/<int:account_id>/featured_tags")
@api_auth(user=None)
async def account_featured_tags(account_id: int) -> Response:
    """An account's featured hashtags (no token needed); 404 for an unknown account."""
    svc = services()
    found = await featured.featured_tags(svc, account_id)
    return api_json([featured_tag_entity(svc, f) for f in found])
