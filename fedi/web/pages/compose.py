"""The compose page: `/compose` (new post or reply) and the form it posts to."""

from __future__ import annotations

from collections.abc import Sequence

from quart import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from fedi.media.compose import Composed, UploadInput, publish_with_media
from fedi.media.views import media_views
from fedi.outbox.commands import PostDraft
from fedi.posts_view import post_path
from fedi.scheduled import schedule_with_media
from fedi.storage.rows import Media
from fedi.timelines import ReplyContext, reply_context
from fedi.web.auth import login_required, page, redirect_with_notice, require_viewer, services
from fedi.web.pages.polls import poll_form_values, poll_from_form

bp = Blueprint("compose", __name__)

FIELDS = ("status", "spoiler_text", "visibility", "in_reply_to_id", "sensitive", "scheduled_at")
MEDIA_SLOTS = 4


def _post_id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 20 else None


def _uploads(data: MultiDict, files: MultiDict) -> list[UploadInput]:
    """The files of the numbered slots (`media_1`... with `description_1`...), empty ones skipped."""
    uploads = []
    for slot in range(1, MEDIA_SLOTS + 1):
        file = files.get(f"media_{slot}")
        if file is None or not file.filename:
            continue
        uploads.append(
            UploadInput(
                data=file.read(),
                filename=file.filename,
                description=data.get(f"description_{slot}", ""),
                focus=data.get(f"focus_{slot}", ""),
            )
        )
    return uploads


def _descriptions_to_keep(
    data: MultiDict, files: MultiDict, new_media: Sequence[Media]
) -> dict[str, str]:
    """Alt text and focal points for the slots of a form shown again after a refused file.

    A stored file comes back as kept media carrying its own alt text, so its slot is emptied;
    the slot of a refused file keeps what was typed for the next try. Stored files are in slot
    order, each with the (trimmed) alt text of its slot.
    """
    stored = iter(new_media)
    pending = next(stored, None)
    values = {}
    for slot in range(1, MEDIA_SLOTS + 1):
        text = data.get(f"description_{slot}", "")
        focus = data.get(f"focus_{slot}", "")
        file = files.get(f"media_{slot}")
        if file is not None and file.filename and pending and pending.description == text.strip():
            text, focus, pending = "", "", next(stored, None)
        values[f"description_{slot}"] = text
        values[f"focus_{slot}"] = focus
    return values


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
        "sensitive": "on" if current.user.default_sensitive else "",
    }
    return await page("pages/compose.html", form=form, errors={}, reply=reply)


@bp.post("/compose")
@login_required
async def publish() -> Response:
    current = require_viewer()
    data = await request.form
    files = await request.files
    form = {name: data.get(name, "") for name in FIELDS} | poll_form_values(data)
    in_reply_to = _post_id(form["in_reply_to_id"])
    draft = PostDraft(
        text=form["status"],
        content_warning=form["spoiler_text"],
        visibility=form["visibility"] or None,
        in_reply_to_id=in_reply_to,
        sensitive=form["sensitive"] == "on",
        poll=poll_from_form(data),
    )
    kept = [i for raw in data.getlist("media_ids") if (i := _post_id(raw)) is not None]
    if form["scheduled_at"].strip():
        planned = await schedule_with_media(
            services(),
            current.account,
            draft,
            _uploads(data, files),
            kept_ids=kept,
            when=form["scheduled_at"],
            utc_offset=data.get("utc_offset", ""),
        )
        if planned.scheduled is not None:
            when = planned.scheduled.scheduled_at.strftime("%d %b %Y, %H:%M UTC")
            return redirect_with_notice(
                "/settings/scheduled", f"Your post is scheduled for {when}."
            )
        result = Composed(post=None, media=planned.media, errors=planned.errors)
    else:
        result = await publish_with_media(
            services(), current.account, draft, _uploads(data, files), kept_ids=kept
        )
    post = result.post
    if post is None:
        reply = await _reply(in_reply_to)
        # Stored files come back as kept media (with their alt text); a refused file's slot keeps
        # its description for the next try.
        new_media = [m for m in result.media if m.id not in set(kept)]
        descriptions = (
            _descriptions_to_keep(data, files, new_media)
            if "media" in result.errors
            else {
                f"{k}_{i}": "" for i in range(1, MEDIA_SLOTS + 1) for k in ("description", "focus")
            }
        )
        return await page(
            "pages/compose.html",
            status=422,
            form={**form, **descriptions, "from": data.get("from", "")},
            errors=result.errors,
            reply=reply,
            kept_media=media_views(list(result.media)),
        )
    if data.get("from") == "home":
        return redirect_with_notice("/home", "Your post is published.")
    return redirect_with_notice(post_path(current.account, post.id), "Your post is published.")
