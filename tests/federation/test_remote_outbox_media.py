"""Posts fetched from a remote outbox for a profile page keep their attachments.

Another server (a FakeRemote on 127.0.0.1) serves an actor whose outbox holds a Note with an
image; our remote profile page is read through the Quart test client as a logged-in user.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

from fedi.accounts.remote_profiles import forget_counts
from fedi.context import Services
from fedi.storage import media as media_storage
from fedi.storage import posts as post_store
from tests.factories import browser_login, make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    CONTEXT,
    Peer,
    RemoteActor,
    config,
    fast_instance_keys,
    http,
    peer,
)
from tests.media.files import png

BLURHASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj"


def _serve_outbox(actor: RemoteActor, notes: list[dict[str, Any]]) -> None:
    """The actor's outbox (first page embedded) creating these notes, plus empty collections."""
    base = actor.uri
    for name, items in (
        ("outbox", [actor.create(n) for n in notes]),
        ("followers", []),
        ("following", []),
    ):
        actor.peer.fake.add_document(
            f"/users/{actor.name}/{name}",
            {
                "@context": CONTEXT,
                "id": f"{base}/{name}",
                "type": "OrderedCollection",
                "totalItems": len(items),
                "first": {
                    "id": f"{base}/{name}?page=true",
                    "type": "OrderedCollectionPage",
                    "partOf": f"{base}/{name}",
                    "orderedItems": items,
                },
            },
        )


async def _text(response: Any) -> str:
    return html.unescape(await response.get_data(as_text=True))


async def test_outbox_post_images_show_from_our_cache(
    svc: Services, client: Any, peer: Peer, run_jobs: Callable[[], Awaitable[int]]
) -> None:
    """A remote profile's recent post with an image shows the image, with its alt text, served
    from our own media cache once fetched (a link to the original until then)."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    bob = peer.actor("bob")
    peer.fake.add_response("/files/square.png", png(400, 300), content_type="image/png")
    original = peer.base + "/files/square.png"
    note = bob.note(
        "<p>Look at this square</p>",
        attachment=[
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": original,
                "name": "A red square on white",
                "blurhash": BLURHASH,
                "width": 400,
                "height": 300,
            }
        ],
    )
    _serve_outbox(bob, [note])
    path = f"/@bob@{peer.fake.host}"

    first = await client.get(path)

    assert first.status_code == 200
    page = await _text(first)
    assert "Look at this square" in page
    assert "A red square on white" in page  # the pending link names the picture
    await run_jobs()
    page = await _text(await client.get(path))
    assert 'alt="A red square on white"' in page
    assert f'src="{original}"' not in page  # never hotlinked
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, note["id"])
        assert post is not None
        [media] = (await media_storage.get_many_by_post_ids(conn, [post.id]))[post.id]
    assert media.state == "ready" and media.remote_url == original
    assert media.blurhash == BLURHASH and media.description == "A red square on white"
    assert f'src="/media/remote/{media.id}/' in page


async def test_outbox_posts_seen_again_are_not_duplicated(
    svc: Services, client: Any, peer: Peer, run_jobs: Callable[[], Awaitable[int]]
) -> None:
    """A post already known (from the inbox or an earlier view) keeps its one set of attachments."""
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    bob = peer.actor("bob")
    peer.fake.add_response("/files/one.png", png(64, 64), content_type="image/png")
    note = bob.note(
        "<p>Once</p>",
        attachment=[
            {"type": "Image", "mediaType": "image/png", "url": peer.base + "/files/one.png"}
        ],
    )
    _serve_outbox(bob, [note])
    path = f"/@bob@{peer.fake.host}"
    assert (await client.get(path)).status_code == 200
    forget_counts(svc, bob.uri)  # the next view fetches the outbox again

    assert (await client.get(path)).status_code == 200

    await run_jobs()
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, note["id"])
        assert post is not None
        found = (await media_storage.get_many_by_post_ids(conn, [post.id]))[post.id]
    assert [m.state for m in found] == ["ready"]
