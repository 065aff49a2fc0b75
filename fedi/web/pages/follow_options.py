"""The follow options on a followed account's profile: "Notify me of new posts" and "Show
boosts" (POST `/@name[@host]/follow_options`), the same options as the API's follow."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.follow_options import FollowOptions, set_follow_options_by_acct
from fedi.posts_view import account_path
from fedi.web.auth import login_required, redirect_with_notice, require_viewer, services
from fedi.web.pages.interactions import back_to

bp = Blueprint("follow_options", __name__)


@bp.post("/@<acct>/follow_options")
@login_required
async def follow_options(acct: str) -> Response:
    """Save both checkboxes (an unchecked box is off)."""
    form = await request.form
    options = FollowOptions(notify=form.get("notify") == "on", reblogs=form.get("reblogs") == "on")
    target, follow = await set_follow_options_by_acct(
        services(), require_viewer().account, acct, options
    )
    notified = "you will be notified of their new posts" if follow.notify else "no post alerts"
    boosts = "their boosts are shown" if follow.show_reblogs else "their boosts are hidden"
    notice = f"Saved for @{target.acct}: {notified}; {boosts}."
    return redirect_with_notice(await back_to(account_path(target)), notice)
