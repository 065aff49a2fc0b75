"""Avatar and header on the profile settings page, shown on profiles and in the actor document."""

from __future__ import annotations

import io

from PIL import Image

from fedi.storage import accounts as account_store
from tests.media import files
from tests.media.conftest import text_of, upload


def settings_form(csrf: str, **extra: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "display_name": "Alice",
        "note": "",
        "default_visibility": "public",
        "discoverable": "on",
    }
    form.update(extra)
    return form


async def account_of(svc, account_id):
    async with svc.db.read() as conn:
        return await account_store.get_account(conn, account_id)


async def test_avatar_and_header_are_cropped_and_shown(alice_client, svc, alice, csrf):
    """Avatar (400×400) and header (1500×500) with alt text show on the profile and its posts,
    and the actor document carries them as icon and image."""
    response = await alice_client.post(
        "/settings",
        form=settings_form(csrf, avatar_description="Alice smiling", header_description="A beach"),
        files={
            "avatar": upload(files.jpeg_with_gps(width=900, height=700), "me.jpg"),
            "header": upload(files.png(1800, 900), "beach.png"),
        },
    )
    assert response.status_code == 303, await text_of(response)

    account = await account_of(svc, alice.id)
    assert account.avatar_url.startswith("http://localhost/media/")
    assert account.avatar_description == "Alice smiling"
    avatar = await alice_client.get(account.avatar_url.removeprefix("http://localhost"))
    image = Image.open(io.BytesIO(await avatar.get_data()))
    assert image.size == (400, 400) and not image.getexif()
    header = await alice_client.get(account.header_url.removeprefix("http://localhost"))
    assert Image.open(io.BytesIO(await header.get_data())).size == (1500, 500)

    profile = await text_of(await alice_client.get("/@alice"))
    assert f'src="{account.avatar_url}" alt="Alice smiling"' in profile
    assert f'<img class="profile-banner" src="{account.header_url}" alt="A beach">' in profile
    actor = await (
        await alice_client.get("/users/alice", headers={"Accept": "application/activity+json"})
    ).get_json()
    assert actor["icon"]["url"] == account.avatar_url
    assert actor["image"]["url"] == account.header_url


async def test_avatar_shows_beside_posts(alice_client, svc, alice, csrf):
    """After setting an avatar, the author's posts show it instead of the initial letter."""
    await alice_client.post(
        "/settings", form=settings_form(csrf), files={"avatar": upload(files.jpeg(), "me.jpg")}
    )
    await alice_client.post(
        "/compose", form={"status": "hello", "visibility": "public", "csrf_token": csrf}
    )
    account = await account_of(svc, alice.id)
    page = await text_of(await alice_client.get("/@alice"))
    assert f'<img class="avatar avatar-48" src="{account.avatar_url}"' in page


async def test_bad_avatar_is_refused_and_nothing_changes(alice_client, svc, alice, csrf):
    """A text file as avatar is refused next to the field; the name typed is kept, nothing saved."""
    response = await alice_client.post(
        "/settings",
        form=settings_form(csrf, display_name="New name"),
        files={"avatar": upload(b"not an image", "me.png")},
    )
    page = await text_of(response)
    assert response.status_code == 422
    assert 'id="avatar-error"' in page and "not supported" in page
    assert 'value="New name"' in page
    account = await account_of(svc, alice.id)
    assert account.avatar_url == "" and account.display_name == ""


async def test_replacing_and_removing_the_avatar_deletes_old_files(alice_client, svc, alice, csrf):
    """A new avatar replaces the old one (its file deleted); "Remove" goes back to the letter."""
    await alice_client.post(
        "/settings", form=settings_form(csrf), files={"avatar": upload(files.jpeg(), "a.jpg")}
    )
    first = (await account_of(svc, alice.id)).avatar_url.removeprefix("http://localhost")
    await alice_client.post(
        "/settings", form=settings_form(csrf), files={"avatar": upload(files.png(), "b.png")}
    )
    second = (await account_of(svc, alice.id)).avatar_url.removeprefix("http://localhost")
    assert first != second
    assert (await alice_client.get(first)).status_code == 404

    await alice_client.post("/settings", form=settings_form(csrf, remove_avatar="on"))
    account = await account_of(svc, alice.id)
    assert account.avatar_url == "" and account.avatar_media_id is None
    assert (await alice_client.get(second)).status_code == 404
