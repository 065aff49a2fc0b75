"""Regressions found by walking through this session's web UI in Chromium: media on phones, the
picture grid, keyboard focus on pictures, blocking without JavaScript, the OAuth code's Copy
button, and too many files on the compose form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.accounts import PASSWORD, create_user, log_in
from tests.browser.conftest import LiveServer, screenshot
from tests.media import files

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
OOB = "urn:ietf:wg:oauth:2.0:oob"


def _overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Four pictures of different shapes (landscape, square, portrait, panorama) and a header."""
    folder = tmp_path_factory.mktemp("pictures")
    shapes = [(1600, 1200), (800, 800), (1200, 1600), (2000, 600), (2000, 800)]
    paths = []
    for i, (width, height) in enumerate(shapes):
        path = folder / f"picture{i}.jpg"
        path.write_bytes(files.jpeg(width, height))
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def poster(live_server: LiveServer, browser: Browser, pictures: list[Path]) -> Iterator[str]:
    """@quinn, with an avatar and a wide header, who posted four pictures; yields the post path."""
    create_user(live_server, "quinn")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, live_server.url, "quinn")
    page.goto(live_server.url + "/settings")
    page.get_by_label("Choose your avatar").set_input_files(str(pictures[1]))
    page.get_by_label("Choose your header").set_input_files(str(pictures[4]))
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("main")).to_contain_text("Profile saved")
    page.goto(live_server.url + "/compose")
    page.get_by_label("What is on your mind?").fill("Four shapes")
    for slot, picture in enumerate(pictures[:4], start=1):
        page.get_by_label(f"File {slot}", exact=True).set_input_files(str(picture))
        page.get_by_label(f"Description of file {slot} (alt text)").fill(f"Shape number {slot}")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("main")).to_contain_text("Your post is published.")
    path = page.url.removeprefix(live_server.url)
    context.close()
    yield path


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_media_pages_fit_a_phone(live_server, browser, poster, javascript):
    """On a 390 px phone the compose form, profile settings (with a wide header), the profile and
    a four-picture post fit the screen: nothing scrolls sideways."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    log_in(page, live_server.url, "quinn")
    suffix = "js" if javascript else "nojs"
    for path, name in [
        ("/compose", "compose"),
        ("/settings", "settings"),
        ("/@quinn", "profile"),
        (poster, "post"),
    ]:
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_have_count(1)
        screenshot(page, f"qa-phone-{name}-{suffix}")
        assert _overflow(page) == 0, f"{path} is {_overflow(page)} px too wide"
    context.close()


def test_four_pictures_fill_their_grid_cells(live_server, browser, poster):
    """Each of four pictures of different shapes fills its cell of the grid (cropped), with no
    empty band under a wide picture, and each keeps its alt text."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(live_server.url + poster)
    items = page.locator(".media-grid .media-item")
    expect(items).to_have_count(4)
    for index in range(4):
        picture = items.nth(index).locator("img")
        expect(picture).to_have_attribute("alt", f"Shape number {index + 1}")
        cell = items.nth(index).bounding_box()
        shown = picture.bounding_box()
        assert cell and shown
        assert abs(cell["height"] - shown["height"]) <= 1, (index, cell, shown)
        assert abs(cell["width"] - shown["width"]) <= 1, (index, cell, shown)
    screenshot(page, "qa-four-pictures")
    context.close()


def test_keyboard_focus_on_a_picture_is_visible(live_server, browser, poster):
    """Tabbing to a picture's link draws a two-colour ring over the picture (the cell clips
    anything drawn outside it)."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(live_server.url + poster)
    link = page.locator(".media-link").first
    for _ in range(40):
        page.keyboard.press("Tab")
        if link.evaluate("a => a === document.activeElement"):
            break
    else:
        pytest.fail("the picture's link never got keyboard focus")
    ring = link.evaluate(
        "a => { const s = getComputedStyle(a, '::after');"
        " return [s.content, s.borderTopWidth, s.borderTopStyle, s.position]; }"
    )
    assert ring == ['""', "3px", "solid", "absolute"]
    screenshot(page, "qa-picture-focus")
    context.close()


def test_block_asks_first_with_and_without_javascript(live_server, browser):
    """Without JavaScript the Block button leads to "Block @rory?" (Cancel goes back, Block
    blocks); with JavaScript the browser's dialog asks and the block happens at once."""
    create_user(live_server, "pat")
    create_user(live_server, "rory")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "pat")
    page.goto(live_server.url + "/@rory")

    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Block @rory?")
    screenshot(page, "qa-block-confirm-nojs")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(live_server.url + "/@rory")
    expect(page.get_by_role("button", name="Unblock")).to_have_count(0)

    page.get_by_role("button", name="Block", exact=True).click()
    page.get_by_role("button", name="Block @rory").click()
    expect(page).to_have_url(live_server.url + "/@rory")
    expect(page.locator(".notice")).to_contain_text("You blocked @rory.")
    page.get_by_role("button", name="Unblock").click()
    expect(page.locator(".notice")).to_contain_text("You unblocked @rory.")
    context.close()

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    dialogs: list[str] = []

    def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    log_in(page, live_server.url, "pat")
    page.goto(live_server.url + "/@rory")
    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.locator(".notice")).to_contain_text("You blocked @rory.")
    expect(page).to_have_url(live_server.url + "/@rory")
    assert dialogs and dialogs[0].startswith("Block @rory?")
    context.close()


