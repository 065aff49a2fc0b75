"""Streaming API through the Quart test client: SSE channels and the multiplexed WebSocket.

Synchronisation without sleeps: an SSE stream is subscribed once its `:)` comment arrives; on a
WebSocket, a junk message sent after a subscribe comes back as an error frame once the
subscribe before it is done (the server reads messages in order).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from quart.testing.connections import WebsocketDisconnectError, WebsocketResponseError

from fedi.context import Services
from fedi.events import FiltersChanged, broker_of, close_broker
from fedi.filters import FilterDraft, KeywordChange, create_filter
from fedi.lists import add_members, create_list
from fedi.moderation.blocks import block_account
from fedi.moderation.mutes import mute_account
from fedi.outbox.boosts import boost_post
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.interactions import follow_account, like_post
from fedi.outbox.posts import create_post, delete_post, edit_post
from fedi.storage.rows import Account, Post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

DEADLINE = 10.0
"""Seconds a test waits for a frame that should come (a failure, not a timing assertion)."""


async def post(svc: Services, author: Account, text: str, visibility: str = "public") -> Post:
    return await create_post(svc, author, PostDraft(text=text, visibility=visibility))


class SSE:
    """Reads an SSE response body chunk by chunk into comments and (event, data) pairs."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.buffer = ""

    async def _more(self) -> None:
        chunk = await asyncio.wait_for(self.conn.receive(), DEADLINE)
        self.buffer += chunk.decode()

    async def comment(self) -> str:
        while "\n" not in self.buffer:
            await self._more()
        line, self.buffer = self.buffer.split("\n", 1)
        assert line.startswith(":"), line
        return line

    async def event(self) -> tuple[str, str]:
        while "\n\n" not in self.buffer:
            await self._more()
        block, self.buffer = self.buffer.split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in block.split("\n") if not line.startswith(":"))
        return fields["event"], fields["data"]


async def open_sse(client: Any, path: str, token: str) -> tuple[Any, SSE]:
    conn = client.request(path, headers=bearer(token))
    await conn.__aenter__()
    await conn.send_complete()
    reader = SSE(conn)
    assert await reader.comment() == ":)"
    return conn, reader


async def close_sse(conn: Any) -> None:
    await conn.disconnect()
    await conn.__aexit__(None, None, None)


async def frame(ws: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.receive(), DEADLINE))


async def synced(ws: Any) -> None:
    """Wait until every message sent before has been handled (see the module docstring)."""
    await ws.send("sync")
    reply = await frame(ws)
    assert reply["status"] == 400, reply


# --- plain HTTP ---------------------------------------------------------------------------------


async def test_health_says_ok_in_plain_text(client: Any) -> None:
    """/api/v1/streaming/health answers `OK` as text, without a token."""
    response = await client.get("/api/v1/streaming/health")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    assert await response.get_data(as_text=True) == "OK"


async def test_unknown_channel_is_400(client: Any, svc: Services) -> None:
    """An SSE path that names no channel is 400 `Unknown channel requested`."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    response = await client.get("/api/v1/streaming/nonsense", headers=bearer(token))
    assert response.status_code == 400
    assert await response.get_json() == {"error": "Unknown channel requested"}


async def test_hashtag_channel_needs_a_tag(client: Any, svc: Services) -> None:
    """The hashtag channel without `tag` is 400 and says so."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    response = await client.get("/api/v1/streaming/hashtag", headers=bearer(token))
    assert response.status_code == 400
    assert await response.get_json() == {"error": "No tag for stream provided"}


async def test_sse_without_token_is_401(client: Any) -> None:
    """Streaming needs a user token: 401 `The access token is invalid` without one."""
    response = await client.get("/api/v1/streaming/public")
    assert response.status_code == 401
    assert await response.get_json() == {"error": "The access token is invalid"}


