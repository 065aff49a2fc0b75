"""`/api/v1/polls`: read a poll and vote in it (reference §5.8); the `poll[...]` parameters of
`POST /api/v1/statuses`."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.errors import Invalid
from fedi.polls.rules import OPTIONS_FIELD, PollDraft
from fedi.polls.voting import CHOICES, get_poll, vote
from fedi.web.api.auth import api_auth, current_account, viewer_id
from fedi.web.api.entities_polls import poll_entity
from fedi.web.api.params import Params, api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_polls", __name__)


def poll_param(params: Params) -> PollDraft | None:
    """The poll of a new status (`poll[options][]`, `poll[expires_in]`, `poll[multiple]`,
    `poll[hide_totals]`, form or JSON), or None when none was sent."""
    if not params.has("poll") or params.get("poll") in ("", None):
        return None
    if not params.dict("poll"):
        raise Invalid.field(OPTIONS_FIELD, "A poll needs options.")
    poll = params.sub("poll")
    return PollDraft(
        options=tuple(poll.list("options")),
        expires_in=poll.int("expires_in"),
        multiple=poll.bool("multiple"),
        hide_totals=poll.bool("hide_totals"),
    )


@bp.get("/api/v1/polls/<int:poll_id>")
@api_auth("read:statuses", user=None)
async def show(poll_id: int) -> Response:
    """A poll of a status the viewer may see."""
    return api_json(poll_entity(await get_poll(services(), viewer_id(), poll_id)))


@bp.post("/api/v1/polls/<int:poll_id>/votes")
@api_auth("write:statuses")
async def votes(poll_id: int) -> Response:
    """Vote with `choices[]` (option indices); answers the poll with the vote counted."""
    params = await api_params()
    raw = params.list(CHOICES)
    if any(not c.strip().isdigit() for c in raw):
        raise Invalid.field(CHOICES, "Choices are option numbers, counted from 0.")
    chosen = [int(c) for c in raw]
    return api_json(poll_entity(await vote(services(), current_account(), poll_id, chosen)))
