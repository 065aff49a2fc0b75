"""Regressions found by walking through this session's web UI in a browser (media, blocks,
account deletion, OAuth pages): the server-rendered half of each fix."""

from __future__ import annotations

import html
import re
from typing import Any

from fedi.context import Services
from fedi.media.compose import UploadInput, publish_with_media
from fedi.outbox.commands import PostDraft
from fedi.storage.rows import Account
from tests.factories import browser_login, csrf_token_for, make_user
from tests.media import files
from tests.media.conftest import upload

OOB = "urn:ietf:wg:oauth:2.0:oob"


async def _page(response: Any) -> str:
    return html.unescape(await response.get_data(as_text=True))


async def _logged_in(app: Any, svc: Services, name: str) -> tuple[Any, Account]:
    _, account = await make_user(svc, name)
    client = app.test_client()
    await browser_login(client, svc, account)
    return client, account


def _field_value(page: str, field_id: str) -> str:
    """The value attribute of the <input id=field_id> ("" when it has none)."""
    tag = re.search(rf'<input [^>]*id="{field_id}"[^>]*>', page)
    assert tag is not None, field_id
    value = re.search(r'value="([^"]*)"', tag[0])
    return value[1] if value else ""


async def test_image_without_alt_text_still_names_its_link(app: Any, svc: Services) -> None:
    """A picture posted without a description is announced as "Image without a description"
    (its link would otherwise have no name); sensitive media says "show" folded, "hide" open."""
    client, alice = await _logged_in(app, svc, "alice")
    result = await publish_with_media(
        svc,
        alice,
        PostDraft(text="No alt text here", sensitive=True),
        [UploadInput(data=files.jpeg(), filename="a.jpg")],
    )
    assert result.post is not None, result.errors

    response = await client.get(f"/@alice/{result.post.id}")
    page = await _page(response)

    assert response.status_code == 200
    assert 'alt="Image without a description"' in page
    assert 'alt=""' not in page.split('class="media-grid')[1]
    assert '<span class="when-closed">Sensitive media — show</span>' in page
    assert '<span class="when-open">Sensitive media — hide</span>' in page


async def test_refused_file_keeps_only_its_own_alt_text(app: Any, svc: Services) -> None:
    """When the second file is refused, the first comes back as a kept file with its alt text,
    its slot is emptied (no stale copy), and the refused slot keeps what was typed."""
    client, _ = await _logged_in(app, svc, "alice")
    form = {
        "status": "Two pictures",
        "spoiler_text": "",
        "visibility": "public",
        "description_1": "A sunny beach",
        "description_2": "A bomb in disguise",
        "csrf_token": csrf_token_for(svc),
    }
    response = await client.post(
        "/compose",
        form=form,
        files={
            "media_1": upload(files.jpeg(), "beach.jpg"),
            "media_2": upload(files.bomb_png(), "bomb.png"),
        },
    )
    page = await _page(response)

    assert response.status_code == 422
    assert "bomb.png: This image has too many pixels" in page
    assert re.search(r'<input type="checkbox" id="media_ids_\d+" name="media_ids"', page)
    assert "Keep image: “A sunny beach”" in page
    assert _field_value(page, "description_1") == ""
    assert _field_value(page, "description_2") == "A bomb in disguise"
    assert "Two pictures</textarea>" in page


async def test_block_button_without_javascript_asks_first(app: Any, svc: Services) -> None:
    """The profile's Block button (confirmed=no, as sent without JavaScript) shows a "Block
    @bob?" page and blocks nothing; its Block button blocks and returns to the profile."""
    client, _ = await _logged_in(app, svc, "alice")
    await make_user(svc, "bob")
    csrf = csrf_token_for(svc)
    profile = await _page(await client.get("/@bob"))
    assert '<input type="hidden" name="confirmed" value="no">' in profile

    asked = await client.post(
        "/@bob/block",
        form={"csrf_token": csrf, "confirmed": "no"},
        headers={"Referer": "http://localhost/@bob"},
    )
    page = await _page(asked)

    assert asked.status_code == 200
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", page) == ["Block @bob?"]
    assert '<input type="hidden" name="confirmed" value="yes">' in page
    assert '<input type="hidden" name="next" value="/@bob">' in page
    assert '<a href="/@bob">Cancel</a>' in page
    assert "Unblock" not in await _page(await client.get("/@bob"))

    done = await client.post(
        "/@bob/block", form={"csrf_token": csrf, "confirmed": "yes", "next": "/@bob"}
    )
    assert done.status_code in (302, 303) and done.headers["Location"] == "/@bob"
    after = await _page(await client.get("/@bob"))
    assert "You blocked @bob." in after and ">Unblock</button>" in after


