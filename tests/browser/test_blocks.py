"""Blocking, unblocking and deleting one's account in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.accounts import PASSWORD, create_user, log_in
from tests.browser.conftest import screenshot


def test_block_unblock_then_delete_the_account(live_server, browser):
    """Erin blocks Frank from his profile (after confirming), finds him in Settings → Blocks and
    mutes, unblocks him there, then deletes her account with her password and is logged out."""
    create_user(live_server, "erin")
    create_user(live_server, "frank")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    dialogs: list[str] = []

    def accept(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    log_in(page, live_server.url, "erin")

    page.goto(live_server.url + "/@frank")
    screenshot(page, "profile-with-block-button")
    page.get_by_role("button", name="Block").click()
    expect(page.locator("main")).to_contain_text("You blocked this account.")
    assert dialogs and dialogs[0].startswith("Block @frank?")
    expect(page.get_by_role("button", name="Unblock")).to_be_visible()
    screenshot(page, "profile-blocked")

    page.goto(live_server.url + "/settings/blocks")
    expect(page.get_by_role("heading", name="Blocked accounts")).to_be_visible()
    screenshot(page, "settings-blocks")
    page.get_by_role("button", name="Unblock @frank").click()
    expect(page.locator("main")).to_contain_text("You unblocked @frank.")
    expect(page.locator("main")).to_contain_text("You haven't blocked anyone.")

    page.goto(live_server.url + "/settings/account")
    page.get_by_role("link", name=re.compile("Delete my account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    page.locator("#password").fill("not the password")
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.locator("main")).to_contain_text("That is not your password.")
    screenshot(page, "delete-account-wrong-password")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.locator("body")).to_contain_text("Your account has been deleted.")
    page.goto(live_server.url + "/@erin")
    expect(page.locator("main")).to_contain_text("@erin has deleted their account.")
    context.close()
    assert errors == [] or all("410" in e or "422" in e for e in errors), errors
