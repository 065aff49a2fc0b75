"""The client API's media endpoints: upload (v1 and v2), poll, describe, delete, attach."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage

from fedi.errors import Invalid
from fedi.media.uploads import upload_media
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage import media as media_storage
from tests.api.tokens import bearer, make_token
from tests.factories import make_user
from tests.media import files


def as_file(data: bytes, name: str) -> dict[str, FileStorage]:
    return {"file": FileStorage(stream=io.BytesIO(data), filename=name)}


async def test_v1_upload_is_processed_at_once(client, svc, alice):
    """POST /api/v1/media answers 200 with URLs, blurhash, sizes and focus in meta."""
    token = await make_token(svc, alice)

    response = await client.post(
        "/api/v1/media",
        headers=bearer(token),
        form={"description": "A red square", "focus": "-0.5,0.25"},
        files=as_file(files.jpeg(1200, 900), "a.jpg"),
    )

    body = await response.get_json()
    assert response.status_code == 200, body
    assert body["type"] == "image" and body["description"] == "A red square"
    assert body["url"].startswith("http://localhost/media/") and body["url"].endswith(".jpg")
    assert body["preview_url"].startswith("http://localhost/media/")
    assert body["blurhash"] and len(body["blurhash"]) == 28
    assert body["meta"]["original"] == {
        "width": 1200,
        "height": 900,
        "size": "1200x900",
        "aspect": 1.333333,
    }
    assert body["meta"]["small"]["width"] == 640
    assert body["meta"]["focus"] == {"x": -0.5, "y": 0.25}
    served = await client.get(body["url"].removeprefix("http://localhost"))
    assert served.status_code == 200


async def test_v2_image_is_200_and_video_is_202_then_200(client, svc, alice, run_jobs):
    """v2: an image is ready at once (200); a video answers 202, polls 206, then 200 when done."""
    token = await make_token(svc, alice)
    image = await client.post(
        "/api/v2/media", headers=bearer(token), files=as_file(files.png(), "x")
    )
    assert image.status_code == 200 and (await image.get_json())["url"]

    video = await client.post(
        "/api/v2/media", headers=bearer(token), files=as_file(files.webm_video(1), "clip.webm")
    )
    body = await video.get_json()
    assert video.status_code == 202 and body["url"] is None and body["type"] == "video"
    poll = await client.get(f"/api/v1/media/{body['id']}", headers=bearer(token))
    assert poll.status_code == 206 and (await poll.get_json())["url"] is None

    await run_jobs()

    done = await client.get(f"/api/v1/media/{body['id']}", headers=bearer(token))
    ready = await done.get_json()
    assert done.status_code == 200 and ready["url"].endswith(".mp4")
    assert ready["preview_url"].endswith(".jpg") and ready["meta"]["original"]["duration"] > 0.5


async def test_queued_upload_that_is_not_media_fails_clearly(client, svc, alice, run_jobs):
    """A queued "video" that ffmpeg cannot read ends failed, and polling says why (422)."""
    token = await make_token(svc, alice)
    fake = b"\x1a\x45\xdf\xa3" + b"not really a webm" * 50
    response = await client.post(
        "/api/v2/media", headers=bearer(token), files=as_file(fake, "v.webm")
    )
    media_id = (await response.get_json())["id"]
    assert response.status_code == 202

    await run_jobs()

    poll = await client.get(f"/api/v1/media/{media_id}", headers=bearer(token))
    assert poll.status_code == 422
    assert "could not be read" in (await poll.get_json())["error"]


async def test_bad_files_are_422_with_a_clear_error(client, svc, alice):
    """A text file, a bomb and a missing file are refused with 422 and a readable error."""
    token = await make_token(svc, alice)
    text = await client.post(
        "/api/v2/media", headers=bearer(token), files=as_file(b"hello", "a.png")
    )
    bomb = await client.post(
        "/api/v2/media", headers=bearer(token), files=as_file(files.bomb_png(), "b.png")
    )
    none = await client.post("/api/v1/media", headers=bearer(token), form={"description": "x"})

    assert text.status_code == 422 and "not supported" in (await text.get_json())["error"]
    assert bomb.status_code == 422 and "too many pixels" in (await bomb.get_json())["error"]
    assert none.status_code == 422 and "Choose a file" in (await none.get_json())["error"]
    async with svc.db.read() as conn:
        assert await conn.fetchval("SELECT count(*) FROM media") == 0


async def test_others_media_is_404_and_scope_is_required(client, svc, alice):
    """Someone else's upload is 404; a token without write:media is 403."""
    _, bob = await make_user(svc, "bob")
    alice_token = await make_token(svc, alice)
    bob_token = await make_token(svc, bob)
    reader = await make_token(svc, alice, scopes="read")
    upload = await client.post(
        "/api/v1/media", headers=bearer(alice_token), files=as_file(files.jpeg(), "a.jpg")
    )
    media_id = (await upload.get_json())["id"]

    assert (
        await client.get(f"/api/v1/media/{media_id}", headers=bearer(bob_token))
    ).status_code == 404
    put = await client.put(
        f"/api/v1/media/{media_id}", headers=bearer(bob_token), form={"description": "mine"}
    )
    assert put.status_code == 404
    denied = await client.post(
        "/api/v1/media", headers=bearer(reader), files=as_file(files.jpeg(), "a.jpg")
    )
    assert denied.status_code == 403


