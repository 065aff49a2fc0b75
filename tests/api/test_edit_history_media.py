"""The edit history's attachments (`GET /api/v1/statuses/:id/history`, Mastodon 4.x StatusEdit
`media_attachments`): each version has the attachments it had, in its order, with the alt text
they had then; a removed file still shows in the versions that had it until the post is deleted;
another server's edits keep the earlier version's attachments too.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.media.uploads import media_store, upload_media
from fedi.storage import media as media_storage
from fedi.storage import posts as post_store
from fedi.storage.rows import Media
from fedi.visibility import NOT_FOUND_MESSAGE
from tests.api.statuses_helpers import api_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    RemoteActor,
    config,
    deliver,
    fast_instance_keys,
    http,
    peer,
)
from tests.media import files


async def _ok(response: Any) -> Any:
    body = await response.get_json()
    assert response.status_code == 200, body
    return body


async def _history(client: Any, token: str | None, status_id: str) -> list[dict[str, Any]]:
    headers = bearer(token) if token else {}
    return await _ok(  # type: ignore[no-any-return]
        await client.get(f"/api/v1/statuses/{status_id}/history", headers=headers)
    )


def _shown(version: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(a["id"], a["description"]) for a in version["media_attachments"]]


async def _two_pictures(svc: Services, account: Any) -> tuple[Media, Media]:
    red = await upload_media(
        svc, account, data=files.png(330, 200), filename="red.png", description="Red"
    )
    blue = await upload_media(
        svc, account, data=files.png(331, 200), filename="blue.png", description="Blue"
    )
    return red, blue


async def _edited_twice(client: Any, svc: Services) -> tuple[str, dict[str, Any], Media, Media]:
    """Alice posts two pictures, rewords the first one's alt text with an edit of the text,
    then removes the second picture; returns her token, the status and the two uploads."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    red, blue = await _two_pictures(svc, alice)
    both = [str(red.id), str(blue.id)]
    status = await api_post(client, token, "Two pictures", media_ids=both)
    await _ok(
        await client.put(
            f"/api/v1/statuses/{status['id']}",
            headers=bearer(token),
            json={
                "status": "Two pictures, reworded",
                "media_ids": both,
                "media_attributes": [{"id": str(red.id), "description": "Crimson"}],
            },
        )
    )
    await _ok(
        await client.put(
            f"/api/v1/statuses/{status['id']}",
            headers=bearer(token),
            json={"status": "One picture", "media_ids": [str(red.id)]},
        )
    )
    return token, status, red, blue


async def test_each_version_has_its_own_attachments_and_alt_text(client, svc):
    """Three versions: [Red, Blue], [Crimson, Blue] (the edit that reworded it), [Crimson]."""
    token, status, red, blue = await _edited_twice(client, svc)
    versions = await _history(client, token, status["id"])
    r, b = str(red.id), str(blue.id)
    assert [_shown(v) for v in versions] == [
        [(r, "Red"), (b, "Blue")],
        [(r, "Crimson"), (b, "Blue")],
        [(r, "Crimson")],
    ]
    assert ["Two pictures" in v["content"] for v in versions] == [True, True, False]
    assert "reworded" in versions[1]["content"] and "One picture" in versions[2]["content"]
    current = await _ok(await client.get(f"/api/v1/statuses/{status['id']}", headers=bearer(token)))
    assert versions[-1]["media_attachments"] == current["media_attachments"]


async def test_a_removed_picture_is_still_served_for_the_versions_that_had_it(client, svc):
    """The removed file's entity is complete (type, URLs, size) and its URL still answers."""
    token, status, _red, blue = await _edited_twice(client, svc)
    first = (await _history(client, token, status["id"]))[0]
    removed = first["media_attachments"][1]
    assert removed["id"] == str(blue.id) and removed["type"] == "image"
    assert removed["meta"]["original"]["width"] == 331
    assert removed["meta"]["focus"] == {"x": 0.0, "y": 0.0}
    assert removed["remote_url"] is None and removed["blurhash"]
    for url in (removed["url"], removed["preview_url"]):
        assert url.startswith("http://localhost/media/")
        response = await client.get(url.removeprefix("http://localhost"))
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("image/")


async def test_deleting_the_post_deletes_the_files_only_its_history_kept(client, svc):
    """Once the post is deleted, the removed picture's file goes too (and its history with it)."""
    token, status, red, blue = await _edited_twice(client, svc)
    store = media_store(svc)
    keys = [k for m in (red, blue) for k in (m.file_key, m.preview_key) if k]
    async with svc.db.read() as conn:
        stored = await media_storage.get_many(conn, [red.id])
    keys += [k for k in (stored[red.id].file_key, stored[red.id].preview_key) if k]
    assert blue.file_key and store.get_path(blue.file_key) is not None
    response = await client.delete(f"/api/v1/statuses/{status['id']}", headers=bearer(token))
    assert response.status_code == 200
    assert [k for k in keys if store.get_path(k) is not None] == []
    response = await client.get(f"/api/v1/statuses/{status['id']}/history", headers=bearer(token))
    assert response.status_code == 404
    assert (await response.get_json()) == {"error": NOT_FOUND_MESSAGE}


