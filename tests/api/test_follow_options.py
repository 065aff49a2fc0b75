"""Follow options (`reblogs`, `notify`, `languages[]`): stored on the follow, shown in the
Relationship, applied to the home feed and to `status` notifications, for local posts and posts
arriving by the inbox; and the profile page's toggles."""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.outbox.boosts import boost_post
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage import notifications as notification_store
from fedi.storage.rows import Account
from fedi.timelines import home_timeline
from tests.api.tokens import bearer, make_token
from tests.factories import browser_login, make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    Peer,
    RemoteActor,
    config,
    deliver,
    fast_instance_keys,
    http,
    peer,
)


async def _notices(svc: Services, account: Account) -> list[tuple[str, int | None]]:
    async with svc.db.read() as conn:
        found = await notification_store.list_notifications(conn, account.id)
    return [(n.type, n.post_id) for n in found]


async def _home_ids(svc: Services, account: Account) -> list[int]:
    timeline = await home_timeline(svc, account.id)
    return [(p.reblog or p.post).id for p in timeline.posts]


async def test_follow_options_are_stored_and_shown_in_the_relationship(client, svc):
    """Following with reblogs=false, notify=true and languages[] shows them in the Relationship;
    following again changes only what is sent; relationships reads them back."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    headers = bearer(await make_token(svc, alice))
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/follow",
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        data="reblogs=false&notify=true&languages[]=en&languages[]=de",
    )
    assert response.status_code == 200
    rel = await response.get_json()
    assert rel["following"] is True
    assert (rel["showing_reblogs"], rel["notifying"], rel["languages"]) == (
        False,
        True,
        ["en", "de"],
    )
    again = await client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=headers, json={"notify": False}
    )
    rel = await again.get_json()
    assert (rel["showing_reblogs"], rel["notifying"], rel["languages"]) == (
        False,
        False,
        ["en", "de"],
    )
    listed = await client.get(f"/api/v1/accounts/relationships?id[]={bob.id}", headers=headers)
    assert (await listed.get_json())[0]["notifying"] is False
    cleared = await client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=headers, json={"languages": []}
    )
    assert (await cleared.get_json())["languages"] is None


async def test_defaults_are_boosts_shown_and_no_notifications(client, svc):
    """A plain follow shows boosts and does not notify; not following shows neither."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    headers = bearer(await make_token(svc, alice))
    rel = await (await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=headers)).get_json()
    assert (rel["showing_reblogs"], rel["notifying"], rel["languages"]) == (True, False, None)
    rels = await (
        await client.get(f"/api/v1/accounts/relationships?id[]={carol.id}", headers=headers)
    ).get_json()
    assert (rels[0]["showing_reblogs"], rels[0]["notifying"]) == (False, False)


async def test_bad_languages_are_refused_before_following(client, svc):
    """A language that is not a code answers 422 naming `languages`, and nothing is followed."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    headers = bearer(await make_token(svc, alice))
    response = await client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=headers, json={"languages": ["<b>"]}
    )
    assert response.status_code == 422
    assert "languages" in (await response.get_json())["error"]
    rels = await (
        await client.get(f"/api/v1/accounts/relationships?id[]={bob.id}", headers=headers)
    ).get_json()
    assert rels[0]["following"] is False


async def test_hidden_boosts_stay_out_of_the_home_feed(client, svc):
    """With reblogs=false bob's boosts never reach alice's home (his own posts do); turning it
    off removes those already there; turning it on lets new ones in."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    headers = bearer(await make_token(svc, alice))
    first = await create_post(svc, carol, PostDraft(text="Carol one", visibility="public"))
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=headers)
    shown = await boost_post(svc, bob, first.id)
    assert shown.id in await _home_ids(svc, alice)

    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=headers, json={"reblogs": False})
    assert shown.id not in await _home_ids(svc, alice)
    second = await create_post(svc, carol, PostDraft(text="Carol two", visibility="public"))
    hidden = await boost_post(svc, bob, second.id)
    own = await create_post(svc, bob, PostDraft(text="Bob himself", visibility="public"))
    home = await _home_ids(svc, alice)
    assert hidden.id not in home and own.id in home
    api_home = await (await client.get("/api/v1/timelines/home", headers=headers)).get_json()
    assert [s["id"] for s in api_home] == [str(own.id)]

    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=headers, json={"reblogs": True})
    third = await create_post(svc, carol, PostDraft(text="Carol three", visibility="public"))
    again = await boost_post(svc, bob, third.id)
    assert again.id in await _home_ids(svc, alice)


