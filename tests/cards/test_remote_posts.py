"""Remote posts from the inbox get cards too: another server (a FakeRemote peer) delivers a
signed Create whose note links a page on a third site; mentions in its markup are skipped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fedi.context import Services
from fedi.storage import posts as post_store
from tests.api.tokens import bearer
from tests.fakes.remote import FakeRemote
from tests.federation.inbox_peer import Peer, deliver, peer  # noqa: F401 - `peer` is a fixture


async def test_a_remote_post_linking_a_page_shows_its_card(
    svc: Services,
    client: Any,
    site: FakeRemote,
    alice_token: str,
    run_jobs: Callable[[], Awaitable[int]],
    peer: Peer,  # noqa: F811 - the fixture imported from inbox_peer
) -> None:
    """The first link that is not a mention or a hashtag (another server's markup) becomes the
    card once the inbox and card jobs have run; an edit to another link changes it."""
    dana = peer.actor("dana")
    content = (
        f'<p><span class="h-card"><a href="{peer.base}/@erin" class="u-url mention">@erin</a>'
        f'</span> <a href="{peer.base}/tags/walks" rel="tag">#walks</a> '
        f'<a href="{peer.base}/@dana">my profile</a> '
        f'<a href="{site.url("/posts/walk")}">a walk</a></p>'
    )
    note = dana.note(content)
    response = await deliver(client, dana, dana.create(note))
    assert response.status_code == 202
    await run_jobs()
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, note["id"])
    assert post is not None
    status = await client.get(f"/api/v1/statuses/{post.id}", headers=bearer(alice_token))
    assert status.status_code == 200
    card = (await status.get_json())["card"]
    assert card is not None and card["title"] == "A Walk in the Park"
    assert card["image"].startswith(svc.url("/media/remote/"))
    assert peer.fake.requests_to("/@erin") == [] and peer.fake.requests_to("/@dana") == []

    site.add_response(
        "/later", b"<html><head><title>Later page</title></head></html>", content_type="text/html"
    )
    edited = {
        **note,
        "content": f'<p><a href="{site.url("/later")}">later</a></p>',
        "updated": "2099-01-01T00:00:00Z",
    }
    response = await deliver(client, dana, dana.activity("Update", edited, to=note["to"]))
    assert response.status_code == 202
    await run_jobs()
    status = await client.get(f"/api/v1/statuses/{post.id}", headers=bearer(alice_token))
    assert (await status.get_json())["card"]["title"] == "Later page"