async def test_sse_user_channel_needs_statuses_scope(client: Any, svc: Services) -> None:
    """A token with only read:notifications may not stream the home timeline (403)."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice, scopes="read:notifications")
    response = await client.get("/api/v1/streaming/user", headers=bearer(token))
    assert response.status_code == 403
    assert await response.get_json() == {"error": "This action is outside the authorized scopes"}


async def test_someone_elses_list_is_404(client: Any, svc: Services) -> None:
    """Streaming a list that is not the viewer's is 404."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    bobs = await create_list(svc, bob, title="Bob's")
    token = await make_token(svc, alice)
    response = await client.get(f"/api/v1/streaming/list?list={bobs.id}", headers=bearer(token))
    assert response.status_code == 404
    assert await response.get_json() == {"error": "Record not found"}


# --- SSE ----------------------------------------------------------------------------------------


async def test_sse_user_stream_sends_home_updates(client: Any, svc: Services) -> None:
    """The user stream starts with `:)` and sends posts of followed accounts as `update`."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, alice, bob)
    token = await make_token(svc, alice)
    conn, sse = await open_sse(client, "/api/v1/streaming/user", token)
    try:
        assert conn.status_code == 200
        assert conn.headers["Content-Type"].startswith("text/event-stream")
        assert conn.headers["Cache-Control"] == "no-store"
        written = await post(svc, bob, "Hello followers", "private")
        event, data = await sse.event()
        assert event == "update"
        status = json.loads(data)
        assert status["id"] == str(written.id)
        assert status["account"]["acct"] == "bob"
        assert status["visibility"] == "private"
    finally:
        await close_sse(conn)


async def test_sse_outlives_the_response_timeout(app: Any, client: Any, svc: Services) -> None:
    """Quart's response timeout does not cut a stream: with it at 1 ms, events still come."""
    app.config["RESPONSE_TIMEOUT"] = 0.001
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    conn, sse = await open_sse(client, "/api/v1/streaming/user", token)
    try:
        mine = await post(svc, alice, "Still here")
        event, data = await sse.event()
        assert event == "update"
        assert json.loads(data)["id"] == str(mine.id)
    finally:
        await close_sse(conn)


async def test_sse_edit_delete_and_filters_changed(client: Any, svc: Services) -> None:
    """Edits come as `status.update`, deletions as `delete` with the bare id, and a filter
    change as `filters_changed` with `data: undefined`."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    conn, sse = await open_sse(client, "/api/v1/streaming/user", token)
    try:
        mine = await post(svc, alice, "First version")
        assert (await sse.event())[0] == "update"
        await edit_post(svc, alice, mine.id, PostEdit(text="Second version"))
        event, data = await sse.event()
        assert event == "status.update"
        assert "Second version" in json.loads(data)["content"]
        await delete_post(svc, alice, mine.id)
        assert await sse.event() == ("delete", str(mine.id))
        await create_filter(
            svc,
            alice,
            FilterDraft(title="Spoilers", context=["home"], keywords=[KeywordChange(keyword="x")]),
        )
        assert await sse.event() == ("filters_changed", "undefined")
    finally:
        await close_sse(conn)


async def test_sse_notification_stream(client: Any, svc: Services) -> None:
    """user/notification sends a like of the viewer's post as a `notification`."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    mine = await post(svc, alice, "Like me")
    token = await make_token(svc, alice)
    conn, sse = await open_sse(client, "/api/v1/streaming/user/notification", token)
    try:
        await like_post(svc, bob, mine.id)
        event, data = await sse.event()
        assert event == "notification"
        note = json.loads(data)
        assert note["type"] == "favourite"
        assert note["account"]["acct"] == "bob"
        assert note["status"]["id"] == str(mine.id)
    finally:
        await close_sse(conn)