async def test_a_version_without_attachments_has_an_empty_list(client, svc):
    """Text first, a picture added by the edit: `[]` then the picture; no poll either time."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    status = await api_post(client, token, "Words first")
    picture = await upload_media(
        svc, alice, data=files.png(332, 200), filename="p.png", description="Later"
    )
    await _ok(
        await client.put(
            f"/api/v1/statuses/{status['id']}",
            headers=bearer(token),
            json={"status": "Words first", "media_ids": [str(picture.id)]},
        )
    )
    versions = await _history(client, None, status["id"])
    assert [_shown(v) for v in versions] == [[], [(str(picture.id), "Later")]]
    assert [v["poll"] for v in versions] == [None, None]


async def test_history_has_each_versions_poll_and_attachments_together(client, svc):
    """A poll post edited to new options: each version's options beside its (no) attachments."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    poll = {"options": ["Tea", "Coffee"], "expires_in": 3600}
    status = await api_post(client, token, "Drink?", poll=poll)
    await _ok(
        await client.put(
            f"/api/v1/statuses/{status['id']}",
            headers=bearer(token),
            json={"status": "Drink?", "poll": {**poll, "options": ["Tea", "Water"]}},
        )
    )
    versions = await _history(client, token, status["id"])
    assert [[o["title"] for o in v["poll"]["options"]] for v in versions] == [
        ["Tea", "Coffee"],
        ["Tea", "Water"],
    ]
    assert [v["media_attachments"] for v in versions] == [[], []]


async def test_history_of_a_status_one_may_not_see_is_not_found(client, svc):
    """A followers-only status with pictures: a stranger gets 404 and no attachments."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    red, _ = await _two_pictures(svc, alice)
    status = await api_post(
        client, token, "Friends only", media_ids=[str(red.id)], visibility="private"
    )
    response = await client.get(f"/api/v1/statuses/{status['id']}/history")
    assert response.status_code == 404
    assert (await response.get_json()) == {"error": NOT_FOUND_MESSAGE}


def _document(peer_base: str, path: str, alt: str) -> dict[str, Any]:
    return {
        "type": "Document",
        "mediaType": "image/png",
        "url": peer_base + path,
        "name": alt,
        "width": 330,
        "height": 200,
    }


async def test_a_remote_edit_keeps_the_earlier_versions_attachments(svc, client, run_jobs, peer):
    """Bob (another server) rewords a picture's alt text and drops the other picture: the
    history has both pictures with the old alt text, then the one with the new alt text; the
    dropped one is shown by its original URL, since our copy went with it."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    bob: RemoteActor = peer.actor("bob")
    for path, width in (("/files/one.png", 330), ("/files/two.png", 331)):
        peer.fake.add_response(path, files.png(width, 200), content_type="image/png")
    one = _document(peer.base, "/files/one.png", "One, as first written")
    two = _document(peer.base, "/files/two.png", "Two")
    note = bob.note("<p>Two pictures</p>", attachment=[one, two])
    response = await deliver(client, bob, bob.create(note))
    assert response.status_code == 202
    await run_jobs()
    edited = {
        **note,
        "content": "<p>One picture</p>",
        "attachment": [{**one, "name": "One, reworded"}],
        "updated": "2099-01-01T00:00:00Z",
    }
    response = await deliver(client, bob, bob.activity("Update", edited))
    assert response.status_code == 202
    await run_jobs()
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, note["id"])
    assert post is not None
    versions = await _history(client, token, str(post.id))
    described = [[a["description"] for a in v["media_attachments"]] for v in versions]
    assert described == [["One, as first written", "Two"], ["One, reworded"]]
    kept, dropped = versions[0]["media_attachments"]
    assert kept["id"] == versions[1]["media_attachments"][0]["id"]
    assert kept["url"] and kept["url"] == versions[1]["media_attachments"][0]["url"]
    assert dropped["remote_url"] == peer.base + "/files/two.png"
    assert dropped["url"] is None and dropped["type"] == "image"


async def test_a_remote_edit_of_the_alt_text_alone_is_a_version(svc, client, run_jobs, peer):
    """Bob rewords only a picture's alt text: the history keeps the old alt text as a version
    of its own; the same change sent without `updated` is applied in place, as before."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    bob: RemoteActor = peer.actor("bob")
    peer.fake.add_response("/files/one.png", files.png(330, 200), content_type="image/png")
    one = _document(peer.base, "/files/one.png", "First words")
    note = bob.note("<p>A picture</p>", attachment=[one])
    assert (await deliver(client, bob, bob.create(note))).status_code == 202
    await run_jobs()
    reworded = {**note, "attachment": [{**one, "name": "Better words"}]}
    edited = {**reworded, "updated": "2099-01-01T00:00:00Z"}
    assert (await deliver(client, bob, bob.activity("Update", edited))).status_code == 202
    await run_jobs()
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, note["id"])
    assert post is not None
    versions = await _history(client, token, str(post.id))
    described = [[a["description"] for a in v["media_attachments"]] for v in versions]
    assert described == [["First words"], ["Better words"]]

    in_place = {**note, "attachment": [{**one, "name": "Best words"}]}
    assert (await deliver(client, bob, bob.activity("Update", in_place))).status_code == 202
    await run_jobs()
    versions = await _history(client, token, str(post.id))
    described = [[a["description"] for a in v["media_attachments"]] for v in versions]
    assert described == [["First words"], ["Best words"]]
