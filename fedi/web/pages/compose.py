"""The compose page: `/compose` (new post or reply) and the form it posts to."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.errors import Invalid
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.posts_view import post_path
from fedi.timelines import ReplyContext, reply_context
from fedi.web.auth import login_required, page, redirect_with_notice, require_viewer, services

bp = Blueprint("compose", __name__)

FIELDS = ("status", "spoiler_text", "visibility", "in_reply_to_id")


def _post_id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 20 else None


async def _reply(in_reply_to: int | None) -> ReplyContext | None:
    if in_reply_to is None:
        return None
    current = require_viewer()
    return await reply_context(
        services(),
        current.account,
        in_reply_to,
        default_visibility=current.user.default_visibility,
    )


@bp.get("/compose")
@login_required
async def compose() -> Response:
    current = require_viewer()
    reply = await _reply(_post_id(request.args.get("in_reply_to")))
    form = {
        "status": reply.text if reply else "",
        "spoiler_text": "",
        "visibility": reply.visibility if reply else current.user.default_visibility,
        "in_reply_to_id": str(reply.parent.id) if reply else "",
    }
    return await page("pages/compose.html", form=form, errors={}, reply=reply)


@bp.post("/compose")
@login_required
async def publish() -> Response:
    current = require_viewer()
    data = await request.form
    form = {name: data.get(name, "") for name in FIELDS}
    in_reply_to = _post_id(form["in_reply_to_id"])
    draft = PostDraft(
        text=form["status"],
        content_warning=form["spoiler_text"],
        visibility=form["visibility"] or None,
        in_reply_to_id=in_reply_to,
    )
    try:
        post = await create_post(services(), current.account, draft)
    except Invalid as exc:
        reply = await _reply(in_reply_to)
        return await page(
            "pages/compose.html",
            status=422,
            form={**form, "from": data.get("from", "")},
            errors=exc.field_errors,
            reply=reply,
        )
    if data.get("from") == "home":
        return redirect_with_notice("/home", "Your post is published.")
    return redirect_with_notice(post_path(current.account, post.id), "Your post is published.")