async def test_block_without_the_confirmed_field_blocks_at_once(app: Any, svc: Services) -> None:
    """Forms that never sent `confirmed` (older pages, scripts) still block in one step."""
    client, _ = await _logged_in(app, svc, "alice")
    await make_user(svc, "bob")

    done = await client.post("/@bob/block", form={"csrf_token": csrf_token_for(svc)})

    assert done.status_code in (302, 303)
    assert ">Unblock</button>" in await _page(await client.get("/@bob"))


async def test_video_as_avatar_is_refused_as_not_an_image(app: Any, svc: Services) -> None:
    """A video or a text file chosen as avatar/header is refused next to the field with a message
    about images only (not "upload a video or audio file"); the name typed is kept."""
    client, _ = await _logged_in(app, svc, "alice")
    form = {
        "display_name": "Alice A",
        "note": "",
        "default_visibility": "public",
        "csrf_token": csrf_token_for(svc),
    }

    response = await client.post(
        "/settings",
        form=form,
        files={
            "avatar": upload(files.webm_video(1), "me.webm"),
            "header": upload(b"just some text", "header.jpg"),
        },
    )
    page = await _page(response)

    message = "This file type is not supported here. Choose a JPEG, PNG, GIF, WebP or AVIF image."
    assert response.status_code == 422
    assert f'<p class="field-error" id="avatar-error">{message}</p>' in page
    assert f'<p class="field-error" id="header-error">{message}</p>' in page
    assert "video" not in page.split('id="avatar-error">')[1].split("</p>")[0]
    assert 'value="Alice A"' in page


async def _register(client: Any, scopes: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/apps",
        form={"client_name": "Pocket Toot", "redirect_uris": OOB, "scopes": scopes},
    )
    assert response.status_code == 200
    return dict(await response.get_json())


async def test_consent_page_says_the_app_may_post_as_you(app: Any, svc: Services) -> None:
    """write:statuses reads "Publish, edit and delete posts as you", not "Change your posts";
    write:media reads "Upload pictures, videos and audio"."""
    client, _ = await _logged_in(app, svc, "alice")
    registered = await _register(client, "read write:statuses write:media")
    query = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": OOB,
        "scope": "read write:statuses write:media",
    }

    response = await client.get("/oauth/authorize", query_string=query)
    page = await _page(response)

    assert response.status_code == 200
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", page) == ["Authorize Pocket Toot?"]
    assert "Publish, edit and delete posts as you, and boost posts" in page
    assert "Upload pictures, videos and audio" in page
    assert "Change your posts" not in page


async def test_oob_code_page_has_a_copy_button(app: Any, svc: Services) -> None:
    """The code page keeps the read-only code box and adds a Copy button that fedi.js reveals
    (hidden without JavaScript, where the code is selected by hand)."""
    client, _ = await _logged_in(app, svc, "alice")
    registered = await _register(client, "read")
    query = {
        "response_type": "code",
        "client_id": registered["client_id"],
        "redirect_uri": OOB,
        "scope": "read",
    }
    consent = await _page(await client.get("/oauth/authorize", query_string=query))
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', consent))

    response = await client.post(
        "/oauth/authorize",
        form={**hidden, "decision": "approve", "csrf_token": csrf_token_for(svc)},
    )
    page = await _page(response)

    assert response.status_code == 200
    assert re.search(r'id="oauth-code" name="code" value="[\w-]{20,}" readonly', page)
    assert 'data-copy="oauth-code" hidden>Copy the code</button>' in page
    assert 'role="status" data-copy-status="oauth-code"' in page
