"""The web edit-history page (`/@name/<id>/history`) shows each version's pictures with the alt
text they had then, and each version's poll options."""

from __future__ import annotations

import html
import re
from typing import Any

from fedi.media.attach import MediaChange
from fedi.media.uploads import upload_media
from fedi.outbox.commands import PostDraft, PostEdit
from fedi.outbox.posts import create_post, edit_post
from fedi.polls.rules import PollDraft
from tests.factories import browser_login, make_user
from tests.media import files


async def _page(client: Any, path: str) -> str:
    response = await client.get(path)
    body = await response.get_data(as_text=True)
    assert response.status_code == 200, body
    return body


def _versions(page: str) -> list[str]:
    """The HTML of each version's <article>, newest first as the page lists them."""
    return re.findall(r'<article class="post".*?</article>', page, flags=re.S)


def _alts(article: str) -> list[str]:
    return [html.unescape(a) for a in re.findall(r'<img src="[^"]+" alt="([^"]*)"', article)]


def _options(article: str) -> list[str]:
    return [html.unescape(o) for o in re.findall(r'<li class="poll-label">([^<]*)</li>', article)]


async def test_each_version_shows_its_pictures_with_the_alt_text_it_had(anon_client, svc):
    """Newest first: [Crimson], [Crimson, Blue], [Red, Blue]; every picture's file is linked."""
    _, alice = await make_user(svc, "alice")
    red = await upload_media(
        svc, alice, data=files.png(340, 200), filename="r.png", description="Red"
    )
    blue = await upload_media(
        svc, alice, data=files.png(341, 200), filename="b.png", description="Blue & <b>"
    )
    post = await create_post(
        svc, alice, PostDraft(text="Two pictures", media_ids=(red.id, blue.id))
    )
    await edit_post(
        svc,
        alice,
        post.id,
        PostEdit(
            text="Two pictures, reworded",
            media_changes=(MediaChange(media_id=red.id, description="Crimson"),),
        ),
    )
    await edit_post(svc, alice, post.id, PostEdit(text="One picture", media_ids=(red.id,)))
    page = await _page(anon_client, f"/@alice/{post.id}/history")
    versions = _versions(page)
    assert [_alts(v) for v in versions] == [
        ["Crimson"],
        ["Crimson", "Blue & <b>"],
        ["Red", "Blue & <b>"],
    ]
    assert 'alt="Blue &amp; &lt;b&gt;"' in page and 'alt="Blue & <b>"' not in page
    assert "Current version" in versions[0] and "Original" in versions[2]
    for path in re.findall(r'<img src="([^"]+)"', versions[2]):
        assert (await anon_client.get(path)).status_code == 200


async def test_each_version_shows_its_poll_options(app, svc):
    """A poll edited to new options, then removed: no poll, [Tea, Water], [Tea, Coffee]."""
    _, alice = await make_user(svc, "alice")
    first = PollDraft(options=("Tea", "Coffee"), expires_in=3600)
    post = await create_post(svc, alice, PostDraft(text="Drink?", poll=first))
    second = PollDraft(options=("Tea", "Water"), expires_in=3600)
    await edit_post(svc, alice, post.id, PostEdit(text="Drink?", poll=second))
    await edit_post(svc, alice, post.id, PostEdit(text="No more poll", remove_poll=True))
    client = app.test_client()
    await browser_login(client, svc, alice)
    versions = _versions(await _page(client, f"/@alice/{post.id}/history"))
    assert [_options(v) for v in versions] == [[], ["Tea", "Water"], ["Tea", "Coffee"]]
    assert ["Poll options" in v for v in versions] == [False, True, True]
    # Earlier versions' polls are shown, not voted in.
    assert all("<form" not in v for v in versions)


async def test_a_version_without_pictures_shows_none(anon_client, svc):
    """Text first, a picture added later: only the current version has an image."""
    _, alice = await make_user(svc, "alice")
    post = await create_post(svc, alice, PostDraft(text="Words first"))
    picture = await upload_media(
        svc, alice, data=files.png(342, 200), filename="p.png", description=""
    )
    await edit_post(svc, alice, post.id, PostEdit(text="Words first", media_ids=(picture.id,)))
    versions = _versions(await _page(anon_client, f"/@alice/{post.id}/history"))
    assert [_alts(v) for v in versions] == [["Image without a description"], []]


async def test_the_history_of_a_post_one_may_not_see_is_not_found(anon_client, svc):
    """A followers-only post's history answers 404 to a stranger, showing none of its pictures."""
    _, alice = await make_user(svc, "alice")
    red = await upload_media(
        svc, alice, data=files.png(343, 200), filename="r.png", description="Secret picture"
    )
    post = await create_post(
        svc, alice, PostDraft(text="Friends", visibility="private", media_ids=(red.id,))
    )
    await edit_post(svc, alice, post.id, PostEdit(text="Friends only"))
    response = await anon_client.get(f"/@alice/{post.id}/history")
    body = await response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Secret picture" not in body and "Not found" in body
