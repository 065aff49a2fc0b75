"""`/api/v1/timelines`: home, public and hashtag (reference §5.2), Link-paginated."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.api_reads import timelines as reads
from fedi.api_reads.kept_pages import KeptPage, kept_pages
from fedi.api_reads.timelines import StatusPage
from fedi.web.api.auth import api_auth, viewer_id
from fedi.web.api.params import Params, api_params
from fedi.web.api.responses import paginated_json
from fedi.web.api.status_json import bundle_json
from fedi.web.api.statuses import cursor_of
from fedi.web.auth import services

bp = Blueprint("api_timelines", __name__)


async def statuses_response(page: StatusPage) -> Response:
    """A page of statuses with its Link header (`next` by max_id, `prev` by min_id)."""
    return paginated_json(bundle_json(services(), page.bundle), page.cursor_ids)


def _scope(params: Params) -> bool | None:
    """`local=true` keeps this instance's posts, `remote=true` the others' (both: none)."""
    local, remote = params.bool("local"), params.bool("remote")
    if local and not remote:
        return True
    if remote and not local:
        return False
    return None


@bp.get("/api/v1/timelines/home")
@api_auth("read:statuses")
async def home() -> Response:
    """The viewer's home timeline, from the materialised feed."""
    cursor = cursor_of(await api_params())
    svc, viewer = services(), viewer_id() or 0
    kept = kept_pages(svc)
    page = await reads.home_page(svc, viewer, cursor, kept=kept)
    if page.kept is not None:
        return paginated_json(page.kept.body, page.kept.cursor_ids)
    body = bundle_json(svc, page.bundle)
    if page.inputs is not None:
        kept.put(reads.home_key(viewer, cursor), KeptPage(page.inputs, body, page.cursor_ids))
    return paginated_json(body, page.cursor_ids)


@bp.get("/api/v1/timelines/public")
@api_auth("read:statuses", user=None)
async def public() -> Response:
    """Public posts: everyone's, or `local` / `remote` only; `only_media`."""
    params = await api_params()
    page = await reads.public_page(
        services(),
        viewer_id(),
        cursor_of(params),
        local=_scope(params),
        only_media=params.bool("only_media"),
    )
    return await statuses_response(page)


@bp.get("/api/v1/timelines/tag/<path:hashtag>")
@api_auth("read:statuses", user=None)
async def tag(hashtag: str) -> Response:
    """Public posts with a hashtag; `any[]`, `all[]`, `none[]`, `local`, `remote`, `only_media`."""
    params = await api_params()
    page = await reads.tag_page(
        services(),
        viewer_id(),
        hashtag,
        cursor_of(params),
        any_of=params.list("any"),
        all_of=params.list("all"),
        none_of=params.list("none"),
        local=_scope(params),
        only_media=params.bool("only_media"),
    )
    return await statuses_response(page)
