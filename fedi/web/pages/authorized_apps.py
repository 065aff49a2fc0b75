"""Settings → Apps (`/settings/apps`): the apps that may use the account, each revocable."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.oauth.apps import authorized_apps, revoke_authorization
from fedi.oauth.scopes import describe_scopes
from fedi.web.auth import login_required, page, redirect_with_notice, require_viewer, services

bp = Blueprint("authorized_apps", __name__)


@bp.get("/settings/apps")
@login_required
async def apps_page() -> Response:
    """Authorized apps with what they may do and when they last did something."""
    apps = await authorized_apps(services(), require_viewer())
    return await page(
        "pages/authorized_apps.html",
        apps=[(item, describe_scopes(item.scopes)) for item in apps],
    )


@bp.post("/settings/apps/<int:app_id>/revoke")
@login_required
async def revoke_app(app_id: int) -> Response:
    """Take an app's access back: its tokens stop working at once."""
    app = await revoke_authorization(services(), require_viewer(), app_id)
    return redirect_with_notice(
        "/settings/apps", f"{app.name} no longer has access to your account."
    )
