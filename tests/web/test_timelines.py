"""Timelines: landing page, home, local, hashtags, and paging with max_id."""

from __future__ import annotations

import re

import pytest

from fedi.app import create_app
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.timelines import account_posts
from tests.conftest import make_config
from tests.factories import browser_login, make_user

POST_IDS = re.compile(r'id="post-(\d+)"')


async def login(app, svc, account):
    """A fresh test client logged in as `account`."""
    client = app.test_client()
    await browser_login(client, svc, account)
    return client


def ids_on(body: str) -> list[int]:
    return [int(i) for i in POST_IDS.findall(body)]


@pytest.fixture
async def alice(svc):
    _, account = await make_user(svc, "alice")
    return account


async def test_landing_welcomes_visitors_with_latest_posts(client, svc, alice):
    """Logged out, / shows the instance name and description, sign-up/login and recent posts."""
    await create_post(svc, alice, PostDraft(text="hello visitors", visibility="public"))
    await create_post(svc, alice, PostDraft(text="quiet words", visibility="unlisted"))
    response = await client.get("/")
    body = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1" in body and "Welcome to fedi" in body
    assert "A small corner of the fediverse." in body
    assert 'href="/signup"' in body and 'href="/login"' in body
    assert "hello visitors" in body
    assert "quiet words" not in body


async def test_landing_hides_sign_up_when_closed(tmp_path):
    """With registrations closed, the landing page offers only logging in."""
    app = create_app(
        make_config(tmp_path, instance={"registrations": "closed"}), start_workers=False
    )
    async with app.test_app():
        response = await app.test_client().get("/")
        body = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="btn btn-primary" href="/signup"' not in body
    assert "New sign-ups are closed." in body


async def test_landing_redirects_logged_in_people_home(app, svc, alice):
    """Logged in, / goes to /home."""
    client = await login(app, svc, alice)
    response = await client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"


async def test_home_requires_login(client):
    """/home sends logged-out visitors to the login page."""
    response = await client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/home")


async def test_empty_home_explains_what_to_do(app, svc, alice):
    """A new user's home timeline says how to fill it."""
    response = await (await login(app, svc, alice)).get("/home")
    body = await response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your home timeline is empty." in body
    assert 'action="/compose"' in body


async def test_local_timeline_is_public_to_visitors(client, svc, alice):
    """/local lists public local posts, newest first, for logged-out visitors too."""
    first = await create_post(svc, alice, PostDraft(text="first", visibility="public"))
    second = await create_post(svc, alice, PostDraft(text="second", visibility="public"))
    response = await client.get("/local")
    assert response.status_code == 200
    assert ids_on(await response.get_data(as_text=True)) == [second.id, first.id]


async def test_hashtag_page_lists_public_tagged_posts_any_case(client, svc, alice):
    """/tags/<tag> finds #Cats and #cats alike, and never unlisted or followers-only posts."""
    upper = await create_post(svc, alice, PostDraft(text="I love #Cats", visibility="public"))
    lower = await create_post(svc, alice, PostDraft(text="more #cats", visibility="public"))
    await create_post(svc, alice, PostDraft(text="hidden #cats", visibility="unlisted"))
    await create_post(svc, alice, PostDraft(text="private #cats", visibility="private"))
    await create_post(svc, alice, PostDraft(text="about #dogs", visibility="public"))
    for path in ("/tags/cats", "/tags/CATS"):
        response = await client.get(path)
        body = await response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<h1>#cats</h1>" in body
        assert ids_on(body) == [lower.id, upper.id]
    assert 'href="http://localhost/tags/cats"' in upper.content_html


async def test_not_a_hashtag_is_not_found(client):
    """A tag made only of digits or symbols answers 404 with a message."""
    response = await client.get("/tags/123")
    assert response.status_code == 404
    assert "#123 is not a hashtag." in await response.get_data(as_text=True)


async def test_paging_returns_older_posts_without_duplicates(app, svc, alice):
    """Following "Older" links walks the timelines 20 at a time with no post twice or missed."""
    made = [
        (await create_post(svc, alice, PostDraft(text=f"post {i} #paging"))).id for i in range(45)
    ]
    expected = sorted(made, reverse=True)
    client = await login(app, svc, alice)
    for start in ("/home", "/local", "/tags/paging"):
        seen, url, pages = [], start, 0
        while url:
            response = await client.get(url)
            body = await response.get_data(as_text=True)
            assert response.status_code == 200
            seen.extend(ids_on(body))
            pages += 1
            found = re.search(r'href="([^"]*max_id=\d+)" rel="next"', body)
            url = found.group(1) if found else None
        assert seen == expected, start
        assert pages == 3


async def test_bad_max_id_is_ignored(client, svc, alice):
    """A max_id that is not a number shows the newest page."""
    post = await create_post(svc, alice, PostDraft(text="newest"))
    response = await client.get("/local?max_id=abc")
    assert response.status_code == 200
    assert ids_on(await response.get_data(as_text=True)) == [post.id]


async def test_account_posts_pages_for_profile(svc, alice):
    """account_posts gives an account's visible posts newest first and pages with max_id."""
    made = [(await create_post(svc, alice, PostDraft(text=f"n{i}"))).id for i in range(5)]
    await create_post(svc, alice, PostDraft(text="for followers", visibility="private"))
    first = await account_posts(svc, None, alice, limit=3)
    assert [v.id for v in first] == made[::-1][:3]
    rest = await account_posts(svc, None, alice, max_id=first[-1].id, limit=3)
    assert [v.id for v in rest] == made[::-1][3:]
    own = await account_posts(svc, alice.id, alice, limit=10)
    assert [v.visibility for v in own][0] == "private" and len(own) == 6
