"""Boosts end to end: the Boost button, home timelines, notifications, Announce and its Undo.

Local users boost through the web buttons; a remote follower (a FakeRemote on 127.0.0.1) receives
our signed Announce / Undo(Announce); a remote Announce that arrives in our inbox is shown as the
boosted post with a "boosted" line.
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

import re
from typing import Any

import pytest

from fedi.activitypub.addressing import PUBLIC, Audience
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.errors import Forbidden
from fedi.outbox import activities
from fedi.outbox.boosts import boost_post, unboost_post
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post, delete_post
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage.rows import Account, Post
from fedi.timelines import home_timeline
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


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
async def bob(svc: Services) -> Account:
    _, account = await make_user(svc, "bob")
    return account


@pytest.fixture
async def carol(svc: Services, bob: Account) -> Account:
    """A local user who follows Bob."""
    _, account = await make_user(svc, "carol")
    await follow_account(svc, account, bob)
    return account


async def _post(svc: Services, author: Account, text: str, **draft: Any) -> Post:
    return await create_post(svc, author, PostDraft(text=text, **draft))


async def _page(client: Any, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200
    return str(await response.get_data(as_text=True))


async def _notifications(svc: Services, account: Account) -> list[tuple[str, int | None, int]]:
    async with svc.db.read() as conn:
        found = await notification_store.list_notifications(conn, account.id)
    return [(n.type, n.post_id, n.from_account_id) for n in found]


async def _remote_follower(
    svc: Services, client: Any, run_jobs: Any, actor: RemoteActor, target: Account
) -> None:
    """`actor` (remote) follows the local `target` through our inbox."""
    response = await deliver(client, actor, actor.activity("Follow", target.uri))
    assert response.status_code == 202
    await run_jobs()


# --- local boosts -------------------------------------------------------------------------------


async def test_boost_reaches_followers_author_and_remote_followers(
    svc, app, client, csrf, run_jobs, alice, bob, carol, peer
):
    """Bob boosts Alice's post: Carol sees it "boosted", Alice is notified, Dave gets Announce."""
    dave = peer.actor("dave")
    peer.fake.trust(bob.public_key_id, bob.public_key_pem)
    await _remote_follower(svc, client, run_jobs, dave, bob)
    post = await _post(svc, alice, "Worth a boost")
    await browser_login(client, svc, bob)
    page = await _page(client, f"/@alice/{post.id}")
    assert f'action="/@alice/{post.id}/boost"' in page and "Boost · 0" in page

    response = await client.post(f"/@alice/{post.id}/boost", form={"csrf_token": csrf})
    assert response.status_code == 303
    await run_jobs()

    carols = app.test_client()
    await browser_login(carols, svc, carol)
    home = await _page(carols, "/home")
    assert "post-boosted-by" in home and "bob</a> boosted" in home
    assert "Worth a boost" in home and "Boost · 1" in home
    assert await _notifications(svc, alice) == [("reblog", post.id, bob.id)]
    [announce] = peer.received("Announce")
    assert announce["actor"] == bob.uri and announce["object"] == post.uri
    assert announce["to"] == [PUBLIC] and bob.uri + "/followers" in announce["cc"]
    assert all(r.signature == "ok" for r in peer.fake.requests if r.method == "POST")
    assert "Boosted · 1" in await _page(client, f"/@alice/{post.id}")

    response = await client.post(f"/@alice/{post.id}/unboost", form={"csrf_token": csrf})
    assert response.status_code == 303
    await run_jobs()
    home = await _page(carols, "/home")
    assert "Worth a boost" not in home
    assert await _notifications(svc, alice) == []
    [undo] = peer.received("Undo")
    assert undo["object"]["type"] == "Announce" and undo["object"]["id"] == announce["id"]


async def test_boosting_twice_is_one_boost(svc, alice, bob):
    """A second boost returns the first; the count stays at one."""
    post = await _post(svc, alice, "once")
    first = await boost_post(svc, bob, post.id)
    again = await boost_post(svc, bob, post.id)
    assert again.id == first.id
    assert first.uri == f"{Uris(svc.base_url).status('bob', first.id)}/activity"
    async with svc.db.read() as conn:
        assert await post_store.count_reblogs(conn, [post.id]) == {post.id: 1}
    assert await unboost_post(svc, bob, post.id) is True
    assert await unboost_post(svc, bob, post.id) is False


async def test_own_public_posts_may_be_boosted_followers_only_may_not(svc, client, csrf, alice):
    """Alice may boost her public post; her followers-only post has no button and is refused."""
    await browser_login(client, svc, alice)
    public = await _post(svc, alice, "mine, public")
    private = await _post(svc, alice, "mine, followers only", visibility="private")
    assert "Boost · 0" in await _page(client, f"/@alice/{public.id}")
    page = await _page(client, f"/@alice/{private.id}")
    assert "/boost" not in page
    response = await client.post(f"/@alice/{private.id}/boost", form={"csrf_token": csrf})
    assert response.status_code == 403
    assert "Only public and unlisted posts can be boosted." in await response.get_data(as_text=True)
    with pytest.raises(Forbidden):
        await boost_post(svc, alice, private.id)
    reblog = await boost_post(svc, alice, public.id)
    assert reblog.reblog_of_id == public.id and reblog.visibility == "public"
    assert await _notifications(svc, alice) == []  # no notice of one's own boost


