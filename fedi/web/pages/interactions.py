"""Like/unlike and boost/unboost buttons (POST), and the shared "go back where you were" rule."""

from __future__ import annotations

from urllib.parse import urlsplit

from quart import Blueprint, Response, redirect, request

from fedi.outbox.boosts import boost_post, unboost_post
from fedi.outbox.interactions import like_post, unlike_post
from fedi.web.auth import require_viewer, services

bp = Blueprint("interactions", __name__)


def is_local_path(target: str) -> bool:
    """True for a path on this site (`/x`), never `//host`, `/\\host` or a URL with a scheme."""
    return (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not urlsplit(target).scheme
        and not any(c in target for c in "\r\n")
    )


async def back_to(default: str) -> str:
    """Where a button form returns to: its `next` field, else the Referer on this host, else default."""
    form = await request.form
    wanted = form.get("next", "")
    if wanted and is_local_path(wanted):
        return wanted
    referrer = request.referrer or ""
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc == request.host and parts.path.startswith("/"):
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if is_local_path(local):
                return local
    return default


@bp.post("/@<name>/<int:post_id>/like")
async def like(name: str, post_id: int) -> Response:
    current = require_viewer()
    await like_post(services(), current.account, post_id, author_username=name)
    return redirect(await back_to(f"/@{name}/{post_id}"), 303)  # type: ignore[return-value]


@bp.post("/@<name>/<int:post_id>/unlike")
async def unlike(name: str, post_id: int) -> Response:
    current = require_viewer()
    await unlike_post(services(), current.account, post_id, author_username=name)
    return redirect(await back_to(f"/@{name}/{post_id}"), 303)  # type: ignore[return-value]


@bp.post("/@<name>/<int:post_id>/boost")
async def boost(name: str, post_id: int) -> Response:
    current = require_viewer()
    await boost_post(services(), current.account, post_id, author_acct=name)
    return redirect(await back_to(f"/@{name}/{post_id}"), 303)  # type: ignore[return-value]


@bp.post("/@<name>/<int:post_id>/unboost")
async def unboost(name: str, post_id: int) -> Response:
    current = require_viewer()
    await unboost_post(services(), current.account, post_id, author_acct=name)
    return redirect(await back_to(f"/@{name}/{post_id}"), 303)  # type: ignore[return-value]