async def test_languages_keep_other_languages_out_of_home(client, svc):
    """Following with languages[]=en keeps bob's German posts out of home; untagged posts and
    English ones come in."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    headers = bearer(await make_token(svc, alice))
    await client.post(
        f"/api/v1/accounts/{bob.id}/follow", headers=headers, json={"languages": ["en"]}
    )
    german = await create_post(svc, bob, PostDraft(text="Hallo", language="de"))
    english = await create_post(svc, bob, PostDraft(text="Hello", language="en"))
    untagged = await create_post(svc, bob, PostDraft(text="Hm"))
    home = await _home_ids(svc, alice)
    assert german.id not in home
    assert english.id in home and untagged.id in home


async def test_notify_sends_a_status_notification_for_new_posts(client, svc):
    """With notify=true alice gets a `status` notification for bob's posts and self-replies,
    not for his replies to others, direct posts or boosts."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    _, carol = await make_user(svc, "carol")
    headers = bearer(await make_token(svc, alice))
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=headers, json={"notify": True})
    post = await create_post(svc, bob, PostDraft(text="News!", visibility="public"))
    private = await create_post(svc, bob, PostDraft(text="Friends only", visibility="private"))
    thread = await create_post(svc, bob, PostDraft(text="More", in_reply_to_id=post.id))
    other = await create_post(svc, carol, PostDraft(text="Carol's", visibility="public"))
    await create_post(svc, bob, PostDraft(text="Reply to carol", in_reply_to_id=other.id))
    await create_post(svc, bob, PostDraft(text="Secret", visibility="direct"))
    await boost_post(svc, bob, other.id)
    assert await _notices(svc, alice) == [
        ("status", thread.id),
        ("status", private.id),
        ("status", post.id),
    ]
    response = await client.get("/api/v1/notifications?types[]=status", headers=headers)
    body = await response.get_json()
    assert [n["type"] for n in body] == ["status"] * 3
    assert body[-1]["status"]["id"] == str(post.id)


async def test_a_mentioned_subscriber_gets_one_notification(client, svc):
    """A subscriber mentioned in the post gets the mention, not a second `status` one."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, alice, bob)
    headers = bearer(await make_token(svc, alice))
    await client.post(f"/api/v1/accounts/{bob.id}/follow", headers=headers, json={"notify": True})
    post = await create_post(svc, bob, PostDraft(text="Hey @alice"))
    assert await _notices(svc, alice) == [("mention", post.id)]


async def _follow_remote(svc, client, run_jobs, peer, local: Account, remote: RemoteActor) -> Any:
    target = await svc.extras["resolver"].get_actor(remote.uri)
    await follow_account(svc, local, target)
    await run_jobs()
    sent = [f for f in peer.received("Follow") if f["object"] == remote.uri][-1]
    response = await deliver(client, remote, remote.activity("Accept", sent))
    assert response.status_code == 202
    await run_jobs()
    return target


async def test_remote_posts_notify_and_remote_boosts_can_be_hidden(
    svc: Services, client: Any, run_jobs: Any, peer: Peer
) -> None:
    """A remote account's post arriving by the inbox notifies a subscriber; its Announce stays
    out of a follower's home when boosts are hidden."""
    _, alice = await make_user(svc, "alice")
    _, carol = await make_user(svc, "carol")
    bob = peer.actor("bob")
    target = await _follow_remote(svc, client, run_jobs, peer, alice, bob)
    headers = bearer(await make_token(svc, alice))
    response = await client.post(
        f"/api/v1/accounts/{target.id}/follow",
        headers=headers,
        json={"notify": True, "reblogs": False},
    )
    rel = await response.get_json()
    assert (rel["following"], rel["notifying"], rel["showing_reblogs"]) == (True, True, False)

    note = bob.note("<p>Remote news</p>")
    response = await deliver(client, bob, bob.create(note))
    assert response.status_code == 202
    await run_jobs()
    notices = await _notices(svc, alice)
    assert [kind for kind, _ in notices] == ["status"]
    home = await (await client.get("/api/v1/timelines/home", headers=headers)).get_json()
    assert [s["uri"] for s in home] == [note["id"]]

    local = await create_post(svc, carol, PostDraft(text="Boost me", visibility="public"))
    response = await deliver(client, bob, bob.activity("Announce", local.uri))
    assert response.status_code == 202
    await run_jobs()
    home = await (await client.get("/api/v1/timelines/home", headers=headers)).get_json()
    assert [s["uri"] for s in home] == [note["id"]]


async def test_profile_toggles_change_the_follow_options(app, svc, csrf):
    """On a followed account's profile, "Notify me of new posts" and "Show boosts" are
    checkboxes that save the follow's options."""
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    await follow_account(svc, alice, bob)
    client = app.test_client()
    await browser_login(client, svc, alice)
    page = await (await client.get("/@bob")).get_data(as_text=True)
    assert 'action="/@bob/follow_options"' in page
    assert "Notify me of new posts" in page and "Show boosts" in page
    response = await client.post("/@bob/follow_options", form={"notify": "on", "csrf_token": csrf})
    assert response.status_code == 303
    page = await (await client.get("/@bob")).get_data(as_text=True)
    assert (
        "Saved for @bob: you will be notified of their new posts; their boosts are hidden." in page
    )
    assert 'id="notify" name="notify" value="on" checked' in page
    assert 'id="reblogs" name="reblogs" value="on" checked' not in page
    headers = bearer(await make_token(svc, alice))
    rels = await (
        await client.get(f"/api/v1/accounts/relationships?id[]={bob.id}", headers=headers)
    ).get_json()
    assert (rels[0]["notifying"], rels[0]["showing_reblogs"]) == (True, False)


async def test_profile_toggles_need_a_follow(app, svc, csrf):
    """Someone not following gets no toggles, and posting them answers 404 with a message."""
    _, alice = await make_user(svc, "alice")
    await make_user(svc, "bob")
    client = app.test_client()
    await browser_login(client, svc, alice)
    page = await (await client.get("/@bob")).get_data(as_text=True)
    assert "follow_options" not in page
    response = await client.post("/@bob/follow_options", form={"csrf_token": csrf})
    assert response.status_code == 404
    assert "You do not follow this account." in await response.get_data(as_text=True)
