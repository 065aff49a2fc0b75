"""The admin federation page: deliveries per remote host and "retry now" (staff only)."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.errors import Invalid
from fedi.outbox.delivery import federation_health, retry_dead_deliveries
from fedi.web.auth import page, redirect_with_notice, services, staff_required

bp = Blueprint("admin_federation_pages", __name__)

MAX_HOST_LENGTH = 300


@bp.get("/admin/federation")
@staff_required
async def federation() -> Response:
    """Per host: queued, retrying and dead deliveries, failures in a row, unavailable since."""
    hosts = await federation_health(services())
    return await page("pages/admin_federation.html", hosts=hosts)


@bp.post("/admin/federation/retry")
@staff_required
async def retry() -> Response:
    """Queue a host's dead deliveries again, due now."""
    form = await request.form
    host = (form.get("host") or "").strip().lower()
    if not host or len(host) > MAX_HOST_LENGTH:
        raise Invalid.field("host", "Choose a host whose deliveries should be retried.")
    count = await retry_dead_deliveries(services(), host)
    noun = "delivery" if count == 1 else "deliveries"
    notice = (
        f"Retrying {count} dead {noun} to {host}." if count else f"{host} has no dead deliveries."
    )
    return redirect_with_notice("/admin/federation", notice)
