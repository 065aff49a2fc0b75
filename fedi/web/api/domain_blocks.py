"""`/api/v1/domain_blocks` (reference §5.8): domains the user hides."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import user_domain_blocks
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_misc import window_of
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.auth import services

bp = Blueprint("api_domain_blocks", __name__)


@bp.get("/api/v1/domain_blocks")
@api_auth("read:blocks")
async def blocked_domains() -> Response:
    """The hidden domains, as strings (Link-paginated)."""
    params = await api_params()
    page = await user_domain_blocks.blocked_domains(
        services(), current_account(), window_of(params, default=100, maximum=200)
    )
    return paginated(page.items, page.cursor_ids)


@bp.post("/api/v1/domain_blocks")
@api_auth("write:blocks")
async def block() -> Response:
    """Hide a `domain`: its posts leave the home feed, its notifications stop."""
    domain = (await api_params()).require("domain")
    await user_domain_blocks.block_domain(services(), current_account(), domain)
    return api_json({})


@bp.delete("/api/v1/domain_blocks")
@api_auth("write:blocks")
async def unblock() -> Response:
    """Show a `domain` again."""
    domain = (await api_params()).require("domain")
    await user_domain_blocks.unblock_domain(services(), current_account(), domain)
    return api_json({})
