"""Browser-test helpers: make a confirmed user through the CLI, log in through the login page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer

PASSWORD = "a long browser passphrase"


def create_user(live_server: LiveServer, name: str) -> None:
    """A confirmed local user `name` with PASSWORD, made with `fedi user create`."""
    created = live_server.fedi(
        "user", "create", name, "--email", f"{name}@example.com", "--password", PASSWORD
    )
    assert created.returncode == 0, created.stderr


def log_in(page: Page, url: str, name: str) -> None:
    """Log `name` in through the login form and wait until the page has left /login."""
    page.goto(url + "/login")
    page.get_by_label("Username or e-mail address").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
