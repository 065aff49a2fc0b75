"""`POST /api/v1/reports` (reference §5.8): report an account and some of its posts."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import reports
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_misc import report_entity
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_reports", __name__)


@bp.post("/api/v1/reports")
@api_auth("write:reports")
async def file_report() -> Response:
    """File a report: `account_id`, `status_ids[]`, `comment`, `forward`, `category`."""
    params = await api_params()
    svc = services()
    filed = await reports.file_report(
        svc,
        current_account(),
        account_id=params.id("account_id"),
        status_ids=params.ids("status_ids"),
        comment=params.str("comment"),
        category=params.opt_str("category"),
        forward=params.bool("forward"),
    )
    return api_json(await report_entity(svc, filed))
