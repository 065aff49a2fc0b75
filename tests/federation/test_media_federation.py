"""Media across two fedi instances (real HTTP, real signatures): attachments, alt text, blurhash,
focal points and avatars travel, and each side shows them from its own cache.
"""

from __future__ import annotations

import html
import io
import re
from typing import TYPE_CHECKING

import pytest
from PIL import Image

from fedi.media.remote_paths import remote_media_path
from fedi.media.uploads import upload_media
from fedi.media.views import media_url
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post, delete_post, edit_post
from fedi.outbox.profile import ProfileEdit, update_profile
from fedi.storage import accounts as account_store
from fedi.storage import media as media_storage
from fedi.storage.rows import Account, Media, Post
from tests.media.files import jpeg, png

if TYPE_CHECKING:
    from tests.federation.conftest import Instance, Pair

pytestmark = pytest.mark.asyncio(loop_scope="module")

AP = "application/activity+json"


async def settle(pair: Pair) -> None:
    """`Pair.settle`, except for the hourly `media_expire` run each upload schedules a day ahead."""
    quiet = 0

    async def idle() -> bool:
        nonlocal quiet
        busy = [
            j for inst in (pair.a, pair.b) for j in await inst.waiting() if j.kind != "media_expire"
        ]
        quiet = 0 if busy else quiet + 1
        return quiet >= 2

    await pair.a.eventually(idle, "both instances are idle (but for media expiry)")


async def follow_across(pair: Pair, follower: Account, target: Account) -> Account:
    """`follower` on B follows open `target` on A; A's account as B has it."""
    target_on_b = await pair.b.remote(target)
    await follow_account(pair.b.svc, follower, target_on_b)
    await settle(pair)
    assert await pair.b.follow_state(follower, target_on_b) == "accepted"
    return target_on_b


async def attachments_on(inst: Instance, post_uri: str) -> list[Media]:
    """The media rows of a post (by its id) on `inst`, in order."""
    async with inst.svc.db.read() as conn:
        rows = await conn.fetchall("SELECT id FROM posts WHERE uri = ?", (post_uri,))
        assert rows, f"{post_uri} is not stored on {inst.name}"
        found = await media_storage.get_many_by_post_ids(conn, [rows[0]["id"]])
    return found.get(rows[0]["id"], [])


async def account_on(inst: Instance, uri: str) -> Account:
    async with inst.svc.db.read() as conn:
        found = await account_store.get_account_by_uri(conn, uri)
    assert found is not None
    return found


async def two_pictures(pair: Pair, alice: Account, wide: int = 640) -> tuple[Post, list[Media]]:
    """Alice posts a JPEG and a PNG (`wide` pixels wide: files differ between tests)."""
    svc = pair.a.svc
    red = await upload_media(
        svc, alice, data=jpeg(800, 600), filename="red.jpg", description="A red square on blue"
    )
    second = await upload_media(
        svc,
        alice,
        data=png(wide, 320),
        filename="wide.png",
        description="A wide picture",
        focus=(0.5, -0.25),
    )
    post = await create_post(
        svc, alice, PostDraft(text="Two pictures", media_ids=(red.id, second.id))
    )
    return post, [red, second]


async def test_a_post_with_two_images_shows_them_from_our_own_cache(two_instances: Pair) -> None:
    """Alice posts two pictures with alt text: Bob's home on the other server shows both from its
    own /media/ URLs, with the alt text and the blurhash Alice's server computed."""
    pair = two_instances
    alice, bob = await pair.a.user("alice"), await pair.b.user("bob")
    await follow_across(pair, bob, alice)
    post, uploads = await two_pictures(pair, alice)
    await settle(pair)

    cached = await attachments_on(pair.b, post.uri)
    assert [m.state for m in cached] == ["ready", "ready"]
    assert [m.description for m in cached] == ["A red square on blue", "A wide picture"]
    assert [m.blurhash for m in cached] == [u.blurhash for u in uploads]
    assert [m.remote_url for m in cached] == [
        media_url(pair.a.svc, u.file_key or "") for u in uploads
    ]
    assert (cached[1].focus_x, cached[1].focus_y) == (0.5, -0.25)
    assert all(m.file_key and m.preview_key for m in cached)

    home = await pair.b.page(bob, "/home")
    page = html.unescape(home.text)
    assert home.status_code == 200
    for media, upload in zip(cached, uploads, strict=True):
        assert f'src="{remote_media_path(media, preview=True)}" alt="{media.description}"' in page
        assert f'data-blurhash="{upload.blurhash}"' in page
    assert pair.a.base_url not in re.sub(
        r'href="[^"]*"', "", page.split('<ul class="media-grid', 1)[1]
    )

    async with pair.b.client() as http:
        full = await http.get(remote_media_path(cached[0]))
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(full.content)).size == (800, 600)


