"""The report form: `/@name[@host]/report` lets a logged-in person report an account (and some
of its posts) to the moderators, and forward a copy to the account's own server."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.errors import Invalid
from fedi.reports import CATEGORY_LABELS, MAX_COMMENT, report_by_acct, report_target
from fedi.web.auth import login_required, page, redirect_with_notice, require_viewer, services

bp = Blueprint("reports", __name__)

THANKS = "Thank you. Your report was sent to the moderators of this server."
THANKS_FORWARDED = "Thank you. Your report was sent to our moderators and to those of {host}."


async def _form_page(
    acct: str, form: dict[str, object], errors: dict[str, str], status: int
) -> Response:
    target = await report_target(services(), require_viewer().account, acct)
    return await page(
        "pages/report.html",
        status=status,
        target=target,
        categories=CATEGORY_LABELS,
        max_comment=MAX_COMMENT,
        form=form,
        errors=errors,
    )


@bp.get("/@<acct>/report")
@login_required
async def report_form(acct: str) -> Response:
    """The empty form: what is wrong, which posts (`?post=<id>` ticks one), a comment, and for
    accounts of other servers "Forward a copy to <host>"."""
    ticked = [int(i) for i in request.args.getlist("post") if i.isdigit() and len(i) < 20]
    form = {"category": "", "comment": "", "status_ids": ticked, "forward": False}
    return await _form_page(acct, form, {}, 200)


@bp.post("/@<acct>/report")
@login_required
async def report(acct: str) -> Response:
    """File the report; the form again (422) with the errors next to the fields."""
    data = await request.form
    category, comment = data.get("category", ""), data.get("comment", "")
    ticked = [int(i) for i in data.getlist("status_ids") if i.isdigit() and len(i) < 20]
    forward = data.get("forward") == "on"
    try:
        filed = await report_by_acct(
            services(),
            require_viewer().account,
            acct,
            status_ids=ticked,
            comment=comment,
            category=category,
            forward=forward,
        )
    except Invalid as exc:
        form = {"category": category, "comment": comment, "status_ids": ticked, "forward": forward}
        return await _form_page(acct, form, exc.field_errors or {"_form": exc.safe_message}, 422)
    notice = THANKS_FORWARDED.format(host=filed.target.domain) if filed.forwarded else THANKS
    return redirect_with_notice(f"/@{filed.target.acct}", notice)