async def test_sse_public_local_leaves_out_followers_only_and_blocked(
    client: Any, svc: Services
) -> None:
    """public/local shows public posts only, never followers-only ones nor those of an account
    the viewer blocked."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    await block_account(svc, alice, carol)
    token = await make_token(svc, alice)
    conn, sse = await open_sse(client, "/api/v1/streaming/public/local", token)
    try:
        await post(svc, bob, "Only for my followers", "private")
        await post(svc, bob, "Not in public timelines", "unlisted")
        await post(svc, carol, "You blocked me")
        shown = await post(svc, bob, "Hello world")
        event, data = await sse.event()
        assert event == "update"
        assert json.loads(data)["id"] == str(shown.id)
    finally:
        await close_sse(conn)


async def test_sse_hashtag_and_media_only(client: Any, svc: Services) -> None:
    """hashtag/local?tag= matches any case; public?only_media=true skips posts without media."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    token = await make_token(svc, alice)
    tags, tag_sse = await open_sse(client, "/api/v1/streaming/hashtag/local?tag=Cats", token)
    media, media_sse = await open_sse(client, "/api/v1/streaming/public?only_media=true", token)
    try:
        await post(svc, bob, "No tag here")
        tagged = await post(svc, bob, "I love #cats")
        event, data = await tag_sse.event()
        assert event == "update"
        assert json.loads(data)["id"] == str(tagged.id)
        await delete_post(svc, bob, tagged.id)
        # Neither post had media: the first thing the media stream sends is the deletion.
        assert await media_sse.event() == ("delete", str(tagged.id))
    finally:
        await close_sse(tags)
        await close_sse(media)


# --- WebSocket ----------------------------------------------------------------------------------


async def test_websocket_without_token_is_refused(client: Any) -> None:
    """A WebSocket without a valid token is refused with 401 before the upgrade."""
    with pytest.raises(WebsocketResponseError) as refused:
        async with client.websocket("/api/v1/streaming?stream=public") as ws:
            await ws.receive()
    assert refused.value.response.status_code == 401
    assert await refused.value.response.get_json() == {"error": "The access token is invalid"}


async def test_websocket_single_purpose_stream(client: Any, svc: Services) -> None:
    """`?stream=public:local` with `?access_token=`: each event is tagged and its payload is a
    JSON string."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    token = await make_token(svc, alice)
    async with client.websocket(
        f"/api/v1/streaming?stream=public:local&access_token={token}"
    ) as ws:
        await synced(ws)
        written = await post(svc, bob, "Hello sockets")
        got = await frame(ws)
        assert got["stream"] == ["public:local"]
        assert got["event"] == "update"
        assert isinstance(got["payload"], str)
        assert json.loads(got["payload"])["id"] == str(written.id)


async def test_websocket_notification_once_per_subscribed_stream(
    client: Any, svc: Services
) -> None:
    """Subscribed to user and user:notification on one socket, a notification comes twice,
    tagged with each stream (Elk, Phanpy)."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    token = await make_token(svc, alice)
    # The token as the offered protocol (Quart's test client ignores `subprotocols=`).
    async with client.websocket("/api/v1/streaming", scope_base={"subprotocols": [token]}) as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "user"}))
        await ws.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
        await synced(ws)
        await follow_account(svc, bob, alice)
        frames = [await frame(ws), await frame(ws)]
        assert sorted(f["stream"][0] for f in frames) == ["user", "user:notification"]
        for got in frames:
            assert got["event"] == "notification"
            note = json.loads(got["payload"])
            assert note["type"] == "follow"
            assert note["account"]["acct"] == "bob"


async def test_websocket_hashtag_tagged_as_subscribed_then_unsubscribed(
    client: Any, svc: Services
) -> None:
    """A hashtag event names the tag exactly as subscribed; after unsubscribing none come."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    token = await make_token(svc, alice)
    async with client.websocket("/api/v1/streaming", headers=bearer(token)) as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "Python"}))
        await synced(ws)
        first = await post(svc, bob, "Snakes #python")
        got = await frame(ws)
        assert got["stream"] == ["hashtag", "Python"]
        assert json.loads(got["payload"])["id"] == str(first.id)
        await ws.send(json.dumps({"type": "unsubscribe", "stream": "hashtag", "tag": "Python"}))
        await ws.send(json.dumps({"type": "subscribe", "stream": "public"}))
        await synced(ws)
        second = await post(svc, bob, "More #python")
        got = await frame(ws)
        assert got["stream"] == ["public"]
        assert json.loads(got["payload"])["id"] == str(second.id)


async def test_websocket_bad_messages_get_error_frames(client: Any, svc: Services) -> None:
    """Junk, an unknown stream and a missing scope each answer an error frame; the socket
    stays open."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice, scopes="read:statuses")
    async with client.websocket("/api/v1/streaming", headers=bearer(token)) as ws:
        await ws.send("not json")
        bad = await frame(ws)
        assert bad["status"] == 400 and "subscribe" in bad["error"]
        await ws.send(json.dumps({"type": "subscribe", "stream": "everything"}))
        assert await frame(ws) == {"error": "Unknown channel requested", "status": 400}
        await ws.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
        assert await frame(ws) == {
            "error": "This action is outside the authorized scopes",
            "status": 403,
        }
        await ws.send(json.dumps({"type": "subscribe", "stream": "list", "list": "12345"}))
        assert await frame(ws) == {"error": "Record not found", "status": 404}