async def test_the_note_document_carries_the_attachments_as_mastodon_reads_them(
    two_instances: Pair,
) -> None:
    """The Note of a post with media lists each file with mediaType, url, alt text (`name`),
    blurhash, focalPoint, width and height."""
    pair = two_instances
    alice = await pair.a.user("alice2")
    post, uploads = await two_pictures(pair, alice)
    async with pair.a.client() as http:
        response = await http.get(post.uri, headers={"Accept": AP})
    assert response.status_code == 200
    note = response.json()
    red, wide = note["attachment"]
    assert red == {
        "type": "Image",
        "mediaType": "image/jpeg",
        "url": media_url(pair.a.svc, uploads[0].file_key or ""),
        "name": "A red square on blue",
        "blurhash": uploads[0].blurhash,
        "focalPoint": [0.0, 0.0],
        "width": 800,
        "height": 600,
    }
    assert wide["mediaType"] == "image/png" and wide["focalPoint"] == [0.5, -0.25]
    assert (wide["width"], wide["height"]) == (640, 320)
    assert "blurhash" in note["@context"][2] and note["sensitive"] is False


async def test_edits_change_alt_text_and_attachments_and_a_delete_removes_them(
    two_instances: Pair,
) -> None:
    """An edit that drops a picture and rewords the other's alt text reaches the other side; the
    kept file is not fetched again; deleting the post removes the cached files."""
    pair = two_instances
    alice, bob = await pair.a.user("alice3"), await pair.b.user("bob3")
    await follow_across(pair, bob, alice)
    post, (red, _wide) = await two_pictures(pair, alice, wide=620)
    await settle(pair)
    before = await attachments_on(pair.b, post.uri)

    async with pair.a.svc.db.write() as tx:
        await media_storage.update_media(tx, red.id, description="A red square, reworded")
    await edit_post(pair.a.svc, alice, post.id, PostEdit(text="One picture", media_ids=(red.id,)))
    await settle(pair)
    after = await attachments_on(pair.b, post.uri)
    assert [(m.id, m.description) for m in after] == [(before[0].id, "A red square, reworded")]
    assert after[0].file_key == before[0].file_key

    await delete_post(pair.a.svc, alice, post.id)
    await settle(pair)
    assert await attachments_on(pair.b, post.uri) == []
    store = pair.b.svc.extras["media_store"]
    assert store.get_path(before[1].file_key) is None


async def set_avatar(inst: Instance, account: Account, data: bytes, description: str) -> Account:
    """Give a local account an avatar (an upload shown as the avatar) and tell its followers."""
    media = await upload_media(inst.svc, account, data=data, filename="me.png")
    async with inst.svc.db.write() as tx:
        await media_storage.set_account_image(
            tx,
            account.id,
            "avatar",
            media_id=media.id,
            url=media_url(inst.svc, media.file_key or ""),
            description=description,
        )
    viewer = await inst.viewer(account)
    return await update_profile(inst.svc, viewer, ProfileEdit(display_name=account.username))


async def test_a_remote_avatar_is_shown_from_our_cache_and_replaced_when_it_changes(
    two_instances: Pair,
) -> None:
    """Alice's avatar shows on Bob's server from Bob's server (with its alt text), and a new avatar
    replaces the cached one."""
    pair = two_instances
    alice, bob = await pair.a.user("alice4"), await pair.b.user("bob4")
    await follow_across(pair, bob, alice)
    await set_avatar(pair.a, alice, png(500, 500), "A blue cat")
    await settle(pair)

    async with pair.a.client() as http:
        actor = (await http.get(alice.uri, headers={"Accept": AP})).json()
    assert actor["icon"]["type"] == "Image" and actor["icon"]["name"] == "A blue cat"
    assert actor["icon"]["url"].startswith(pair.a.base_url + "/media/")
    assert actor["icon"]["mediaType"] in ("image/png", "image/jpeg")

    remote_alice = await account_on(pair.b, alice.uri)
    assert remote_alice.avatar_media_id is not None
    assert remote_alice.avatar_description == "A blue cat"
    src = f"/media/remote/accounts/{remote_alice.id}/avatar?v={remote_alice.avatar_media_id}"
    profile = await pair.b.page(bob, f"/@{pair.a.handle(alice)}")
    assert profile.status_code == 200
    assert f'src="{src}" alt="A blue cat"' in html.unescape(profile.text)
    async with pair.b.client() as http:
        image = await http.get(src)
    assert image.status_code == 200 and image.headers["content-type"] in ("image/png", "image/jpeg")
    assert Image.open(io.BytesIO(image.content)).size == (400, 400)

    first = remote_alice.avatar_media_id
    await set_avatar(pair.a, alice, jpeg(600, 600), "A green cat")
    await settle(pair)
    replaced = await account_on(pair.b, alice.uri)
    assert replaced.avatar_media_id not in (None, first)
    assert replaced.avatar_description == "A green cat"
    async with pair.b.svc.db.read() as conn:
        assert await media_storage.get_media(conn, first) is None
