"""Follow suggestions (reference §5.4): `/api/v2/suggestions`, `/api/v1/suggestions`, dismissal."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import suggestions
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_misc import account_list, suggestion_entities
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_suggestions", __name__)


async def _found() -> list[suggestions.Suggestion]:
    params = await api_params()
    limit = params.int("limit", 40, low=1, high=80) or 40
    return await suggestions.suggestions(services(), current_account(), limit=limit)


@bp.get("/api/v2/suggestions")
@api_auth("read")
async def suggestions_v2() -> Response:
    """Accounts to follow, each with why (`sources`)."""
    return api_json(await suggestion_entities(services(), await _found()))


@bp.get("/api/v1/suggestions")
@api_auth("read")
async def suggestions_v1() -> Response:
    """Accounts to follow (plain Accounts)."""
    return api_json(await account_list(services(), [s.account for s in await _found()]))


@bp.delete("/api/v1/suggestions/<int:account_id>")
@api_auth("read")
async def dismiss(account_id: int) -> Response:
    """Do not suggest this account again."""
    await suggestions.dismiss_suggestion(services(), current_account(), account_id)
    return api_json({})