async def test_websocket_home_hides_muted_and_shows_boosts(client: Any, svc: Services) -> None:
    """The user stream leaves out a muted account's posts and sends a followed account's boost
    as an update wrapping the original."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, alice, bob)
    await follow_account(svc, alice, carol)
    await mute_account(svc, alice, carol)
    original = await post(svc, carol, "Boost me")
    token = await make_token(svc, alice)
    async with client.websocket("/api/v1/streaming?stream=user", headers=bearer(token)) as ws:
        await synced(ws)
        await post(svc, carol, "Muted chatter")
        boost = await boost_post(svc, bob, original.id)
        own = await post(svc, bob, "Bob speaking")
        got = await frame(ws)
        # A boost of a muted account's post is hidden too (Mastodon hides both).
        assert json.loads(got["payload"])["id"] == str(own.id), got
        assert boost.reblog_of_id == original.id


async def test_websocket_list_and_direct_streams(client: Any, svc: Services) -> None:
    """A list stream gets its members' posts tagged `["list", id]`; a direct message reaches
    the direct stream as a `conversation`."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, alice, bob)
    await follow_account(svc, alice, carol)
    friends = await create_list(svc, alice, title="Friends")
    await add_members(svc, alice, friends.id, [bob.id])
    token = await make_token(svc, alice)
    async with client.websocket("/api/v1/streaming", headers=bearer(token)) as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "list", "list": str(friends.id)}))
        await ws.send(json.dumps({"type": "subscribe", "stream": "direct"}))
        await synced(ws)
        await post(svc, carol, "Not on the list")
        listed = await post(svc, bob, "On the list")
        got = await frame(ws)
        assert got["stream"] == ["list", str(friends.id)]
        assert json.loads(got["payload"])["id"] == str(listed.id)
        secret = await post(svc, carol, "@alice just between us", "direct")
        got = await frame(ws)
        assert got["stream"] == ["direct"]
        assert got["event"] == "conversation"
        conversation = json.loads(got["payload"])
        assert conversation["last_status"]["id"] == str(secret.id)
        assert [a["acct"] for a in conversation["accounts"]] == ["carol"]
        assert conversation["unread"] is True


async def test_a_socket_too_slow_to_keep_up_is_closed(client: Any, svc: Services) -> None:
    """A subscriber whose queue overflows is cut off: its socket closes with 1013 (try again
    later), and posting never waited for it."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    broker = broker_of(svc)
    assert broker is not None
    broker.queue_size = 2
    async with client.websocket("/api/v1/streaming?stream=user", headers=bearer(token)) as ws:
        await synced(ws)
        for _ in range(3):  # no await in between: the stream cannot drain its queue
            broker.publish(FiltersChanged(account_id=alice.id))
        with pytest.raises(WebsocketDisconnectError) as closed:
            await asyncio.wait_for(ws.receive(), DEADLINE)
        assert closed.value.args == (1013,)


async def test_shutdown_ends_open_streams(client: Any, svc: Services) -> None:
    """When the server shuts down, open WebSockets close and SSE responses end."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    conn, _ = await open_sse(client, "/api/v1/streaming/public", token)
    async with client.websocket("/api/v1/streaming?stream=user", headers=bearer(token)) as ws:
        await synced(ws)
        close_broker(svc)
        with pytest.raises(WebsocketDisconnectError):
            await asyncio.wait_for(ws.receive(), DEADLINE)
    await asyncio.wait_for(conn.__aexit__(None, None, None), DEADLINE)
    assert conn.status_code == 200
