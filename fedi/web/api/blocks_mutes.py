"""`/api/v1/blocks` and `/api/v1/mutes` (reference §5.3): the accounts the viewer blocks or
mutes, Link-paginated. Blocking and muting themselves are under `/api/v1/accounts/:id/`."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.api_reads import accounts as reads
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities import account_entity
from fedi.web.api.params import api_params
from fedi.web.api.responses import paginated
from fedi.web.api.statuses import cursor_of
from fedi.web.auth import services

bp = Blueprint("api_blocks_mutes", __name__)


@bp.get("/api/v1/blocks")
@api_auth("read:blocks", "follow")
async def blocks() -> Response:
    """Blocked accounts, newest block first (Link-paginated by block id)."""
    cursor = cursor_of(await api_params(), default=40, maximum=80)
    svc = services()
    page = await reads.blocked_accounts(svc, current_account().id, cursor)
    items = [account_entity(svc, a, counts=page.counts.get(a.id)) for a in page.accounts]
    return paginated(items, page.cursor_ids)


@bp.get("/api/v1/mutes")
@api_auth("read:mutes", "follow")
async def mutes() -> Response:
    """Muted accounts, newest mute first (Link-paginated by mute id), each with
    `mute_expires_at` (Mastodon 4.3; null for a mute without end)."""
    cursor = cursor_of(await api_params(), default=40, maximum=80)
    svc = services()
    found = await reads.muted_accounts(svc, current_account().id, cursor)
    page = found.page
    items = [
        account_entity(svc, a, counts=page.counts.get(a.id))
        | {"mute_expires_at": found.ends.get(a.id)}
        for a in page.accounts
    ]
    return paginated(items, page.cursor_ids)
