"""In Chromium: schedule a post from the compose page, see and cancel it in Settings, and set the
notification policy."""

from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import Browser, expect

from tests.browser.accounts import create_user, log_in
from tests.browser.conftest import LiveServer, screenshot


def test_schedule_a_post_then_cancel_it_and_choose_whose_notifications_to_get(
    live_server: LiveServer, browser: Browser
) -> None:
    """A person schedules a post in their own time zone, finds it under Settings → Scheduled
    posts, cancels it, and filters notifications from people they don't follow."""
    create_user(live_server, "sched")
    page = browser.new_page(timezone_id="Europe/Berlin")
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server.url, "sched")

    page.goto(live_server.url + "/compose")
    page.get_by_label("What is on your mind?").fill("Good morning, future")
    local = (datetime.now() + timedelta(days=2)).replace(hour=9, minute=30)
    page.get_by_label("Publish later (optional)").fill(local.strftime("%Y-%m-%dT%H:%M"))
    expect(page.locator("#scheduled_at-help")).to_contain_text("Your local time")
    page.get_by_role("button", name="Publish").click()

    expect(page).to_have_url(live_server.url + "/settings/scheduled")
    expect(page.get_by_text("Your post is scheduled for")).to_be_visible()
    expect(page.get_by_text("Good morning, future")).to_be_visible()
    # 09:30 in Berlin is 08:30 or 07:30 UTC, depending on the season.
    expect(page.locator("time")).to_contain_text(local.strftime("%d %b %Y"))
    expect(page.locator("time")).not_to_contain_text("09:30")
    screenshot(page, "settings-scheduled")

    page.get_by_role("button", name="Cancel this post").click()
    expect(page.get_by_text("The scheduled post is cancelled.")).to_be_visible()
    expect(page.get_by_text("No scheduled posts.")).to_be_visible()

    tabs = page.get_by_role("navigation", name="Settings sections")
    tabs.get_by_role("link", name="Notifications").click()
    expect(page).to_have_url(live_server.url + "/settings/notifications")
    page.get_by_label("People you don't follow").select_option("filter")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(page.get_by_label("People you don't follow")).to_have_value("filter")
    screenshot(page, "settings-notifications")
    page.close()
