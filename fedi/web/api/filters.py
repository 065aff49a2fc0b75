"""Filters (reference §5.8): `/api/v2/filters` with keywords and statuses, and `/api/v1/filters`
(each v1 filter is one keyword of a v2 filter, as in Mastodon)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response

from fedi import filters, filters_v1
from fedi.errors import Invalid
from fedi.filters import FilterDraft, KeywordChange
from fedi.filters_v1 import V1Draft
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_filters import filter_entity, filter_status_entity, keyword_entity
from fedi.web.api.entities_misc import v1_filter_entity
from fedi.web.api.params import TRUE, Params, api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_filters", __name__)


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE


def _id(value: Any) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def _keyword_changes(params: Params) -> list[KeywordChange]:
    """`keywords_attributes[][keyword|whole_word|id|_destroy]` (form, indexed form or JSON)."""
    return [
        KeywordChange(
            id=_id(record.get("id")),
            keyword=None if record.get("keyword") is None else str(record["keyword"]),
            whole_word=_flag(record.get("whole_word")),
            destroy=bool(_flag(record.get("_destroy"))),
        )
        for record in params.records("keywords_attributes")
    ]


def _expiry(params: Params) -> tuple[int | None, bool]:
    """(`expires_in` seconds, whether it was sent); an empty value means "never"."""
    if not params.has("expires_in"):
        return None, False
    return params.int("expires_in"), True


def _draft(params: Params) -> FilterDraft:
    expires_in, set_expiry = _expiry(params)
    return FilterDraft(
        title=params.opt_str("title"),
        context=params.list("context") if params.has("context") else None,
        filter_action=params.opt_str("filter_action"),
        expires_in=expires_in,
        set_expiry=set_expiry,
        keywords=_keyword_changes(params),
    )


# --- v2 ---------------------------------------------------------------------------------------


@bp.get("/api/v2/filters")
@api_auth("read:filters")
async def list_filters() -> Response:
    """The viewer's filters with their keywords and statuses."""
    found = await filters.list_filters(services(), current_account())
    return api_json([filter_entity(f) for f in found])


@bp.post("/api/v2/filters")
@api_auth("write:filters")
async def create_filter() -> Response:
    """Create a filter: `title`, `context[]`, `filter_action`, `expires_in`, `keywords_attributes[]`."""
    params = await api_params()
    created = await filters.create_filter(services(), current_account(), _draft(params))
    return api_json(filter_entity(created))


@bp.get("/api/v2/filters/<int:filter_id>")
@api_auth("read:filters")
async def get_filter(filter_id: int) -> Response:
    """One filter."""
    return api_json(
        filter_entity(await filters.get_filter(services(), current_account(), filter_id))
    )


@bp.put("/api/v2/filters/<int:filter_id>")
@api_auth("write:filters")
async def update_filter(filter_id: int) -> Response:
    """Change a filter's fields and add, change or `_destroy` keywords."""
    params = await api_params()
    updated = await filters.update_filter(services(), current_account(), filter_id, _draft(params))
    return api_json(filter_entity(updated))


@bp.delete("/api/v2/filters/<int:filter_id>")
@api_auth("write:filters")
async def delete_filter(filter_id: int) -> Response:
    """Delete a filter."""
    await filters.delete_filter(services(), current_account(), filter_id)
    return api_json({})


@bp.get("/api/v2/filters/<int:filter_id>/keywords")
@api_auth("read:filters")
async def list_keywords(filter_id: int) -> Response:
    """The keywords of a filter."""
    found = await filters.get_filter(services(), current_account(), filter_id)
    return api_json([keyword_entity(k) for k in found.keywords])


@bp.post("/api/v2/filters/<int:filter_id>/keywords")
@api_auth("write:filters")
async def add_keyword(filter_id: int) -> Response:
    """Add a keyword (`keyword`, `whole_word`) to a filter."""
    params = await api_params()
    created = await filters.add_keyword(
        services(),
        current_account(),
        filter_id,
        keyword=params.str("keyword"),
        whole_word=params.bool("whole_word", True),
    )
    return api_json(keyword_entity(created))


@bp.get("/api/v2/filters/keywords/<int:keyword_id>")
@api_auth("read:filters")
async def get_keyword(keyword_id: int) -> Response:
    """One keyword."""
    return api_json(
        keyword_entity(await filters.get_keyword(services(), current_account(), keyword_id))
    )


