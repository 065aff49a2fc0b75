"""The admin media page: disk used by cached remote media, its budget, and "prune now"."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.errors import Invalid
from fedi.media.remote import prune_remote_media, remote_media_usage
from fedi.web.auth import page, redirect_with_notice, services, staff_required

bp = Blueprint("admin_media_pages", __name__)

MB = 1_000_000
BUDGET_ERROR = "Enter a whole number of megabytes (0 or more), or leave it empty."


async def _media_page(
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None, status: int = 200
) -> Response:
    usage = await remote_media_usage(services())
    return await page(
        "pages/admin_media.html",
        status=status,
        usage=usage,
        errors=errors or {},
        values=values or {},
    )


def _budget(raw: str | None) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        raise Invalid.field("budget_mb", BUDGET_ERROR)
    return int(text) * MB


@bp.get("/admin/media")
@staff_required
async def media() -> Response:
    """Cached remote files and bytes against the budget; a form to prune now."""
    return await _media_page()


@bp.post("/admin/media/prune")
@staff_required
async def prune() -> Response:
    """Evict least recently used remote files down to the budget (or the size typed)."""
    form = await request.form
    try:
        result = await prune_remote_media(services(), budget_bytes=_budget(form.get("budget_mb")))
    except Invalid as exc:
        return await _media_page(exc.field_errors, dict(form), status=422)
    noun = "file" if result.evicted == 1 else "files"
    notice = (
        f"Evicted {result.evicted} remote {noun} ({result.freed_bytes / MB:.1f} MB)."
        if result.evicted
        else "The remote-media cache already fits its budget; nothing was evicted."
    )
    return redirect_with_notice("/admin/media", notice)
