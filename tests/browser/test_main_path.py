"""A newcomer's main path in a real browser: sign up, confirm, log in, post, follow, log out."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot


def wait_for_mail(live_server, count: int, timeout: float = 15.0) -> str:  # type: ignore[no-untyped-def]
    """The newest mail once at least `count` mails exist (the mail job runs in the server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mails = live_server.mails()
        if len(mails) >= count:
            return mails[-1]
        time.sleep(0.1)
    raise AssertionError(f"no mail arrived; server log:\n{live_server.log.read_text()[-3000:]}")


def confirm_link(mail: str) -> str:
    # Quoted-printable may fold long lines with "=\n"; undo it before searching.
    unfolded = mail.replace("=\n", "").replace("=3D", "=")
    match = re.search(r"https?://\S+/auth/confirm/[A-Za-z0-9_\-]+", unfolded)
    assert match, mail
    return match.group(0)


def test_newcomer_signs_up_posts_follows_and_logs_out(live_server, browser):
    """Sign up, confirm by mail, log in, post, see it on the profile, follow, read home, log out."""
    created = live_server.fedi(
        "user",
        "create",
        "carol",
        "--email",
        "carol@example.com",
        "--password",
        "carol has a long passphrase",
    )
    assert created.returncode == 0, created.stderr
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page: Page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 else None
        ),
    )

    # Sign up.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("sign up", re.I)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Create an account")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("E-mail address").fill("dana@example.com")
    page.locator("#password").fill("dana has a long passphrase")
    page.locator("#password_confirmation").fill("dana has a long passphrase")
    screenshot(page, "signup")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("main")).to_contain_text(re.compile("e-mail", re.I))

    # Logging in before confirming is refused with an explanation.
    page.goto(live_server.url + "/login")
    page.get_by_label("Username or e-mail address").fill("dana")
    page.get_by_label("Password").fill("dana has a long passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("main")).to_contain_text(re.compile("confirm", re.I))
    assert any(e.startswith("403 POST") and e.endswith("/login") for e in errors), errors
    errors.clear()  # that refusal was expected; nothing else may fail from here on

    # Confirm through the link in the mail.
    page.goto(confirm_link(wait_for_mail(live_server, 1)))
    expect(page.locator("main")).to_contain_text(re.compile("confirmed", re.I))

    # Log in.
    page.goto(live_server.url + "/login")
    page.get_by_label("Username or e-mail address").fill("dana")
    page.get_by_label("Password").fill("dana has a long passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")

    # Post, and see it on the profile page.
    page.get_by_label("What is on your mind?").fill("Hello **fediverse**, this is #firstpost")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".post-content").first).to_contain_text("Hello fediverse")
    page.goto(live_server.url + "/@dana")
    expect(page.get_by_role("heading", level=1)).to_contain_text("dana")
    expect(page.locator(".post-content").first).to_contain_text("Hello fediverse")
    expect(page.locator(".post-content strong").first).to_have_text("fediverse")
    screenshot(page, "profile")

    # Carol posts; Dana follows Carol and sees the post on her home timeline.
    carol = browser.new_context().new_page()
    carol.goto(live_server.url + "/login")
    carol.get_by_label("Username or e-mail address").fill("carol")
    carol.get_by_label("Password").fill("carol has a long passphrase")
    carol.get_by_role("button", name="Log in").click()
    carol.get_by_label("What is on your mind?").fill("Carol's garden is blooming")
    carol.get_by_role("button", name="Publish").click()
    expect(carol.locator(".post-content").first).to_contain_text("garden is blooming")
    carol.context.close()

    page.goto(live_server.url + "/@carol")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    page.goto(live_server.url + "/home")
    expect(page.locator("main")).to_contain_text("garden is blooming")
    expect(page.locator("main")).to_contain_text("Hello fediverse")
    screenshot(page, "home")

    # Log out: the home page now asks to log in.
    page.get_by_role("button", name="Log out").click()
    page.goto(live_server.url + "/home")
    expect(page).to_have_url(re.compile(r"/login"))
    context.close()
    assert errors == [], errors