@bp.put("/api/v2/filters/keywords/<int:keyword_id>")
@api_auth("write:filters")
async def update_keyword(keyword_id: int) -> Response:
    """Change a keyword's `keyword` or `whole_word`."""
    params = await api_params()
    updated = await filters.update_keyword(
        services(),
        current_account(),
        keyword_id,
        keyword=params.opt_str("keyword"),
        whole_word=params.opt_bool("whole_word"),
    )
    return api_json(keyword_entity(updated))


@bp.delete("/api/v2/filters/keywords/<int:keyword_id>")
@api_auth("write:filters")
async def delete_keyword(keyword_id: int) -> Response:
    """Remove a keyword from its filter."""
    await filters.delete_keyword(services(), current_account(), keyword_id)
    return api_json({})


@bp.get("/api/v2/filters/<int:filter_id>/statuses")
@api_auth("read:filters")
async def list_statuses(filter_id: int) -> Response:
    """The statuses a filter names."""
    found = await filters.get_filter(services(), current_account(), filter_id)
    return api_json([filter_status_entity(s) for s in found.statuses])


@bp.post("/api/v2/filters/<int:filter_id>/statuses")
@api_auth("write:filters")
async def add_status(filter_id: int) -> Response:
    """Filter one status (`status_id`)."""
    params = await api_params()
    status_id = params.id("status_id")
    if status_id is None:
        raise Invalid.field("status_id", "can't be blank")
    created = await filters.add_status(services(), current_account(), filter_id, status_id)
    return api_json(filter_status_entity(created))


@bp.get("/api/v2/filters/statuses/<int:row_id>")
@api_auth("read:filters")
async def get_status(row_id: int) -> Response:
    """One filtered-status entry."""
    return api_json(
        filter_status_entity(await filters.get_status(services(), current_account(), row_id))
    )


@bp.delete("/api/v2/filters/statuses/<int:row_id>")
@api_auth("write:filters")
async def delete_status(row_id: int) -> Response:
    """Stop filtering a status."""
    await filters.delete_status(services(), current_account(), row_id)
    return api_json({})


# --- v1 ---------------------------------------------------------------------------------------


def _v1_draft(params: Params) -> V1Draft:
    expires_in, set_expiry = _expiry(params)
    return V1Draft(
        phrase=params.opt_str("phrase"),
        context=params.list("context") if params.has("context") else None,
        whole_word=params.opt_bool("whole_word"),
        irreversible=params.opt_bool("irreversible"),
        expires_in=expires_in,
        set_expiry=set_expiry,
    )


@bp.get("/api/v1/filters")
@api_auth("read:filters")
async def list_v1() -> Response:
    """The viewer's keywords as v1 filters."""
    found = await filters_v1.list_v1(services(), current_account())
    return api_json([v1_filter_entity(f) for f in found])


@bp.post("/api/v1/filters")
@api_auth("write:filters")
async def create_v1() -> Response:
    """Create a v1 filter: `phrase`, `context[]`, `irreversible`, `whole_word`, `expires_in`."""
    params = await api_params()
    created = await filters_v1.create_v1(services(), current_account(), _v1_draft(params))
    return api_json(v1_filter_entity(created))


@bp.get("/api/v1/filters/<int:keyword_id>")
@api_auth("read:filters")
async def get_v1(keyword_id: int) -> Response:
    """One v1 filter."""
    return api_json(
        v1_filter_entity(await filters_v1.get_v1(services(), current_account(), keyword_id))
    )


@bp.put("/api/v1/filters/<int:keyword_id>")
@api_auth("write:filters")
async def update_v1(keyword_id: int) -> Response:
    """Change a v1 filter."""
    params = await api_params()
    updated = await filters_v1.update_v1(
        services(), current_account(), keyword_id, _v1_draft(params)
    )
    return api_json(v1_filter_entity(updated))


@bp.delete("/api/v1/filters/<int:keyword_id>")
@api_auth("write:filters")
async def delete_v1(keyword_id: int) -> Response:
    """Delete a v1 filter."""
    await filters_v1.delete_v1(services(), current_account(), keyword_id)
    return api_json({})
