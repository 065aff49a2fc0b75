"""Polls in the web UI: composing one (errors next to the fields), voting, seeing results."""

from __future__ import annotations

import html
import re
from typing import Any

from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.polls.rules import PollDraft
from fedi.storage.rows import Post
from tests.factories import browser_login, make_user


async def _login(app: Any, svc: Any, account: Any) -> Any:
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


async def _text(response: Any) -> str:
    return html.unescape(await response.get_data(as_text=True))


async def _poll_post(svc: Any, author: Any, *, multiple: bool = False) -> Post:
    poll = PollDraft(options=("Tea", "Coffee", "Water"), expires_in=3600, multiple=multiple)
    return await create_post(svc, author, PostDraft(text="What do you drink?", poll=poll))


def _compose_form(csrf: str, **fields: str) -> dict[str, str]:
    form = {"status": "", "spoiler_text": "", "visibility": "public", "csrf_token": csrf}
    form.update(fields)
    return form


async def test_compose_a_poll_and_see_its_vote_form(app, svc, csrf):
    """Writing options in the compose form publishes a poll that others can vote in."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    client = await _login(app, svc, alice)
    form_page = await _text(await client.get("/compose"))
    assert 'name="poll_option_1"' in form_page and 'name="poll_expires_in"' in form_page
    response = await client.post(
        "/compose",
        form=_compose_form(
            csrf,
            status="Best drink?",
            poll_option_1="Tea",
            poll_option_2="Coffee",
            poll_expires_in="3600",
        ),
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    bob_client = await _login(app, svc, bob)
    page = await _text(await bob_client.get(location))
    assert "Poll: choose one" in page
    assert page.count('type="radio"') == 2 and 'name="choice"' in page
    assert f'action="{location}/vote"' in page
    own = await _text(await client.get(location))
    assert 'name="choice"' not in own and "0 votes" in own and "Closes" in own


async def test_compose_errors_show_next_to_the_poll_fields(app, svc, csrf):
    """One option only, or a duration the server refuses: 422, the message by the field, the
    typed text and options kept."""
    _, alice = await make_user(svc, "alice")
    client = await _login(app, svc, alice)
    response = await client.post(
        "/compose",
        form=_compose_form(csrf, status="Lonely?", poll_option_1="Only me", poll_expires_in="60"),
    )
    assert response.status_code == 422
    page = await _text(response)
    assert 'id="poll-options-error">A poll needs at least 2 options.' in page
    assert 'id="poll-expires-error">A poll must run for at least 5 minutes.' in page
    assert 'value="Only me"' in page and "Lonely?" in page
    assert '<details class="poll-compose" id="poll" open>' in page


async def test_vote_from_the_post_and_see_results(app, svc, csrf):
    """Bob picks an option; the post then shows bars with percentages and his choice."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _poll_post(svc, alice)
    bob_client = await _login(app, svc, bob)
    url = f"/@alice/{post.id}"
    response = await bob_client.post(
        url + "/vote", form={"choice": "1", "csrf_token": csrf, "next": url}
    )
    assert response.status_code == 303 and response.headers["Location"] == url
    page = await _text(await bob_client.get(url))
    assert "Your vote is counted." in page
    assert 'name="choice"' not in page
    assert re.search(r"Coffee <span class=\"poll-chosen\">✓", page)
    assert '<meter class="poll-bar" min="0" max="100" value="100"' in page
    assert "100%" in page and "1 vote" in page
    anonymous = await _text(await app.test_client().get(url))
    assert 'name="choice"' not in anonymous and "100%" in anonymous


async def test_refused_vote_shows_the_reason_on_the_post(app, svc, csrf):
    """A second vote is refused with 422 and the reason beside the poll."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _poll_post(svc, alice)
    bob_client = await _login(app, svc, bob)
    url = f"/@alice/{post.id}"
    await bob_client.post(url + "/vote", form={"choice": "0", "csrf_token": csrf})
    again = await bob_client.post(url + "/vote", form={"choice": "2", "csrf_token": csrf})
    assert again.status_code == 422
    page = await _text(again)
    assert f'id="poll-{post.id}-error" role="alert">You have already voted in this poll.' in page
    empty = await _login(app, svc, (await make_user(svc, "carol"))[1])
    nothing = await empty.post(url + "/vote", form={"csrf_token": csrf})
    assert nothing.status_code == 422
    assert "Choose an option." in await _text(nothing)


async def test_multiple_choice_poll_offers_checkboxes(app, svc, csrf):
    """A multiple-choice poll is a set of checkboxes; several choices count once per option."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _poll_post(svc, alice, multiple=True)
    bob_client = await _login(app, svc, bob)
    url = f"/@alice/{post.id}"
    page = await _text(await bob_client.get(url))
    assert page.count('type="checkbox" id="poll-') == 3 and "choose one or more" in page
    response = await bob_client.post(
        url + "/vote",
        data=f"choice=0&choice=2&csrf_token={csrf}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 303
    page = await _text(await bob_client.get(url))
    assert page.count('value="100"') == 2 and "1 person" in page


async def test_logged_out_vote_goes_to_login(app, svc, anon_client, csrf):
    """Voting needs an account: a logged-out vote leads to the login page."""
    _, alice = await make_user(svc, "alice")
    post = await _poll_post(svc, alice)
    response = await anon_client.post(
        f"/@alice/{post.id}/vote", form={"choice": "0", "csrf_token": csrf}
    )
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")


async def test_an_ended_poll_is_on_the_notifications_page(app, svc, csrf, run_jobs):
    """When the poll ends, the voter's notifications page says so and shows the results."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    post = await _poll_post(svc, alice)
    bob_client = await _login(app, svc, bob)
    await bob_client.post(f"/@alice/{post.id}/vote", form={"choice": "2", "csrf_token": csrf})
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE polls SET expires_at = '2000-01-01T00:00:00.000Z' WHERE post_id = ?",
            (post.id,),
        )
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = '2000-01-01T00:00:00.000Z' WHERE dedupe_key = ?",
            (f"poll-end:{post.id}",),
        )
    await run_jobs()
    page = await _text(await bob_client.get("/notifications"))
    assert "ran a poll that has ended" in page
    assert "Closed 1 Jan 2000, 00:00 UTC" in page and "100%" in page
