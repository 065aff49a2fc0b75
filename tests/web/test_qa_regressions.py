"""Regressions found by walking through the web UI as people do (browser QA of issue 2)."""

from __future__ import annotations

import re
from typing import Any

from fedi.config import Config
from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account
from tests.factories import browser_login, make_user


async def _text(response: Any) -> str:
    return await response.get_data(as_text=True)


def _form_actions(page: str) -> list[str]:
    return re.findall(r'<form[^>]*action="([^"]*)"', page)


async def test_reset_form_posts_back_to_its_own_link(
    anon_client: Any, svc: Any, csrf: str, config: Config, run_jobs: Any
) -> None:
    """The "choose a new password" form sends the new password to the reset link it came from."""
    await make_user(svc, "alice")
    await anon_client.post(
        "/auth/password/forgot", form={"email": "alice@example.com", "csrf_token": csrf}
    )
    await run_jobs()
    [mail] = sorted((config.data_path / "mail").glob("*.eml"))
    link = re.search(r"http://localhost(/auth/password/reset/[\w-]+)", mail.read_text())
    assert link is not None

    page = await _text(await anon_client.get(link[1]))

    assert link[1] in _form_actions(page)
    done = await anon_client.post(
        link[1],
        form={
            "password": "a brand new passphrase",
            "password_confirmation": "a brand new passphrase",
            "csrf_token": csrf,
        },
    )
    assert done.status_code == 303 and done.headers["Location"] == "/login"


async def _login(app: Any, svc: Services, account: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def test_reply_that_mentions_the_author_reads_as_a_reply(app: Any, svc: Services) -> None:
    """A reply written with the Reply button (it starts with @author) shows as "replied to your post"."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    parent = await create_post(svc, alice, PostDraft(text="What do you think?"))
    await create_post(
        svc, bob, PostDraft(text="@alice I agree", in_reply_to_id=parent.id, visibility="public")
    )
    await create_post(svc, bob, PostDraft(text="Hey @alice, look at this"))
    client = await _login(app, svc, alice)

    page = await _text(await client.get("/notifications"))

    assert page.count("replied to your post") == 1
    assert page.count("mentioned you") == 1


async def test_email_form_error_summary_links_to_its_own_password_input(
    app: Any, svc: Services, csrf: str
) -> None:
    """The error summary of the e-mail form jumps to that form's password box, not the other form's."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)

    response = await client.post(
        "/settings/account/email",
        form={"email": "new@example.com", "current_password": "wrong", "csrf_token": csrf},
    )

    assert response.status_code == 422
    page = await _text(response)
    assert "That is not your current password." in page
    assert 'href="#email_current_password"' in page
    assert 'href="#current_password"' not in page


def _css_rule(css: str, selector: str) -> str:
    rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert rule is not None, selector
    return rule[1]


async def test_notification_line_wraps_on_phones(client: Any) -> None:
    """The stylesheet lets a notification's "who did what" line shrink and wrap (no sideways scroll)."""
    css = await _text(await client.get("/static/fedi.css"))

    rule = _css_rule(css, ".notification-text")
    assert "min-width: 0" in rule and "flex: 1" in rule


async def test_long_names_and_field_labels_do_not_widen_the_page(client: Any) -> None:
    """A long display name in a follower list is cut, and a long profile-field label leaves room
    for the value (seen on a 390px phone: the page scrolled sideways / the value was 1 letter wide)."""
    css = await _text(await client.get("/static/fedi.css"))

    link = _css_rule(css, ".account-card .account-info > a")
    assert "display: flex" in link and "min-width: 0" in link
    fields = _css_rule(css, ".profile-fields")
    assert "max-content" not in fields and "fit-content(40%)" in fields


async def test_signup_error_summary_follows_the_form_order(
    anon_client: Any, svc: Services, csrf: str
) -> None:
    """The sign-up error summary lists problems in the order of the fields, username first."""
    await make_user(svc, "alice")

    response = await anon_client.post(
        "/signup",
        form={
            "username": "alice",
            "email": "not-an-address",
            "password": "short",
            "password_confirmation": "other",
            "csrf_token": csrf,
        },
    )

    assert response.status_code == 422
    summary = (await _text(response)).split('class="alert"')[1].split("</ul>")[0]
    assert re.findall(r'href="#(\w+)"', summary) == [
        "username",
        "email",
        "password",
        "password_confirmation",
    ]
    assert "That username is already taken." in summary


async def test_error_pages_show_their_status_code(client):
    """The error page names the HTTP status ("Error 404") above its title."""
    response = await client.get("/@nobody-here")
    assert response.status_code == 404
    assert "Error 404" in await response.get_data(as_text=True)


async def test_a_logged_out_like_goes_to_the_login_page_and_back(anon_client, csrf, svc):
    """Clicking Like while logged out leads to the login page, returning to the page after."""
    response = await anon_client.post(
        "/@alice/1/like",
        form={"csrf_token": csrf},
        headers={"Referer": "http://localhost/@alice/1"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/@alice/1"


async def test_get_logout_offers_a_button(client, svc):
    """Typing /logout shows a Log out button (logging out takes a POST); logged out, it goes home."""
    assert (await client.get("/logout")).status_code == 303
    _, alice = await make_user(svc, "alice")
    await browser_login(client, svc, alice)
    page = await client.get("/logout")
    html = await page.get_data(as_text=True)
    assert page.status_code == 200 and 'action="/logout"' in html and "csrf_token" in html
