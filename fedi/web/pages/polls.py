"""Polls in the web UI: the compose form's poll fields, and voting from a post (`/vote`)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request

from fedi.errors import Invalid
from fedi.polls.edit_form import EditablePoll
from fedi.polls.rules import POLL_MAX_OPTIONS, PollDraft
from fedi.polls.voting import CHOICES, vote
from fedi.timelines import thread
from fedi.web.auth import login_required, page, redirect_with_notice, require_viewer, services
from fedi.web.pages.interactions import back_to

bp = Blueprint("polls", __name__)

OPTION_FIELDS = tuple(f"poll_option_{i}" for i in range(1, POLL_MAX_OPTIONS + 1))
POLL_FIELDS = (*OPTION_FIELDS, "poll_expires_in", "poll_multiple", "poll_hide_totals")
KEEP_END = "keep"
"""The edit page's poll length that keeps the poll's current end."""


def poll_form_values(data: Any) -> dict[str, str]:
    """The poll fields of a submitted compose form, to show them again."""
    return {name: data.get(name, "") for name in POLL_FIELDS}


def poll_from_form(data: Any) -> PollDraft | None:
    """The poll of the compose form, or None when no option was written.

    Empty option boxes between written ones are left out (people skip a box); the service
    checks the rest (at least two options, lengths, the duration).
    """
    options = tuple(data.get(name, "").strip() for name in OPTION_FIELDS)
    written = tuple(o for o in options if o)
    if not written:
        return None
    raw = data.get("poll_expires_in", "").strip()
    return PollDraft(
        options=written,
        expires_in=int(raw) if raw.isdigit() and len(raw) < 10 else None,
        multiple=data.get("poll_multiple") == "on",
        hide_totals=data.get("poll_hide_totals") == "on",
        keep_end=raw == KEEP_END,
    )


def poll_edit_values(poll: EditablePoll | None) -> dict[str, str]:
    """The poll fields of the edit page, filled with the post's current poll."""
    if poll is None:
        return {name: "" for name in POLL_FIELDS}
    options = list(poll.options) + [""] * (POLL_MAX_OPTIONS - len(poll.options))
    return dict(zip(OPTION_FIELDS, options, strict=False)) | {
        "poll_expires_in": KEEP_END,
        "poll_multiple": "on" if poll.multiple else "",
        "poll_hide_totals": "on" if poll.hide_totals else "",
    }


@bp.post("/@<name>/<int:post_id>/vote")
@login_required
async def cast_vote(name: str, post_id: int) -> Response:
    """Vote with the poll form's `choice` boxes; a refusal shows the post with the reason."""
    current = require_viewer()
    form = await request.form
    raw = form.getlist("choice")
    choices = [int(c) for c in raw if c.isdigit() and len(c) < 4]
    try:
        if len(choices) < len(raw):
            raise Invalid.field(CHOICES, "Choose one of the options.")
        await vote(services(), current.account, post_id, choices, author_username=name)
    except Invalid as exc:
        context = await thread(services(), current.id, name, post_id)
        message = exc.field_errors.get(CHOICES) or exc.safe_message
        return await page(
            "pages/status.html", status=422, thread=context, poll_errors={post_id: message}
        )
    return redirect_with_notice(await back_to(f"/@{name}/{post_id}"), "Your vote is counted.")
