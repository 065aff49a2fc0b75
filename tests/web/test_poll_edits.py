"""Editing a post's poll on its web edit page: the current poll filled in, new options reset
the votes, errors next to the fields, emptying the options removes the poll."""

from __future__ import annotations

import html
from typing import Any

from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.polls.rules import PollDraft
from fedi.polls.voting import get_poll, vote
from fedi.storage.rows import Post
from tests.factories import browser_login, make_user


async def _login(app: Any, svc: Any, account: Any) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _text(response: Any) -> str:
    return html.unescape(await response.get_data(as_text=True))


async def _poll_post(svc: Any, author: Any) -> Post:
    poll = PollDraft(options=("Tea", "Coffee", "Water"), expires_in=3600)
    return await create_post(svc, author, PostDraft(text="What do you drink?", poll=poll))


def _edit_form(csrf: str, **fields: str) -> dict[str, str]:
    form = {
        "status": "What do you drink?",
        "spoiler_text": "",
        "csrf_token": csrf,
        "poll_option_1": "Tea",
        "poll_option_2": "Coffee",
        "poll_option_3": "Water",
        "poll_option_4": "",
        "poll_expires_in": "keep",
    }
    form.update(fields)
    return form


async def test_the_edit_page_shows_the_current_poll(app, svc):
    """The poll's options are filled in and its length defaults to keeping the current end."""
    _, alice = await make_user(svc, "alice")
    post = await _poll_post(svc, alice)
    client = await _login(app, svc, alice)
    response = await client.get(f"/@alice/{post.id}/edit")
    assert response.status_code == 200
    page = await _text(response)
    assert 'name="poll_option_1" maxlength="50" value="Tea"' in page
    assert 'value="Water"' in page and 'name="poll_option_4" maxlength="50">' in page
    assert '<option value="keep" selected>Keep the current end (Closes ' in page
    assert "removes the votes cast so far (0 people voted)" in page


async def test_new_options_from_the_edit_page_reset_the_votes(app, svc, csrf):
    """Changing an option resets the votes; the post shows the new options, the voter may
    vote again."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _poll_post(svc, alice)
    await vote(svc, bob, post.id, [1])
    client = await _login(app, svc, alice)
    response = await client.post(
        f"/@alice/{post.id}/edit", form=_edit_form(csrf, poll_option_3="Juice")
    )
    assert response.status_code == 303
    page = await _text(await client.get(response.headers["Location"]))
    assert "Your post is updated." in page and "Juice" in page and "0 votes" in page
    seen = await get_poll(svc, bob.id, post.id)
    assert [o.title for o in seen.options] == ["Tea", "Coffee", "Juice"]
    assert seen.can_vote and seen.votes_count == 0


async def test_keeping_the_options_keeps_the_votes(app, svc, csrf):
    """An edit of the text that keeps the poll as it was keeps every vote and the end."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _poll_post(svc, alice)
    await vote(svc, bob, post.id, [2])
    before = await get_poll(svc, bob.id, post.id)
    client = await _login(app, svc, alice)
    response = await client.post(
        f"/@alice/{post.id}/edit", form=_edit_form(csrf, status="What do you drink today?")
    )
    assert response.status_code == 303
    after = await get_poll(svc, bob.id, post.id)
    assert after.own_votes == (2,) and after.votes_count == 1
    assert after.expires_at == before.expires_at


async def test_poll_errors_show_next_to_the_fields_on_the_edit_page(app, svc, csrf):
    """One option left: 422, the message by the options, what was typed kept, nothing saved."""
    _, alice = await make_user(svc, "alice")
    post = await _poll_post(svc, alice)
    client = await _login(app, svc, alice)
    response = await client.post(
        f"/@alice/{post.id}/edit",
        form=_edit_form(
            csrf, status="Changed?", poll_option_2="", poll_option_3="", poll_expires_in="60"
        ),
    )
    assert response.status_code == 422
    page = await _text(response)
    assert 'id="poll-options-error">A poll needs at least 2 options.' in page
    assert 'id="poll-expires-error">A poll must run for at least 5 minutes.' in page
    assert "Changed?" in page and 'value="Tea"' in page
    poll = await get_poll(svc, alice.id, post.id)
    assert [o.title for o in poll.options] == ["Tea", "Coffee", "Water"]


async def test_emptying_the_options_removes_the_poll(app, svc, csrf):
    """With every option box empty the post keeps its text and loses its poll."""
    _, alice = await make_user(svc, "alice")
    post = await _poll_post(svc, alice)
    client = await _login(app, svc, alice)
    response = await client.post(
        f"/@alice/{post.id}/edit",
        form=_edit_form(csrf, poll_option_1="", poll_option_2="", poll_option_3=""),
    )
    assert response.status_code == 303
    page = await _text(await client.get(f"/@alice/{post.id}"))
    assert "What do you drink?" in page and "Coffee" not in page


async def test_a_poll_can_be_added_on_the_edit_page(app, svc, csrf):
    """A post without a poll offers "Add a poll"; options and a length add one."""
    _, alice = await make_user(svc, "alice")
    post = await create_post(svc, alice, PostDraft(text="Tea or coffee?"))
    client = await _login(app, svc, alice)
    page = await _text(await client.get(f"/@alice/{post.id}/edit"))
    assert "<summary>Add a poll</summary>" in page and 'value="keep"' not in page
    response = await client.post(
        f"/@alice/{post.id}/edit",
        form=_edit_form(csrf, status="Tea or coffee?", poll_option_3="", poll_expires_in="3600"),
    )
    assert response.status_code == 303
    poll = await get_poll(svc, alice.id, post.id)
    assert [o.title for o in poll.options] == ["Tea", "Coffee"]


async def test_a_form_without_poll_fields_keeps_the_poll(app, svc, csrf):
    """An edit form sent without the poll section (an older page) leaves the poll alone."""
    _, alice = await make_user(svc, "alice")
    post = await _poll_post(svc, alice)
    client = await _login(app, svc, alice)
    response = await client.post(
        f"/@alice/{post.id}/edit",
        form={"status": "What do you drink now?", "spoiler_text": "", "csrf_token": csrf},
    )
    assert response.status_code == 303
    poll = await get_poll(svc, alice.id, post.id)
    assert [o.title for o in poll.options] == ["Tea", "Coffee", "Water"]
