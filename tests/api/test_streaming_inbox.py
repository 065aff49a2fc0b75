"""Streams get what arrives from other servers: posts, edits, deletions, likes (inbox → stream).

Another server (a FakeRemote on 127.0.0.1) signs activities and POSTs them to our inbox; the job
worker is drained with `run_jobs`; a WebSocket of a local user receives the result.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

import asyncio
import json
from typing import Any

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    PUBLIC,
    Peer,
    config,
    deliver,
    fast_instance_keys,
    http,
    now_iso,
    peer,
)

DEADLINE = 10.0


async def frame(ws: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.receive(), DEADLINE))


async def send(client: Any, run_jobs: Any, actor: Any, activity: dict[str, Any]) -> None:
    response = await deliver(client, actor, activity)
    assert response.status_code == 202, await response.get_data()
    await run_jobs()


async def test_remote_post_edit_like_and_delete_are_streamed(
    svc: Services, client: Any, run_jobs: Any, peer: Peer
) -> None:
    """A remote public post reaches public:remote as `update`, its edit as `status.update`, its
    author's like of our post as a `notification`, and its deletion as `delete`."""
    _, alice = await make_user(svc, "alice")
    mine = await create_post(svc, alice, PostDraft(text="Local words", visibility="public"))
    bob = peer.actor("bob")
    token = await make_token(svc, alice)
    async with client.websocket("/api/v1/streaming", headers=bearer(token)) as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "public:remote"}))
        await ws.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
        await ws.send("sync")
        assert (await frame(ws))["status"] == 400  # both subscriptions are in place

        note = bob.note("<p>Hello from afar</p>")
        await send(client, run_jobs, bob, bob.create(note))
        got = await frame(ws)
        assert (got["stream"], got["event"]) == (["public:remote"], "update")
        status = json.loads(got["payload"])
        assert status["uri"] == note["id"] and "Hello from afar" in status["content"]
        assert status["account"]["acct"] == f"bob@{peer.fake.host}"

        edited = dict(note, content="<p>Hello again</p>", updated=now_iso())
        await send(client, run_jobs, bob, bob.activity("Update", edited))
        got = await frame(ws)
        assert got["event"] == "status.update"
        assert "Hello again" in json.loads(got["payload"])["content"]

        await send(client, run_jobs, bob, bob.activity("Like", mine.uri))
        got = await frame(ws)
        assert (got["stream"], got["event"]) == (["user:notification"], "notification")
        assert json.loads(got["payload"])["type"] == "favourite"

        tombstone = {"id": note["id"], "type": "Tombstone"}
        await send(client, run_jobs, bob, bob.activity("Delete", tombstone, to=[PUBLIC]))
        got = await frame(ws)
        assert (got["stream"], got["event"]) == (["public:remote"], "delete")
        assert got["payload"] == status["id"]
