"""Featured hashtags in the web UI: Settings → Featured hashtags (add, remove, errors next to
the field), the list on the profile, and `/@name/tagged/<tag>`."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from fedi.context import Services
from fedi.featured_tags import feature_tag, featured_tags
from fedi.instance_info import MAX_FEATURED_TAGS
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account
from tests.factories import browser_login, make_user


async def _text(response: Any) -> str:
    return html.unescape(await response.get_data(as_text=True))


async def _login(app: Any, svc: Services, name: str) -> tuple[Any, Account]:
    _, account = await make_user(svc, name)
    client = app.test_client()
    await browser_login(client, svc, account)
    return client, account


async def _post(svc: Services, author: Account, text: str, **fields: Any) -> int:
    return (await create_post(svc, author, PostDraft(text=text, **fields))).id


async def test_settings_form_features_a_hashtag_and_removes_it(app, svc, csrf):
    """The settings form adds a featured hashtag, lists it with its count, and removes it."""
    client, alice = await _login(app, svc, "alice")
    await _post(svc, alice, "hello #Gardening")
    page = await client.get("/settings/featured_tags")
    assert page.status_code == 200
    text = await _text(page)
    assert "<h1>Settings</h1>" in text
    assert 'aria-current="page">Featured hashtags</a>' in text
    assert "You don't feature any hashtags yet." in text
    assert "Feature #gardening" in text  # a suggestion from alice's own posts

    added = await client.post(
        "/settings/featured_tags", form={"name": "#Gardening", "csrf_token": csrf}
    )
    assert added.status_code == 303
    assert added.headers["Location"].startswith("/settings/featured_tags")
    [featured] = await featured_tags(svc, alice.id)
    assert (featured.name, featured.statuses_count) == ("Gardening", 1)
    text = await _text(await client.get(added.headers["Location"]))
    assert "#Gardening is featured on your profile." in text
    assert '<a href="/@alice/tagged/gardening">#Gardening</a>' in text
    assert "· 1 post" in text
    assert "Feature #gardening" not in text

    removed = await client.post(
        f"/settings/featured_tags/{featured.id}/remove", form={"csrf_token": csrf}
    )
    assert removed.status_code == 303
    assert await featured_tags(svc, alice.id) == []
    text = await _text(await client.get(removed.headers["Location"]))
    assert "The hashtag is no longer featured." in text
    assert "You don't feature any hashtags yet." in text


async def test_an_invalid_hashtag_shows_the_error_next_to_the_field(app, svc, csrf):
    """A name that is not a hashtag re-renders the form (422) with the error and the input kept."""
    client, alice = await _login(app, svc, "alice")
    response = await client.post(
        "/settings/featured_tags", form={"name": "two words", "csrf_token": csrf}
    )
    assert response.status_code == 422
    text = await _text(response)
    assert re.search(
        r'<p class="field-error" id="name-error">[^<]*Not a valid hashtag: use letters, digits'
        r" and underscores \(not only digits\), without spaces.",
        text,
    ), text
    assert 'value="two words"' in text
    assert 'aria-invalid="true"' in text
    assert await featured_tags(svc, alice.id) == []


async def test_the_limit_shows_the_error_next_to_the_field(app, svc, csrf):
    """Past the limit the form says how many may be featured, next to the field (422)."""
    client, alice = await _login(app, svc, "alice")
    for i in range(MAX_FEATURED_TAGS):
        ok = await client.post(
            "/settings/featured_tags", form={"name": f"tag{i}", "csrf_token": csrf}
        )
        assert ok.status_code == 303
    response = await client.post(
        "/settings/featured_tags", form={"name": "onemore", "csrf_token": csrf}
    )
    assert response.status_code == 422
    text = await _text(response)
    assert f"You can feature up to {MAX_FEATURED_TAGS} hashtags." in text
    assert 'id="name-error"' in text
    assert 'value="onemore"' in text
    assert len(await featured_tags(svc, alice.id)) == MAX_FEATURED_TAGS


async def test_settings_need_login_and_a_csrf_token(app, svc, anon_client):
    """Logged out, the settings page sends to login; a form without the CSRF token is refused."""
    response = await anon_client.get("/settings/featured_tags")
    assert response.status_code in (302, 303)
    assert response.headers["Location"].startswith("/login")
    client, alice = await _login(app, svc, "alice")
    refused = await client.post("/settings/featured_tags", form={"name": "cats"})
    assert refused.status_code == 403
    assert await featured_tags(svc, alice.id) == []


async def test_someone_elses_featured_tag_cannot_be_removed(app, svc, csrf):
    """Removing another user's featured hashtag is a 404 and it stays."""
    alice_client, alice = await _login(app, svc, "alice")
    bob_client, _ = await _login(app, svc, "bob")
    await alice_client.post("/settings/featured_tags", form={"name": "cats", "csrf_token": csrf})
    [featured] = await featured_tags(svc, alice.id)
    response = await bob_client.post(
        f"/settings/featured_tags/{featured.id}/remove", form={"csrf_token": csrf}
    )
    assert response.status_code == 404
    assert "Record not found" in await _text(response)
    assert len(await featured_tags(svc, alice.id)) == 1


