"""Block, unblock, mute and unmute buttons (POST `/@name[@host]/block`…), and Settings → Blocks
and mutes (`/settings/blocks`)."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.moderation.blocks import block_by_acct, unblock_by_acct
from fedi.moderation.mutes import mute_by_acct, unmute_by_acct
from fedi.moderation.overview import blocks_and_mutes
from fedi.posts_view import account_path
from fedi.web.auth import login_required, page, redirect_with_notice, require_viewer, services
from fedi.web.pages.interactions import back_to

bp = Blueprint("blocks", __name__)

SETTINGS_PATH = "/settings/blocks"


def _max_id(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 20 else None


def _duration(raw: str) -> int | None:
    """Seconds from the form ('' = no end); anything else not a number is left to the service
    to refuse (-1)."""
    raw = raw.strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 12 else -1


# Profile paths are `/@name` (ours) and `/@name@host` (other servers): `acct` is either.


@bp.post("/@<acct>/block")
async def block(acct: str) -> Response:
    current = require_viewer()
    form = await request.form
    if form.get("confirmed", "yes") != "yes":
        # The profile's Block button sends confirmed=no; fedi.js turns it into "yes" once the
        # person said OK to "Block …?". Without JavaScript nobody asked yet: ask on a page.
        back = await back_to(f"/@{acct}")
        return await page("pages/block_confirm.html", acct=acct, action=request.path, back=back)
    target = await block_by_acct(services(), current.account, acct)
    notice = (
        f"You blocked @{target.acct}. You no longer follow each other, and neither of you sees "
        "the other's posts."
    )
    return redirect_with_notice(await back_to(account_path(target)), notice)


@bp.post("/@<acct>/unblock")
async def unblock(acct: str) -> Response:
    current = require_viewer()
    target = await unblock_by_acct(services(), current.account, acct)
    return redirect_with_notice(
        await back_to(account_path(target)), f"You unblocked @{target.acct}."
    )


@bp.post("/@<acct>/mute")
async def mute(acct: str) -> Response:
    current = require_viewer()
    form = await request.form
    target = await mute_by_acct(
        services(),
        current.account,
        acct,
        notifications=form.get("notifications") == "on",
        duration_seconds=_duration(form.get("duration", "")),
    )
    notice = f"You muted @{target.acct}. Their posts no longer show in your timelines."
    return redirect_with_notice(await back_to(account_path(target)), notice)


@bp.post("/@<acct>/unmute")
async def unmute(acct: str) -> Response:
    current = require_viewer()
    target = await unmute_by_acct(services(), current.account, acct)
    return redirect_with_notice(await back_to(account_path(target)), f"You unmuted @{target.acct}.")


@bp.get(SETTINGS_PATH)
@login_required
async def settings_blocks() -> Response:
    """The accounts the viewer blocks and mutes, each with its Unblock or Unmute button."""
    current = require_viewer()
    listing = await blocks_and_mutes(
        services(),
        current.id,
        blocked_max_id=_max_id("blocked_max_id"),
        muted_max_id=_max_id("muted_max_id"),
    )
    return await page("pages/settings_blocks.html", listing=listing, here=SETTINGS_PATH)