async def test_put_changes_description_and_focus(client, svc, alice):
    """PUT sets the alt text and focal point; a focus outside -1..1 is 422."""
    token = await make_token(svc, alice)
    upload = await client.post(
        "/api/v1/media", headers=bearer(token), files=as_file(files.jpeg(), "a.jpg")
    )
    media_id = (await upload.get_json())["id"]

    response = await client.put(
        f"/api/v1/media/{media_id}",
        headers=bearer(token),
        json={"description": "Now described", "focus": "0.1,-0.9"},
    )
    bad = await client.put(
        f"/api/v1/media/{media_id}", headers=bearer(token), json={"focus": "3,0"}
    )

    body = await response.get_json()
    assert response.status_code == 200 and body["description"] == "Now described"
    assert body["meta"]["focus"] == {"x": 0.1, "y": -0.9}
    assert bad.status_code == 422 and "between -1 and 1" in (await bad.get_json())["error"]


async def test_delete_unattached_only(client, svc, alice):
    """An unattached upload can be deleted (its file goes); an attached one cannot (422)."""
    token = await make_token(svc, alice)
    first = await (
        await client.post(
            "/api/v1/media", headers=bearer(token), files=as_file(files.jpeg(), "a.jpg")
        )
    ).get_json()
    second = await (
        await client.post(
            "/api/v1/media", headers=bearer(token), files=as_file(files.png(), "b.png")
        )
    ).get_json()
    await create_post(svc, alice, PostDraft(text="with media", media_ids=(int(second["id"]),)))

    deleted = await client.delete(f"/api/v1/media/{first['id']}", headers=bearer(token))
    refused = await client.delete(f"/api/v1/media/{second['id']}", headers=bearer(token))

    assert deleted.status_code == 200
    assert (await client.get(first["url"].removeprefix("http://localhost"))).status_code == 404
    assert (
        await client.get(f"/api/v1/media/{first['id']}", headers=bearer(token))
    ).status_code == 404
    assert (
        refused.status_code == 422 and "attached to a post" in (await refused.get_json())["error"]
    )


async def test_create_post_checks_attachments(svc, alice):
    """create_post attaches only one's own ready uploads: five, others', or mixed are refused."""
    _, bob = await make_user(svc, "bob")
    images = [
        await upload_media(svc, alice, data=files.jpeg(40 + i, 30), filename="x") for i in range(5)
    ]
    bobs = await upload_media(svc, bob, data=files.jpeg(), filename="b")
    video = await upload_media(svc, alice, data=files.webm_video(1), filename="v")

    cases = {
        "five": tuple(m.id for m in images),
        "not yours": (bobs.id,),
        "mixed": (images[0].id, video.id),
    }
    messages = {}
    for name, ids in cases.items():
        try:
            await create_post(svc, alice, PostDraft(text=name, media_ids=ids))
        except Invalid as exc:
            messages[name] = exc.field_errors["media"]
    assert "up to 4 images" in messages["five"]
    assert "does not exist" in messages["not yours"]
    assert "only attachment" in messages["mixed"]
    async with svc.db.read() as conn:
        attached = await conn.fetchval("SELECT count(*) FROM media WHERE post_id IS NOT NULL")
    assert attached == 0
    post = await create_post(svc, alice, PostDraft(text="", media_ids=(images[1].id, images[0].id)))
    async with svc.db.read() as conn:
        rows = (await media_storage.get_many_by_post_ids(conn, [post.id]))[post.id]
    assert [m.id for m in rows] == [images[1].id, images[0].id]
