"""Posting images, video and audio from the compose form, and seeing them on posts."""

from __future__ import annotations

import io
import re

from PIL import Image

from fedi.app import create_app
from fedi.storage import media as media_storage
from fedi.storage import posts as post_store
from tests.conftest import make_config
from tests.factories import browser_login, csrf_token_for, make_user
from tests.media import files
from tests.media.conftest import compose, text_of, upload


async def latest_post(svc, account):
    async with svc.db.read() as conn:
        posts = await post_store.list_account_posts(
            conn, account.id, visibilities=("public", "unlisted", "private", "direct"), limit=1
        )
    return posts[0] if posts else None


async def media_of(svc, post_id):
    async with svc.db.read() as conn:
        return (await media_storage.get_many_by_post_ids(conn, [post_id])).get(post_id, [])


async def count_media(svc) -> int:
    async with svc.db.read() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM media"))


def stored_files(svc) -> list:
    root = svc.config.data_path / "media"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_image_with_alt_text_shows_on_post_and_profile(alice_client, svc, alice, csrf):
    """An uploaded photo appears on the post and the profile, with its alt text, GPS gone."""
    response = await compose(
        alice_client,
        csrf,
        {"media_1": upload(files.jpeg_with_gps(), "holiday.jpg", "image/jpeg")},
        status="Look at this",
        description_1="A yellow sun over a blue sea",
    )
    assert response.status_code == 303, await text_of(response)

    post = await latest_post(svc, alice)
    [media] = await media_of(svc, post.id)
    assert media.kind == "image" and media.description == "A yellow sun over a blue sea"
    page = await text_of(await alice_client.get(f"/@alice/{post.id}"))
    assert f'src="/media/{media.preview_key}"' in page
    assert f'href="/media/{media.file_key}"' in page
    assert 'alt="A yellow sun over a blue sea"' in page
    profile = await text_of(await alice_client.get("/@alice"))
    assert 'alt="A yellow sun over a blue sea"' in profile

    served = await alice_client.get(f"/media/{media.file_key}")
    body = await served.get_data()
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert b"SecretCam" not in body and not Image.open(io.BytesIO(body)).getexif()


