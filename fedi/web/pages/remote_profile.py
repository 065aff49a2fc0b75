"""Pages of accounts on other servers: `/@name@host`, and following or unfollowing them."""

from __future__ import annotations

from quart import Blueprint, Response, redirect

from fedi.accounts.remote_profiles import find_account, forget_counts, remote_profile
from fedi.endorsements import featured_on_profile
from fedi.outbox.interactions import follow_account, unfollow_account
from fedi.web.auth import page, redirect_with_notice, require_viewer, services, viewer
from fedi.web.pages.interactions import back_to

bp = Blueprint("remote_profile", __name__)

# Werkzeug prefers these rules (more fixed text) over profile.py's `/@<name>` ones, so handles with
# a host land here; our own domain is redirected to the local profile page.


def _own_domain(host: str) -> bool:
    return host.lower() == services().config.instance.domain.lower()


@bp.get("/@<user>@<host>")
async def show(user: str, host: str) -> Response:
    if _own_domain(host):
        return redirect(f"/@{user}", 301)  # type: ignore[return-value]
    current = viewer()
    svc, viewer_id = services(), current.id if current else None
    view = await remote_profile(svc, viewer_id, user, host)
    featured_accounts = await featured_on_profile(svc, viewer_id, view.account)
    return await page(
        "pages/remote_profile.html",
        profile=view,
        posts=view.posts,
        featured_accounts=featured_accounts,
    )


@bp.post("/@<user>@<host>/follow")
async def follow(user: str, host: str) -> Response:
    current = require_viewer()
    svc = services()
    target = await find_account(svc, user, host)
    result = await follow_account(svc, current.account, target)
    handle = "@" + target.acct
    if result.state == "accepted":
        notice = f"You now follow {handle}."
    elif target.local or target.locked:
        notice = f"Follow request sent to {handle}. You will follow them once they approve it."
    else:
        notice = f"Follow request sent to {handle}. You will follow them once their server accepts."
    return redirect_with_notice(await back_to(f"/@{target.acct}"), notice)


@bp.post("/@<user>@<host>/unfollow")
async def unfollow(user: str, host: str) -> Response:
    current = require_viewer()
    svc = services()
    target = await find_account(svc, user, host, network=False)
    removed = await unfollow_account(svc, current.account, target)
    forget_counts(svc, target.uri)
    handle = "@" + target.acct
    if removed is not None and removed.state == "pending":
        notice = f"Your follow request to {handle} was withdrawn."
    else:
        notice = f"You no longer follow {handle}."
    return redirect_with_notice(await back_to(f"/@{target.acct}"), notice)