async def test_a_boost_of_a_deleted_post_disappears(svc, alice, bob, carol):
    """When the boosted post is deleted, the boost leaves Carol's timeline (no empty post)."""
    post = await _post(svc, alice, "soon gone")
    await boost_post(svc, bob, post.id)
    assert [v.post.id for v in (await home_timeline(svc, carol.id)).posts] == [post.id]
    await delete_post(svc, alice, post.id)
    assert (await home_timeline(svc, carol.id)).posts == []


async def test_the_boost_shows_the_original_with_its_actions(svc, alice, bob, carol):
    """A boost in a timeline is the original post: its id, author, links and counts."""
    post = await _post(svc, alice, "original")
    reblog = await boost_post(svc, bob, post.id)
    [view] = (await home_timeline(svc, carol.id)).posts
    assert view.post.id == post.id and view.author.id == alice.id
    assert view.reblog is not None and view.reblog.id == reblog.id and view.id == reblog.id
    assert view.boosted_by is not None and view.boosted_by.id == bob.id
    assert view.like_url == f"/@alice/{post.id}/like" and view.boost_count == 1
    assert view.can_boost and not view.boosted and not view.can_edit


async def test_a_post_shows_once_per_page(svc, alice, bob, carol):
    """Carol follows Alice and Bob; Bob's boost of Alice's post is shown once, as the boost."""
    await follow_account(svc, carol, alice)
    post = await _post(svc, alice, "seen twice?")
    reblog = await boost_post(svc, bob, post.id)
    views = (await home_timeline(svc, carol.id)).posts
    assert [(v.id, v.post.id) for v in views] == [(reblog.id, post.id)]


# --- remote boosts ------------------------------------------------------------------------------


async def test_a_remote_boost_renders_as_the_original_with_the_booster(
    svc, client, run_jobs, alice, peer
):
    """Dave's Announce of Erin's note shows Erin's post with "Dave Example boosted" on top."""
    dave = peer.actor("dave")
    target = await svc.extras["resolver"].get_actor(dave.uri)
    await follow_account(svc, alice, target)
    await run_jobs()
    await deliver(client, dave, dave.activity("Accept", peer.received("Follow")[0]))
    erin = peer.actor("erin")
    note = erin.note("<p>Erin says hi</p>")
    announce = dave.activity("Announce", note["id"], to=[PUBLIC], cc=[dave.followers])
    assert (await deliver(client, dave, announce)).status_code == 202
    await run_jobs()
    await browser_login(client, svc, alice)
    home = await _page(client, "/home")
    assert "Dave Example</a> boosted" in home and "Erin says hi" in home
    assert len(re.findall(r'<article class="post', home)) == 1
    assert f"@erin@{peer.fake.host}" in home


async def test_boosting_a_remote_post_tells_its_author(svc, client, csrf, run_jobs, alice, peer):
    """Alice boosts Erin's post from its page here: Erin's server gets the Announce, signed."""
    erin = peer.actor("erin")
    note = erin.note("<p>from afar</p>")
    assert (await deliver(client, erin, erin.create(note))).status_code == 202
    await run_jobs()
    async with svc.db.read() as conn:
        stored = await post_store.get_post_by_uri(conn, note["id"])
    assert stored is not None
    peer.fake.trust(alice.public_key_id, alice.public_key_pem)
    await browser_login(client, svc, alice)
    path = f"/@erin@{peer.fake.host}/{stored.id}"
    assert f'action="{path}/boost"' in await _page(client, path)
    assert (await client.post(f"{path}/boost", form={"csrf_token": csrf})).status_code == 303
    await run_jobs()
    [announce] = peer.received("Announce")
    assert announce["object"] == note["id"] and erin.uri in announce["cc"]
    [sent] = [r for r in peer.fake.requests if r.method == "POST" and r.path == "/inbox"]
    assert sent.signature == "ok"


# --- builders -----------------------------------------------------------------------------------


def test_announce_and_its_undo_have_mastodons_shape():
    """Announce names the post by id, addressed to Public; Undo embeds it whole."""
    audience = Audience(to=(PUBLIC,), cc=("https://a.example/users/x", "https://b.example/f"))
    announced = activities.announce(
        id="https://b.example/users/y#announces/1",
        actor="https://b.example/users/y",
        object="https://a.example/users/x/statuses/5",
        published="2026-11-22T10:00:00.000Z",
        audience=audience,
    )
    assert announced["type"] == "Announce" and announced["published"] == "2026-11-22T10:00:00Z"
    assert announced["object"] == "https://a.example/users/x/statuses/5"
    assert announced["to"] == [PUBLIC] and "@context" in announced
    undo = activities.undo_announce(announce=announced, ident=7)
    assert undo["type"] == "Undo" and undo["id"] == announced["id"] + "/undo/7"
    assert undo["object"]["id"] == announced["id"] and "@context" not in undo["object"]
    assert undo["to"] == [PUBLIC]