async def test_profile_shows_featured_hashtags_with_counts(app, svc, csrf, anon_client):
    """The profile lists featured hashtags, each linking to the tagged page, with its count."""
    client, alice = await _login(app, svc, "alice")
    await _post(svc, alice, "one #cats")
    await _post(svc, alice, "two #cats")
    await _post(svc, alice, "hidden #cats", visibility="private")
    for name in ("cats", "Dogs"):
        await client.post("/settings/featured_tags", form={"name": name, "csrf_token": csrf})
    text = await _text(await anon_client.get("/@alice"))
    assert "Featured hashtags" in text
    assert '<a href="/@alice/tagged/cats">#cats</a>' in text
    assert "2 posts" in text
    assert '<a href="/@alice/tagged/dogs">#Dogs</a>' in text
    assert "0 posts" in text
    _, bob = await make_user(svc, "bob")
    assert "Featured hashtags" not in await _text(await anon_client.get("/@bob"))
    del bob


async def test_tagged_page_lists_only_that_accounts_posts_with_the_tag(app, svc, anon_client):
    """`/@alice/tagged/cats` shows alice's visible #cats posts, not others' or untagged ones."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await _post(svc, alice, "alice loves #cats")
    await _post(svc, alice, "alice has #dogs too")
    await _post(svc, alice, "followers see #cats here", visibility="private")
    await _post(svc, bob, "bob also posts #cats")
    response = await anon_client.get("/@alice/tagged/Cats")
    assert response.status_code == 200
    text = await _text(response)
    assert "Posts by @alice tagged #cats" in text
    assert "alice loves" in text
    assert "alice has" not in text
    assert "followers see" not in text
    assert "bob also posts" not in text
    empty = await _text(await anon_client.get("/@bob/tagged/dogs"))
    assert "No posts tagged #dogs that you can see." in empty


async def test_tagged_page_shows_followers_only_posts_to_followers(app, svc):
    """A follower sees the account's followers-only posts with the tag too."""
    _, alice = await make_user(svc, "alice")
    client, bob = await _login(app, svc, "bob")
    await follow_account(svc, bob, alice)
    await _post(svc, alice, "followers see #cats here", visibility="private")
    text = await _text(await client.get("/@alice/tagged/cats"))
    assert "followers see" in text


async def test_tagged_page_of_unknown_user_or_non_hashtag_is_not_found(app, svc, anon_client):
    """An unknown account or a tag that is no hashtag answers 404 with a message."""
    response = await anon_client.get("/@nobody/tagged/cats")
    assert response.status_code == 404
    assert "No user @nobody here." in await _text(response)
    await make_user(svc, "alice")
    bad = await anon_client.get("/@alice/tagged/1234")
    assert bad.status_code == 404
    assert "#1234 is not a hashtag." in await _text(bad)


async def test_featured_hashtags_are_served_to_other_servers(app, svc):
    """The actor names its `featuredTags` collection, which lists the featured hashtags as
    Hashtag objects linking to our tag pages (Mastodon shows them on the profile)."""
    _, alice = await make_user(svc, "alice")
    await feature_tag(svc, alice.id, "Cats")
    await feature_tag(svc, alice.id, "#dogs")
    client = app.test_client()
    accept = {"Accept": "application/activity+json"}
    actor = json.loads(await (await client.get("/users/alice", headers=accept)).get_data())
    assert actor["featuredTags"] == "http://localhost/users/alice/collections/tags"
    response = await client.get("/users/alice/collections/tags", headers=accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/activity+json")
    collection = json.loads(await response.get_data())
    assert collection["type"] == "OrderedCollection" and collection["totalItems"] == 2
    assert sorted((t["type"], t["name"], t["href"]) for t in collection["orderedItems"]) == [
        ("Hashtag", "#Cats", "http://localhost/tags/cats"),
        ("Hashtag", "#dogs", "http://localhost/tags/dogs"),
    ]
    missing = await client.get("/users/nobody/collections/tags", headers=accept)
    assert missing.status_code == 404
