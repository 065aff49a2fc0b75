"""The profile's "Feature on my profile" / "Stop featuring" buttons (POST `/@name[@host]/feature`
and `/unfeature`); the featured accounts themselves show on the profile page
(`templates/partials/featured_accounts.html`)."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.endorsements import feature_by_acct, unfeature_by_acct
from fedi.posts_view import account_path
from fedi.web.auth import redirect_with_notice, require_viewer, services
from fedi.web.pages.interactions import back_to

bp = Blueprint("endorsements", __name__)


@bp.post("/@<acct>/feature")
async def feature(acct: str) -> Response:
    """Feature a followed account on the viewer's profile, then go back with a notice."""
    current = require_viewer()
    target = await feature_by_acct(services(), current.account, acct)
    notice = f"@{target.acct} is now featured on your profile."
    return redirect_with_notice(await back_to(account_path(target)), notice)


@bp.post("/@<acct>/unfeature")
async def unfeature(acct: str) -> Response:
    """Take an account off the viewer's profile, then go back with a notice."""
    current = require_viewer()
    target = await unfeature_by_acct(services(), current.account, acct)
    notice = f"@{target.acct} is no longer featured on your profile."
    return redirect_with_notice(await back_to(account_path(target)), notice)
