"""`/api/v1/conversations` (reference §5.8): direct posts grouped by thread."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi import conversations
from fedi.errors import NotFound
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_misc import conversation_entities, window_of
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json, paginated
from fedi.web.auth import services

bp = Blueprint("api_conversations", __name__)


@bp.get("/api/v1/conversations")
@api_auth("read:statuses")
async def list_conversations() -> Response:
    """The viewer's conversations, most recently active first (Link-paginated by last status)."""
    params = await api_params()
    svc, viewer = services(), current_account()
    page = await conversations.list_conversations(svc, viewer, window_of(params))
    return paginated(await conversation_entities(svc, viewer.id, page), page.cursor_ids)


@bp.post("/api/v1/conversations/<int:conversation_id>/read")
@api_auth("write:conversations")
async def mark_read(conversation_id: int) -> Response:
    """Mark a conversation read; returns it."""
    svc, viewer = services(), current_account()
    page = await conversations.mark_read(svc, viewer, conversation_id)
    found = await conversation_entities(svc, viewer.id, page)
    if not found:
        raise NotFound(conversations.NOT_FOUND)
    return api_json(found[0])


@bp.delete("/api/v1/conversations/<int:conversation_id>")
@api_auth("write:conversations")
async def remove(conversation_id: int) -> Response:
    """Hide a conversation until someone writes in it again."""
    await conversations.remove_conversation(services(), current_account(), conversation_id)
    return api_json({})
