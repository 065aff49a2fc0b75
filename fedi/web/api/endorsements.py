"""Endorsements (reference §5.3): accounts a user features on their profile (Mastodon's account
pins): `POST /api/v1/accounts/:id/pin` and `/unpin` (and Mastodon 4.4's `/endorse`, `/unendorse`),
`GET /api/v1/endorsements` and `GET /api/v1/accounts/:id/endorsements` (4.4)."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.api_reads.statuses import AccountPage
from fedi.endorsements import endorse, list_endorsed, unendorse
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities import account_entity, relationship_entity
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.api.statuses import cursor_of
from fedi.web.auth import services

bp = Blueprint("api_endorsements", __name__)


def _accounts(page: AccountPage) -> Response:
    svc = services()
    items = [account_entity(svc, a, counts=page.counts.get(a.id)) for a in page.accounts]
    return paginated(items, page.cursor_ids)


@bp.get("/api/v1/endorsements")
@api_auth("read:accounts")
async def endorsements() -> Response:
    """Accounts the viewer features on their profile, newest first (Link-paginated by the
    hidden endorsement id)."""
    cursor = cursor_of(await api_params(), default=40, maximum=80)
    return _accounts(await list_endorsed(services(), current_account().id, cursor))


@bp.get("/api/v1/accounts/<int:account_id>/endorsements")
@api_auth("read:accounts", user=None)
async def account_endorsements(account_id: int) -> Response:
    """Accounts this account features on its profile (token optional), newest first."""
    cursor = cursor_of(await api_params(), default=40, maximum=80)
    return _accounts(await list_endorsed(services(), account_id, cursor))


@bp.post("/api/v1/accounts/<int:account_id>/pin")
@bp.post("/api/v1/accounts/<int:account_id>/endorse")
@api_auth("write:accounts")
async def pin(account_id: int) -> Response:
    """Feature an account the viewer follows; answers the Relationship (`endorsed` true)."""
    rel = await endorse(services(), current_account().id, account_id)
    return api_json(relationship_entity(rel))


@bp.post("/api/v1/accounts/<int:account_id>/unpin")
@bp.post("/api/v1/accounts/<int:account_id>/unendorse")
@api_auth("write:accounts")
async def unpin(account_id: int) -> Response:
    """Stop featuring an account; answers the Relationship (`endorsed` false)."""
    rel = await unendorse(services(), current_account().id, account_id)
    return api_json(relationship_entity(rel))
