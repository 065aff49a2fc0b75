"""Streaming against a real server: Hypercorn on a loopback port, a real WebSocket client
(websocket-client, what Mastodon.py's `websocket-streaming` extra uses) and httpx for SSE.

What the Quart test client cannot show is checked here: the token offered as
`Sec-WebSocket-Protocol` comes back in the handshake (Chrome drops the socket otherwise), and the
SSE `:)` reaches the client before any event.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websocket
from hypercorn.asyncio import serve
from hypercorn.config import Config as HyperConfig
from quart import Quart

from fedi.app import create_app
from fedi.context import Services
from fedi.moderation.blocks import block_account
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account, Post
from tests.api.tokens import bearer, make_token
from tests.conftest import make_config
from tests.factories import make_user

DEADLINE = 15.0
"""Seconds to wait for a frame that should come (a failure, not a timing assertion)."""


@dataclass
class Live:
    """A running server: its app's services and its base URLs."""

    app: Quart
    port: int

    @property
    def svc(self) -> Services:
        return self.app.extensions["fedi"]  # type: ignore[no-any-return]

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/v1/streaming"


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    """The app served by Hypercorn on 127.0.0.1 with its workers, until the test ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections wait in the backlog until Hypercorn serves: no polling
    port = sock.getsockname()[1]
    config = make_config(
        tmp_path,
        instance={"domain": f"127.0.0.1:{port}"},
        server={"bind": f"127.0.0.1:{port}"},
    )
    app = create_app(config)
    hyper = HyperConfig()
    hyper.bind = [f"fd://{sock.fileno()}"]
    hyper.accesslog = None
    hyper.graceful_timeout = 1
    # No `websocket_ping_interval` here (`fedi serve` sets 15 s): Hypercorn's ping task sleeps
    # out its interval after a socket closes, which would hold the shutdown up.
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, hyper, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(timeout=DEADLINE) as http:
            assert (await http.get(f"http://127.0.0.1:{port}/health")).status_code == 200
        yield Live(app=app, port=port)
    finally:
        stop.set()
        await asyncio.wait_for(task, DEADLINE)
        sock.detach()  # Hypercorn closed the descriptor


async def connect(live: Live, token: str, query: str = "") -> websocket.WebSocket:
    """A WebSocket offering the token as its protocol, as Elk, Phanpy and Ice Cubes do."""
    return await asyncio.to_thread(
        websocket.create_connection,
        live.ws + query,
        subprotocols=[token],
        timeout=DEADLINE,
    )


async def send(ws: websocket.WebSocket, message: dict[str, Any] | str) -> None:
    text = message if isinstance(message, str) else json.dumps(message)
    await asyncio.to_thread(ws.send, text)


async def frame(ws: websocket.WebSocket) -> dict[str, Any]:
    return json.loads(await asyncio.to_thread(ws.recv))


async def synced(ws: websocket.WebSocket) -> None:
    """Every message sent before is handled once the error frame for this junk comes back."""
    await send(ws, "sync")
    assert (await frame(ws))["status"] == 400


async def post(svc: Services, author: Account, text: str, visibility: str = "public") -> Post:
    return await create_post(svc, author, PostDraft(text=text, visibility=visibility))


async def test_websocket_echoes_token_and_tags_each_stream(live: Live) -> None:
    """Over a real socket: the offered token is echoed as `Sec-WebSocket-Protocol`; a follow
    notification comes once for user and once for user:notification; a hashtag event is
    tagged `["hashtag", "<tag as subscribed>"]`."""
    svc = live.svc
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    token = await make_token(svc, alice)
    ws = await connect(live, token)
    try:
        # The header exactly as sent (Chrome compares it byte for byte; websocket-client's own
        # `getsubprotocol()` lowercases what it accepted).
        assert ws.getheaders()["sec-websocket-protocol"] == token
        await send(ws, {"type": "subscribe", "stream": "user"})
        await send(ws, {"type": "subscribe", "stream": "user:notification"})
        await send(ws, {"type": "subscribe", "stream": "hashtag", "tag": "FediDev"})
        await synced(ws)
        await follow_account(svc, bob, alice)
        frames = [await frame(ws), await frame(ws)]
        assert sorted(tuple(f["stream"]) for f in frames) == [("user",), ("user:notification",)]
        assert {json.loads(f["payload"])["type"] for f in frames} == {"follow"}
        tagged = await post(svc, bob, "Working on #fedidev")
        got = await frame(ws)
        assert got == {
            "stream": ["hashtag", "FediDev"],
            "event": "update",
            "payload": got["payload"],
        }
        assert json.loads(got["payload"])["id"] == str(tagged.id)
    finally:
        await asyncio.to_thread(ws.close)


async def test_public_stream_keeps_private_and_blocked_posts_out(live: Live) -> None:
    """A stranger's public stream never gets a followers-only post, and a blocker never gets
    the posts of the account they blocked."""
    svc = live.svc
    _, dave = await make_user(svc, "dave")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    await block_account(svc, dave, carol)
    token = await make_token(svc, dave)
    ws = await connect(live, token, "?stream=public")
    try:
        await synced(ws)
        await post(svc, bob, "Followers only, please", "private")
        await post(svc, carol, "Dave blocked me")
        shown = await post(svc, bob, "For everyone")
        got = await frame(ws)
        assert got["stream"] == ["public"]
        assert json.loads(got["payload"])["id"] == str(shown.id)
    finally:
        await asyncio.to_thread(ws.close)


async def test_sse_sends_its_opening_comment_at_once(live: Live) -> None:
    """An SSE client gets headers and the `:)` comment before any event happens; then an event
    arrives as `event:`/`data:` lines."""
    svc = live.svc
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, alice, bob)
    token = await make_token(svc, alice)
    async with (
        httpx.AsyncClient(timeout=DEADLINE) as http,
        http.stream("GET", live.http + "/api/v1/streaming/user", headers=bearer(token)) as r,
    ):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = r.aiter_lines()
        assert await anext(lines) == ":)"
        written = await post(svc, bob, "Live from the server")
        assert await anext(lines) == "event: update"
        data = await anext(lines)
        assert data.startswith("data: ")
        assert json.loads(data.removeprefix("data: "))["id"] == str(written.id)
