"""Media in a real browser: post a photo with alt text, see it; set an avatar and a header."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.media import files

# The image's width once it has loaded (visible is not loaded: reading it early gives 0).
LOADED_WIDTH = "img => img.decode().then(() => img.naturalWidth)"


def test_post_a_photo_and_set_an_avatar(live_server, browser, tmp_path):
    """A photo posted from the compose page shows with its alt text; the avatar and header show
    on the profile; no request fails and the page's CSP is not violated."""
    created = live_server.fedi(
        "user",
        "create",
        "mia",
        "--email",
        "mia@example.com",
        "--password",
        "mia has a long passphrase",
    )
    assert created.returncode == 0, created.stderr
    photo = tmp_path / "holiday.jpg"
    photo.write_bytes(files.jpeg_with_gps(width=1600, height=1200))
    avatar = tmp_path / "me.png"
    avatar.write_bytes(files.png(600, 600))
    header = tmp_path / "header.jpg"
    header.write_bytes(files.jpeg(2000, 800))
    page: Page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.goto(live_server.url + "/login")
    page.get_by_label("Username or e-mail address").fill("mia")
    page.get_by_label("Password").fill("mia has a long passphrase")
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server.url + "/compose")
    page.get_by_label("What is on your mind?").fill("Holiday pictures")
    page.get_by_label("File 1", exact=True).set_input_files(str(photo))
    page.get_by_label("Description of file 1 (alt text)").fill("A red square and a yellow sun")
    screenshot(page, "media-compose")
    page.get_by_role("button", name="Publish").click()

    picture = page.get_by_role("img", name="A red square and a yellow sun")
    expect(picture).to_be_visible()
    assert picture.evaluate(LOADED_WIDTH) == 640
    screenshot(page, "media-post")

    page.goto(live_server.url + "/settings")
    page.get_by_label("Choose your avatar").set_input_files(str(avatar))
    page.get_by_label("Description of your avatar (alt text)").fill("Mia waving")
    page.get_by_label("Choose your header").set_input_files(str(header))
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("main")).to_contain_text("Profile saved")
    screenshot(page, "media-settings")

    page.goto(live_server.url + "/@mia")
    expect(page.get_by_role("img", name="Mia waving")).to_be_visible()
    assert page.locator("img.profile-banner").evaluate(LOADED_WIDTH) == 1500
    expect(page.locator("img.avatar-48").first).to_have_attribute("src", re.compile(r"/media/"))
    screenshot(page, "media-profile")
    assert errors == []
