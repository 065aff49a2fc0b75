"""The "Pin on profile" and "Unpin" buttons of one's own public and unlisted posts (POST forms)."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.status_actions import pin_post, unpin_post
from fedi.web.auth import redirect_with_notice, require_viewer, services
from fedi.web.pages.interactions import back_to

bp = Blueprint("pins", __name__)


@bp.post("/@<name>/<int:post_id>/pin")
async def pin(name: str, post_id: int) -> Response:
    """Pin one's own post to the top of one's profile (at most five; 422 with the reason)."""
    current = require_viewer()
    await pin_post(services(), current.account, post_id)
    return redirect_with_notice(await back_to(f"/@{name}/{post_id}"), "Pinned to your profile.")


@bp.post("/@<name>/<int:post_id>/unpin")
async def unpin(name: str, post_id: int) -> Response:
    """Take a post off the top of one's profile."""
    current = require_viewer()
    await unpin_post(services(), current.account, post_id)
    return redirect_with_notice(await back_to(f"/@{name}/{post_id}"), "Unpinned from your profile.")
