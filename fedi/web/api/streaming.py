"""Streaming (reference §7): WebSocket `/api/v1/streaming`, SSE `/api/v1/streaming/<channel>`.

Both take a user token (`Authorization: Bearer`, `?access_token=`, or for WebSockets the
`Sec-WebSocket-Protocol` header, echoed back as browsers require), open one `fedi.streams`
LiveStream and write what it hands out, rendered for the viewer: `update` / `status.update`
(Status), `notification` (Notification), `conversation` (Conversation), `delete` (the id as a
bare string) and `filters_changed` (no payload). Payloads are JSON strings inside the frame.

Long-lived: the SSE response has no timeout (Quart cuts responses after 60 s otherwise), starts
with a `:)` comment so headers flush at once and sends `:thump` every 15 s; Hypercorn pings
WebSockets (`fedi serve` sets `websocket_ping_interval`). At shutdown the broker ends every
stream, and a revoked token ends its streams at the next heartbeat.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from quart import Blueprint, Response, websocket

from fedi.context import Services
from fedi.conversations import ConversationPage
from fedi.errors import FediError
from fedi.notification_queries import NotificationList
from fedi.oauth.tokens import authenticate
from fedi.streams import (
    UNKNOWN_CHANNEL,
    LiveItem,
    LiveStream,
    UnknownChannel,
    open_stream,
    parse_channel,
)
from fedi.web.api.auth import INVALID_TOKEN, api_auth, bearer_token, current_grant, viewer_id
from fedi.web.api.entities import JsonDict
from fedi.web.api.entities_announcements import stream_payload
from fedi.web.api.entities_misc import conversation_entities, notification_entities, statuses_of
from fedi.web.api.params import Params, api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

logger = logging.getLogger(__name__)

bp = Blueprint("api_streaming", __name__)

HEARTBEAT = 15.0
"""Seconds between SSE `:thump` comments (and token re-checks) on a quiet stream."""
SSE_CHANNELS = {
    "user": "user",
    "user/notification": "user:notification",
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
    "list": "list",
    "direct": "direct",
}
BAD_MESSAGE = 'Could not read the message: send JSON like {"type": "subscribe", "stream": "user"}'


@bp.get("/api/v1/streaming/health")
async def health() -> Response:
    """`OK` as plain text: the streaming API is up (Mastodon's health check)."""
    return Response("OK", content_type="text/plain; charset=utf-8")


@bp.get("/api/v1/streaming/<path:which>")
@api_auth()
async def server_sent_events(which: str) -> Response:
    """One channel as Server-Sent Events (`?only_media=true` on public ones, `tag`, `list`)."""
    params = await api_params()
    name = SSE_CHANNELS.get(which.strip("/"))
    if name is None:
        raise UnknownChannel(UNKNOWN_CHANNEL)
    if name.startswith("public") and params.bool("only_media"):
        name += ":media"
    channel = parse_channel(name, tag=params.opt_str("tag"), list_id=params.opt_str("list"))
    grant = current_grant()
    assert grant is not None
    account_id = viewer_id()
    assert account_id is not None
    svc = services()
    stream = open_stream(svc, account_id, grant.scopes)
    try:
        await stream.subscribe(channel)
    except BaseException:
        stream.close()
        raise
    response = Response(
        _sse_body(svc, stream, bearer_token()), content_type="text/event-stream; charset=utf-8"
    )
    response.timeout = None  # Quart would end it after RESPONSE_TIMEOUT (60 s)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


async def _sse_body(svc: Services, stream: LiveStream, token: str) -> AsyncIterator[str]:
    try:
        yield ":)\n"
        while True:
            items = await stream.next_items(HEARTBEAT)
            if items is None:
                break
            if not items:
                if not await _token_valid(svc, token):
                    break
                yield ":thump\n"
                continue
            for item, payload in await render_items(svc, stream.viewer_id, items):
                yield f"event: {item.event}\ndata: {'undefined' if payload is None else payload}\n\n"
    finally:
        stream.close()


@bp.websocket("/api/v1/streaming")
async def streaming_socket() -> Response | None:
    """The multiplexed WebSocket: `?stream=` to start with one channel, then JSON messages
    `{"type": "subscribe"|"unsubscribe", "stream": ..., "tag"|"list": ...}`."""
    svc = services()
    offered = websocket.requested_subprotocols
    token = _socket_token(offered)
    grant = await authenticate(svc, token) if token else None
    if grant is None or grant.account is None:
        return api_json({"error": INVALID_TOKEN}, 401)
    # Interop: Chrome drops the connection unless one offered protocol is selected (Elk #2706).
    await websocket.accept(subprotocol=offered[0] if offered else None)
    stream = open_stream(svc, grant.account.id, grant.scopes)
    try:
        first = websocket.args.get("stream")
        if first:
            params = Params({k: websocket.args.get(k) for k in ("stream", "tag", "list")})
            if not await _change(stream, "subscribe", params):
                return None
        reader = asyncio.ensure_future(_read_messages(stream))
        writer = asyncio.ensure_future(_write_events(svc, stream, token))
        try:
            done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
        finally:  # the client left, the stream ended, or Quart cancelled us: stop both
            reader.cancel()
            writer.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
    finally:
        stream.close()
    return None


def _socket_token(offered: list[str]) -> str:
    """The token from `Authorization`, `?access_token=`, or the offered WebSocket protocol."""
    header = websocket.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return websocket.args.get("access_token", "") or (offered[0].strip() if offered else "")


async def _read_messages(stream: LiveStream) -> None:
    """Apply the client's subscribe/unsubscribe messages until it goes away."""
    while True:
        message = await websocket.receive()
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("type") not in ("subscribe", "unsubscribe"):
            await _send_error(BAD_MESSAGE)
            continue
        await _change(stream, str(data["type"]), Params(data))


async def _change(stream: LiveStream, kind: str, params: Params) -> bool:
    """Subscribe or unsubscribe a channel; a refusal is an error frame (False)."""
    try:
        channel = parse_channel(
            params.str("stream"), tag=params.opt_str("tag"), list_id=params.opt_str("list")
        )
        if kind == "subscribe":
            await stream.subscribe(channel)
        else:
            stream.unsubscribe(channel)
    except FediError as exc:
        await _send_error(exc.safe_message, exc.status)
        return False
    return True


async def _send_error(message: str, status: int = 400) -> None:
    await websocket.send(json.dumps({"error": message, "status": status}))


async def _write_events(svc: Services, stream: LiveStream, token: str) -> None:
    """Send each item as `{"stream": [...], "event": ..., "payload": "<JSON>"}` until the end."""
    while True:
        items = await stream.next_items(HEARTBEAT)
        if items is None:
            if stream.cut_off:  # fell too far behind: 1013 "try again later", then refetch
                await websocket.close(1013, "Too slow to keep up")
            return
        if not items:
            if not await _token_valid(svc, token):
                return
            continue
        for item, payload in await render_items(svc, stream.viewer_id, items):
            frame: dict[str, Any] = {"stream": item.channel.label, "event": item.event}
            if payload is not None:
                frame["payload"] = payload
            await websocket.send(json.dumps(frame, ensure_ascii=False))


async def _token_valid(svc: Services, token: str) -> bool:
    """Whether the stream's token still works (a revoked token ends its streams)."""
    return bool(token) and await authenticate(svc, token) is not None


def _dump(entity: Any) -> str:
    return json.dumps(entity, ensure_ascii=False, separators=(",", ":"))


async def render_items(
    svc: Services, viewer: int, items: list[LiveItem]
) -> list[tuple[LiveItem, str | None]]:
    """Each item with its payload string (None: no payload); items whose entity cannot be
    built for the viewer (it vanished meanwhile) are left out. One batch per kind of entity
    (statuses once per filter context, since their `filtered` field depends on it)."""
    statuses: dict[tuple[int, str], JsonDict] = {}
    by_context: dict[str, dict[int, LiveItem]] = {}
    for item in items:
        if item.post is not None and item.conversation is None:
            by_context.setdefault(item.channel.filter_context, {})[item.post.id] = item
    for context, chosen in by_context.items():
        posts = [i.post for i in chosen.values() if i.post is not None]
        matches = {post_id: i.filtered for post_id, i in chosen.items() if i.filtered}
        for entity in await statuses_of(svc, viewer, posts, matches):
            statuses[(int(entity["id"]), context)] = entity
    notes = {i.notification.notification.id: i for i in items if i.notification is not None}
    notifications: dict[str, JsonDict] = {}
    if notes:
        page = NotificationList(
            items=[i.notification for i in notes.values() if i.notification is not None],
            filtered={
                i.notification.post.id: i.filtered
                for i in notes.values()
                if i.notification is not None and i.notification.post is not None and i.filtered
            },
        )
        notifications = {e["id"]: e for e in await notification_entities(svc, viewer, page)}
    chats = {i.conversation.id: i.conversation for i in items if i.conversation is not None}
    conversations: dict[str, JsonDict] = {}
    if chats:
        found = ConversationPage(items=list(chats.values()))
        conversations = {e["id"]: e for e in await conversation_entities(svc, viewer, found)}
    out: list[tuple[LiveItem, str | None]] = []
    for item in items:
        entity: JsonDict | None = None
        if item.event == "delete":
            out.append((item, str(item.deleted_id)))
            continue
        if item.event == "filters_changed":
            out.append((item, None))
            continue
        if item.announcement is not None:
            found = await stream_payload(svc, viewer, item.announcement)
            if found is not None:
                out.append((item, found if isinstance(found, str) else _dump(found)))
            continue
        if item.notification is not None:
            entity = notifications.get(str(item.notification.notification.id))
        elif item.conversation is not None:
            entity = conversations.get(str(item.conversation.id))
        elif item.post is not None:
            entity = statuses.get((item.post.id, item.channel.filter_context))
        if entity is not None:
            out.append((item, _dump(entity)))
    return out