def _oob_app(live_server: LiveServer) -> dict[str, str]:
    response = httpx.post(
        live_server.url + "/api/v1/apps",
        data={"client_name": "Pocket Toot", "redirect_uris": OOB, "scopes": "read write"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_oob_code_copy_button(live_server, browser, javascript):
    """After approving an app, "Copy the code" puts the whole code on the clipboard; without
    JavaScript there is no dead button, just the selectable code box."""
    name = "sage" if javascript else "sky"
    create_user(live_server, name)
    app = _oob_app(live_server)
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    if javascript:
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    log_in(page, live_server.url, name)
    page.goto(
        live_server.url
        + f"/oauth/authorize?response_type=code&client_id={app['client_id']}"
        + f"&redirect_uri={OOB}&scope=read+write"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Authorize Pocket Toot?")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your authorization code")
    code = page.get_by_label("Authorization code", exact=True).input_value()
    assert len(code) > 20
    copy = page.get_by_role("button", name="Copy the code")
    if javascript:
        copy.click()
        expect(page.locator('[data-copy-status="oauth-code"]')).to_have_text("Copied.")
        assert page.evaluate("navigator.clipboard.readText()") == code
    else:
        expect(copy).to_be_hidden()
    screenshot(page, f"qa-oob-code-{'js' if javascript else 'nojs'}")
    context.close()


def test_too_many_files_is_refused_next_to_the_files(live_server, browser, pictures):
    """Two kept pictures plus four new ones are refused with a message at the files; the text
    and the kept pictures stay, and unticking the kept ones lets the four new ones through."""
    create_user(live_server, "tess")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server.url, "tess")
    page.goto(live_server.url + "/compose")
    page.get_by_label("What is on your mind?").fill("Five is too many")
    page.get_by_label("File 1", exact=True).set_input_files(str(pictures[0]))
    page.get_by_label("File 2", exact=True).set_input_files(str(pictures[1]))
    page.get_by_label("Description of file 1 (alt text)").fill("First")
    page.get_by_label("Content warning (optional)").fill("x" * 600)
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("main")).to_contain_text("Keep image: “First”")
    page.get_by_label("Content warning (optional)").fill("")
    for slot in range(1, 5):
        page.get_by_label(f"File {slot}", exact=True).set_input_files(str(pictures[slot - 1]))
    page.get_by_role("button", name="Publish").click()

    error = page.locator("#media-error")
    expect(error).to_have_text("A post can have up to 4 images, or one video or audio file.")
    expect(page.get_by_label("What is on your mind?")).to_have_value("Five is too many")
    screenshot(page, "qa-too-many-files")
    kept = page.get_by_role("checkbox", name=re.compile("Keep image"))
    expect(kept).to_have_count(2)
    kept.first.uncheck()
    kept.last.uncheck()
    for slot in range(1, 5):
        page.get_by_label(f"File {slot}", exact=True).set_input_files(str(pictures[slot - 1]))
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".notice")).to_contain_text("Your post is published.")
    expect(page.locator(".media-grid .media-item")).to_have_count(4)
    context.close()


def _api_token(live_server: LiveServer, name: str) -> str:
    """A password-grant token for `name` (an app registered on the fly)."""
    app = httpx.post(
        live_server.url + "/api/v1/apps",
        data={"client_name": "Script", "redirect_uris": OOB, "scopes": "read write"},
    ).json()
    response = httpx.post(
        live_server.url + "/oauth/token",
        data={
            "grant_type": "password",
            "username": f"{name}@example.com",
            "password": PASSWORD,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "scope": "read write",
        },
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_pictures_show_a_blurred_preview_then_crop_at_their_focal_point(
    live_server, browser, poster, pictures
):
    """While pictures load (here: never), their blurhash is painted in their place; a picture
    whose focal point is at the top is cropped to show its top. Without JavaScript neither."""
    create_user(live_server, "uma")
    token = _api_token(live_server, "uma")
    auth = {"Authorization": f"Bearer {token}"}
    ids = []
    for picture, description, focus in [
        (pictures[2], "A portrait", "0.0,1.0"),
        (pictures[0], "A landscape", "0.0,0.0"),
    ]:
        media = httpx.post(
            live_server.url + "/api/v2/media",
            headers=auth,
            files={"file": (picture.name, picture.read_bytes(), "image/jpeg")},
            data={"description": description, "focus": focus},
        )
        assert media.status_code in (200, 202), media.text
        ids.append(media.json()["id"])
    status = httpx.post(
        live_server.url + "/api/v1/statuses",
        headers=auth,
        data={"status": "Look up", "media_ids[]": ids},
    )
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.route("**/media/**", lambda route: route.abort())
    page.goto(live_server.url + poster)

    canvases = page.locator(".media-item canvas.media-blurhash")
    expect(canvases).to_have_count(4)
    centre = canvases.first.evaluate(
        "c => Array.from(c.getContext('2d').getImageData(16, 16, 1, 1).data)"
    )
    assert centre[3] == 255 and centre[:3] != [0, 0, 0]
    screenshot(page, "qa-blurhash-previews")
    context.close()

    assert status.status_code == 200, status.text
    for javascript, expected in [(True, "50% 0%"), (False, "50% 50%")]:
        context = browser.new_context(viewport=DESKTOP, java_script_enabled=javascript)
        page = context.new_page()
        page.goto(status.json()["url"])
        picture = page.get_by_role("img", name="A portrait")
        expect(picture).to_have_attribute("data-focus", "0.0,1.0")
        assert picture.evaluate("i => getComputedStyle(i).objectPosition") == expected
        landscape = page.get_by_role("img", name="A landscape")
        assert landscape.get_attribute("data-focus") is None
        expect(page.locator("canvas.media-blurhash")).to_have_count(0)
        context.close()
