"""Settings → Delete account (`/settings/delete`): confirm with the password, then logged out."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.accounts.deletion import delete_account
from fedi.errors import Invalid
from fedi.web.auth import (
    clear_session_cookie,
    login_required,
    page,
    redirect_with_notice,
    require_viewer,
    services,
)

bp = Blueprint("account_deletion", __name__)

PATH = "/settings/delete"


@bp.get(PATH)
@login_required
async def confirm() -> Response:
    """What deleting means, and the password field that confirms it."""
    return await page("pages/settings_delete.html", errors={})


@bp.post(PATH)
@login_required
async def delete() -> Response:
    """Delete the account (wrong password: the form again, nothing deleted); log out."""
    form = await request.form
    try:
        await delete_account(services(), require_viewer(), password=form.get("password", ""))
    except Invalid as exc:
        return await page("pages/settings_delete.html", status=422, errors=exc.field_errors)
    response = redirect_with_notice(
        "/", "Your account has been deleted. Other servers are being told to remove it too."
    )
    clear_session_cookie(response)
    return response
