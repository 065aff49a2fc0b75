"""`/api/v1/lists` (reference §5.8): lists, their members, and `/api/v1/timelines/list/:id`."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import lists
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_misc import account_list, list_entity, statuses_of, window_of
from fedi.web.api.params import Params, api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.auth import services

bp = Blueprint("api_lists", __name__)


def _account_ids(params: Params) -> list[int]:
    return params.ids("account_ids") or params.ids("account_id")


@bp.get("/api/v1/lists")
@api_auth("read:lists")
async def my_lists() -> Response:
    """The viewer's lists."""
    found = await lists.my_lists(services(), current_account())
    return api_json([list_entity(x) for x in found])


@bp.post("/api/v1/lists")
@api_auth("write:lists")
async def create_list() -> Response:
    """Create a list: `title`, `replies_policy`, `exclusive`."""
    params = await api_params()
    created = await lists.create_list(
        services(),
        current_account(),
        title=params.str("title"),
        replies_policy=params.opt_str("replies_policy"),
        exclusive=params.bool("exclusive"),
    )
    return api_json(list_entity(created))


@bp.get("/api/v1/lists/<int:list_id>")
@api_auth("read:lists")
async def get_list(list_id: int) -> Response:
    """One of the viewer's lists."""
    return api_json(list_entity(await lists.get_list(services(), current_account(), list_id)))


@bp.put("/api/v1/lists/<int:list_id>")
@api_auth("write:lists")
async def update_list(list_id: int) -> Response:
    """Change a list's `title`, `replies_policy` or `exclusive`."""
    params = await api_params()
    updated = await lists.update_list(
        services(),
        current_account(),
        list_id,
        title=params.opt_str("title"),
        replies_policy=params.opt_str("replies_policy"),
        exclusive=params.opt_bool("exclusive"),
    )
    return api_json(list_entity(updated))


@bp.delete("/api/v1/lists/<int:list_id>")
@api_auth("write:lists")
async def delete_list(list_id: int) -> Response:
    """Delete a list."""
    await lists.delete_list(services(), current_account(), list_id)
    return api_json({})


@bp.get("/api/v1/lists/<int:list_id>/accounts")
@api_auth("read:lists")
async def members(list_id: int) -> Response:
    """A list's members, Link-paginated by membership; `limit=0` gives all of them."""
    params = await api_params()
    svc = services()
    window = None if params.int("limit") == 0 else window_of(params, default=40, maximum=80)
    page = await lists.list_members(svc, current_account(), list_id, window)
    entities = await account_list(svc, page.items)
    return paginated(entities, page.cursor_ids) if window else api_json(entities)


@bp.post("/api/v1/lists/<int:list_id>/accounts")
@api_auth("write:lists")
async def add_members(list_id: int) -> Response:
    """Add followed accounts (`account_ids[]`) to a list."""
    params = await api_params()
    await lists.add_members(services(), current_account(), list_id, _account_ids(params))
    return api_json({})


@bp.delete("/api/v1/lists/<int:list_id>/accounts")
@api_auth("write:lists")
async def remove_members(list_id: int) -> Response:
    """Take accounts (`account_ids[]`) out of a list."""
    params = await api_params()
    await lists.remove_members(services(), current_account(), list_id, _account_ids(params))
    return api_json({})


@bp.get("/api/v1/accounts/<int:account_id>/lists")
@api_auth("read:lists")
async def lists_of_account(account_id: int) -> Response:
    """The viewer's lists that contain this account."""
    found = await lists.lists_containing(services(), current_account(), account_id)
    return api_json([list_entity(x) for x in found])


@bp.get("/api/v1/timelines/list/<int:list_id>")
@api_auth("read:lists")
async def list_timeline(list_id: int) -> Response:
    """Posts by the list's members (Link-paginated, replies per the list's policy)."""
    params = await api_params()
    svc, viewer = services(), current_account()
    page = await lists.list_timeline(svc, viewer, list_id, window_of(params))
    entities = await statuses_of(svc, viewer.id, page.posts, page.filtered)
    return paginated(entities, page.cursor_ids if entities else [])