async def test_media_headers(alice_client, svc, csrf, alice):
    """Media files are served with their type, nosniff, a sandboxing CSP and long caching."""
    await compose(alice_client, csrf, {"media_1": upload(files.png(), "a.png")}, status="x")
    [media] = await media_of(svc, (await latest_post(svc, alice)).id)

    response = await alice_client.get(f"/media/{media.file_key}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


async def test_unknown_and_traversal_paths_are_404(client):
    """Unknown keys, odd paths and directory traversal get 404."""
    for path in (
        "/media/ab/cd/" + "0" * 64 + ".jpg",
        "/media/../fedi.sqlite3",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/ab/cd/" + "a" * 64 + ".bin",
        "/media/notakey.png",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path


async def test_png_named_jpg_is_stored_as_png(alice_client, svc, alice, csrf):
    """A PNG named .jpg and sent as image/jpeg is stored and served as PNG."""
    response = await compose(
        alice_client, csrf, {"media_1": upload(files.png(), "photo.jpg", "image/jpeg")}, status="x"
    )
    assert response.status_code == 303
    [media] = await media_of(svc, (await latest_post(svc, alice)).id)
    assert media.content_type == "image/png" and media.file_key.endswith(".png")


async def test_text_file_named_png_is_refused_and_text_kept(alice_client, svc, csrf):
    """A text file named .png is refused next to the file field; the typed text stays."""
    response = await compose(
        alice_client,
        csrf,
        {"media_1": upload(b"hello, I am text\n", "cat.png", "image/png")},
        status="My draft text",
        description_1="my cat",
    )
    page = await text_of(response)
    assert response.status_code == 422
    assert 'id="media-error"' in page and "cat.png: This file type is not supported" in page
    assert "My draft text" in page and 'value="my cat"' in page
    assert await count_media(svc) == 0


async def test_bomb_is_refused_with_a_message(alice_client, svc, csrf):
    """A decompression bomb is refused with a clear message and nothing is stored."""
    response = await compose(
        alice_client, csrf, {"media_1": upload(files.bomb_png(), "bomb.png")}, status="boom"
    )
    page = await text_of(response)
    assert response.status_code == 422 and "too many pixels" in page
    assert await count_media(svc) == 0 and stored_files(svc) == []


async def test_too_large_is_refused_and_nothing_stored(tmp_path):
    """A file above the configured limit is refused; no row and no file are left behind."""
    big = files.jpeg(1200, 900, quality=100)
    config = make_config(tmp_path, media={"max_image_bytes": len(big) - 1})
    application = create_app(config, start_workers=False)
    async with application.test_app():
        svc = application.extensions["fedi"]
        _, alice = await make_user(svc, "alice")
        client = application.test_client()
        await browser_login(client, svc, alice)
        response = await compose(
            client, csrf_token_for(svc), {"media_1": upload(big, "big.jpg")}, status="x"
        )
        page = await text_of(response)
        assert response.status_code == 422 and "images can be at most" in page
        assert await count_media(svc) == 0 and stored_files(svc) == []


async def test_five_images_are_refused(alice_client, svc, csrf):
    """A fifth image (one kept from an earlier try plus four new) is refused, none processed."""
    first = await compose(
        alice_client, csrf, {"media_1": upload(files.jpeg(64, 48), "0.jpg")}, status="x" * 600
    )
    kept = re.search(r'name="media_ids" value="(\d+)"', await text_of(first))
    assert kept
    uploads = {f"media_{i}": upload(files.jpeg(64, 48), f"{i}.jpg") for i in range(1, 5)}
    response = await compose(alice_client, csrf, uploads, status="five", media_ids=kept[1])
    page = await text_of(response)
    assert response.status_code == 422
    assert "A post can have up to 4 images, or one video or audio file." in page
    assert await count_media(svc) == 1


async def test_four_images_in_order(alice_client, svc, alice, csrf):
    """Four images attach in the order of their slots, each with its own alt text."""
    uploads = {f"media_{i}": upload(files.jpeg(64 + i, 48), f"{i}.jpg") for i in range(1, 5)}
    alts = {f"description_{i}": f"picture {i}" for i in range(1, 5)}
    response = await compose(alice_client, csrf, uploads, status="four", **alts)
    assert response.status_code == 303
    attached = await media_of(svc, (await latest_post(svc, alice)).id)
    assert [m.description for m in attached] == [f"picture {i}" for i in range(1, 5)]
    assert [m.position for m in attached] == [0, 1, 2, 3]


async def test_video_is_posted_and_plays_in_the_page(alice_client, svc, alice, csrf):
    """A video becomes an MP4 with a poster and plays in the page with <video controls>."""
    response = await compose(
        alice_client,
        csrf,
        {"media_1": upload(files.webm_video(2), "clip.webm", "video/webm")},
        status="",
        description_1="A test pattern with a tone",
    )
    assert response.status_code == 303, await text_of(response)
    post = await latest_post(svc, alice)
    [media] = await media_of(svc, post.id)
    assert media.kind == "video" and media.content_type == "video/mp4"
    assert media.meta["original"]["duration"] > 1
    page = await text_of(await alice_client.get(f"/@alice/{post.id}"))
    assert re.search(
        rf'<video src="/media/{media.file_key}" poster="/media/{media.preview_key}"', page
    )
    assert "controls" in page and "A test pattern with a tone" in page


async def test_video_must_be_alone(alice_client, svc, csrf):
    """A video with an image beside it is refused."""
    response = await compose(
        alice_client,
        csrf,
        {
            "media_1": upload(files.webm_video(1), "clip.webm"),
            "media_2": upload(files.jpeg(), "a.jpg"),
        },
        status="both",
    )
    assert response.status_code == 422
    assert "must be the only attachment" in await text_of(response)


async def test_audio_post(alice_client, svc, alice, csrf):
    """An audio file is posted as MP3 and plays with <audio controls>."""
    response = await compose(
        alice_client, csrf, {"media_1": upload(files.wav_audio(1), "tone.wav")}, status="listen"
    )
    assert response.status_code == 303
    post = await latest_post(svc, alice)
    [media] = await media_of(svc, post.id)
    assert media.kind == "audio" and media.content_type == "audio/mpeg"
    page = await text_of(await alice_client.get(f"/@alice/{post.id}"))
    assert f'<audio src="/media/{media.file_key}" controls' in page


async def test_sensitive_media_is_folded(alice_client, svc, alice, csrf):
    """Media marked sensitive is behind a "Sensitive media — show" disclosure."""
    await compose(
        alice_client,
        csrf,
        {"media_1": upload(files.jpeg(), "a.jpg")},
        status="careful",
        sensitive="on",
    )
    post = await latest_post(svc, alice)
    page = await text_of(await alice_client.get(f"/@alice/{post.id}"))
    assert '<details class="media-sensitive">' in page and "Sensitive media — show" in page


async def test_refused_post_keeps_uploaded_files(alice_client, svc, alice, csrf):
    """When the text is too long the uploaded image is kept for the next try, and then posted."""
    long_text = "x" * 600
    response = await compose(
        alice_client,
        csrf,
        {"media_1": upload(files.jpeg(), "a.jpg")},
        status=long_text,
        description_1="kept picture",
    )
    page = await text_of(response)
    assert response.status_code == 422 and "the limit is 500" in page
    match = re.search(r'name="media_ids" value="(\d+)" checked', page)
    assert match and "kept picture" in page

    response = await alice_client.post(
        "/compose",
        form={
            "status": "short now",
            "visibility": "public",
            "csrf_token": csrf,
            "media_ids": match[1],
        },
    )
    assert response.status_code == 303
    [media] = await media_of(svc, (await latest_post(svc, alice)).id)
    assert media.id == int(match[1]) and media.description == "kept picture"


async def test_direct_message_with_image(alice_client, app, svc, alice, csrf):
    """A direct message carries an image; the recipient sees it and others do not."""
    _, bob = await make_user(svc, "bob")
    response = await compose(
        alice_client,
        csrf,
        {"media_1": upload(files.jpeg(), "a.jpg")},
        status="@bob just for you",
        visibility="direct",
        description_1="secret picture",
    )
    assert response.status_code == 303
    post = await latest_post(svc, alice)
    bob_client = app.test_client()
    await browser_login(bob_client, svc, bob)
    page = await text_of(await bob_client.get(f"/@alice/{post.id}"))
    assert 'alt="secret picture"' in page
    anonymous = await app.test_client().get(f"/@alice/{post.id}")
    assert anonymous.status_code == 404


async def test_deleting_a_post_deletes_its_files(alice_client, svc, alice, csrf):
    """Deleting a post removes its media rows and files."""
    await compose(alice_client, csrf, {"media_1": upload(files.jpeg(), "a.jpg")}, status="bye")
    post = await latest_post(svc, alice)
    [media] = await media_of(svc, post.id)
    assert stored_files(svc)

    response = await alice_client.post(f"/@alice/{post.id}/delete", form={"csrf_token": csrf})
    assert response.status_code in (302, 303)
    assert await count_media(svc) == 0 and stored_files(svc) == []
    assert (await alice_client.get(f"/media/{media.file_key}")).status_code == 404


async def test_focal_point_is_kept_and_a_garbled_one_is_refused(alice_client, svc, alice, csrf):
    """The compose form takes a focal point per file; a garbled one is refused next to the files
    with the text kept, a good one is stored with the image."""
    refused = await compose(
        alice_client,
        csrf,
        {"media_1": upload(files.jpeg_with_gps(), "sea.jpg", "image/jpeg")},
        status="Focus test",
        description_1="The sea",
        focus_1="left-ish",
    )
    page = await text_of(refused)
    assert refused.status_code == 422
    assert "The focal point needs two numbers between -1 and 1" in page
    assert "Focus test" in page and 'value="left-ish"' in page
    assert await count_media(svc) == 0

    response = await compose(
        alice_client,
        csrf,
        {"media_1": upload(files.jpeg_with_gps(), "sea.jpg", "image/jpeg")},
        status="Focus test",
        description_1="The sea",
        focus_1="-0.5,0.25",
    )
    assert response.status_code == 303, await text_of(response)
    [media] = await media_of(svc, (await latest_post(svc, alice)).id)
    assert (media.focus_x, media.focus_y) == (-0.5, 0.25)
