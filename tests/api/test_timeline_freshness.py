"""A timeline read again shows what changed since the last read: counts, edits, attachments,
polls, cards and profiles (reads keep related rows between requests, checked by row stamps)."""

from __future__ import annotations

from typing import Any

from fedi.context import Services
from fedi.media.uploads import upload_media
from fedi.storage import cards as card_store
from tests.api.statuses_helpers import api_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user
from tests.media import files


async def _home(client: Any, token: str) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/v1/timelines/home", headers=bearer(token))
    body = await response.get_json()
    assert response.status_code == 200, body
    return {status["id"]: status for status in body}


async def _setup(client: Any, svc: Services) -> tuple[Any, str, str]:
    _, alice = await make_user(svc, "alice")
    _, bob = await make_user(svc, "bob")
    alice_token, bob_token = await make_token(svc, alice), await make_token(svc, bob)
    response = await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bearer(bob_token))
    assert response.status_code == 200
    return alice, alice_token, bob_token


async def test_counts_follow_likes_boosts_and_replies(client, svc):
    """Favourites, boosts and replies show in the next read of the timeline, and so do their
    removal."""
    _, alice_token, bob_token = await _setup(client, svc)
    status = await api_post(client, alice_token, "Count me")
    sid = status["id"]
    first = (await _home(client, bob_token))[sid]
    assert (first["favourites_count"], first["reblogs_count"], first["replies_count"]) == (0, 0, 0)

    await client.post(f"/api/v1/statuses/{sid}/favourite", headers=bearer(bob_token))
    await client.post(f"/api/v1/statuses/{sid}/reblog", headers=bearer(bob_token))
    reply = await api_post(client, bob_token, "@alice yes", in_reply_to_id=sid)
    seen = (await _home(client, bob_token))[sid]
    assert (seen["favourites_count"], seen["reblogs_count"], seen["replies_count"]) == (1, 1, 1)
    assert seen["favourited"] is True and seen["reblogged"] is True

    await client.post(f"/api/v1/statuses/{sid}/unfavourite", headers=bearer(bob_token))
    await client.post(f"/api/v1/statuses/{sid}/unreblog", headers=bearer(bob_token))
    await client.delete(f"/api/v1/statuses/{reply['id']}", headers=bearer(bob_token))
    again = (await _home(client, bob_token))[sid]
    assert (again["favourites_count"], again["reblogs_count"], again["replies_count"]) == (0, 0, 0)
    assert again["favourited"] is False and again["reblogged"] is False


async def test_edits_and_attachment_changes_show(client, svc):
    """An edit's new text and hashtags, and a changed image description, show in the next read."""
    alice, alice_token, bob_token = await _setup(client, svc)
    media = await upload_media(svc, alice, data=files.png(), filename="p.png", description="Red")
    status = await api_post(client, alice_token, "Before #one", media_ids=[str(media.id)])
    sid = status["id"]
    first = (await _home(client, bob_token))[sid]
    assert [t["name"] for t in first["tags"]] == ["one"]
    assert [m["description"] for m in first["media_attachments"]] == ["Red"]

    response = await client.put(
        f"/api/v1/statuses/{sid}",
        headers=bearer(alice_token),
        json={"status": "After #two", "media_ids": [str(media.id)]},
    )
    assert response.status_code == 200, await response.get_json()
    seen = (await _home(client, bob_token))[sid]
    assert "After" in seen["content"] and [t["name"] for t in seen["tags"]] == ["two"]

    response = await client.put(
        f"/api/v1/media/{media.id}", headers=bearer(alice_token), json={"description": "Green"}
    )
    assert response.status_code == 200, await response.get_json()
    again = (await _home(client, bob_token))[sid]
    assert [m["description"] for m in again["media_attachments"]] == ["Green"]


async def test_poll_tallies_show(client, svc):
    """A vote on a poll shows in its tallies at the next read, for the voter and the others."""
    _, alice_token, bob_token = await _setup(client, svc)
    status = await api_post(
        client, alice_token, "Tea?", poll={"options": ["yes", "no"], "expires_in": 3600}
    )
    sid = status["id"]
    assert (await _home(client, bob_token))[sid]["poll"]["votes_count"] == 0
    response = await client.post(
        f"/api/v1/polls/{sid}/votes", headers=bearer(bob_token), json={"choices": ["1"]}
    )
    assert response.status_code == 200, await response.get_json()
    poll = (await _home(client, bob_token))[sid]["poll"]
    assert poll["votes_count"] == 1 and poll["voted"] is True and poll["own_votes"] == [1]
    assert [o["votes_count"] for o in poll["options"]] == [0, 1]
    mine = (await _home(client, alice_token))[sid]["poll"]
    assert mine["own_votes"] == [] and [o["votes_count"] for o in mine["options"]] == [0, 1]


def _card(title: str) -> dict[str, object]:
    """What a fetch of https://example.com/a gives (fedi.cards stores these fields)."""
    return {
        "card_url": "https://example.com/a",
        "title": title,
        "description": "",
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": "",
        "provider_url": "",
        "html": "",
        "width": 0,
        "height": 0,
        "embed_url": "",
        "image_url": "",
        "image_media_id": None,
        "image_description": "",
        "language": None,
        "published_at": None,
    }


async def test_a_preview_card_shows_once_fetched(client, svc):
    """A link's preview card shows in the timeline once it has been fetched, and its later
    changes too."""
    _, alice_token, bob_token = await _setup(client, svc)
    status = await api_post(client, alice_token, "Read https://example.com/a")
    sid = status["id"]
    assert (await _home(client, bob_token))[sid]["card"] is None
    async with svc.db.write() as tx:
        card_id = await card_store.save_fetched_card(
            tx,
            "https://example.com/a",
            host="example.com",
            values=_card("A page"),
        )
        await card_store.link_post_card(tx, int(sid), card_id)
    assert (await _home(client, bob_token))[sid]["card"]["title"] == "A page"
    async with svc.db.write() as tx:
        await card_store.save_fetched_card(
            tx,
            "https://example.com/a",
            host="example.com",
            values=_card("A renamed page"),
        )
    assert (await _home(client, bob_token))[sid]["card"]["title"] == "A renamed page"


async def test_profile_changes_and_follower_counts_show(client, svc):
    """A new display name, a new follower and a new post show on the author's statuses at the
    next read."""
    _, alice_token, bob_token = await _setup(client, svc)
    status = await api_post(client, alice_token, "Hello")
    sid = status["id"]
    first = (await _home(client, bob_token))[sid]["account"]
    assert first["followers_count"] == 1 and first["statuses_count"] == 1

    response = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers=bearer(alice_token),
        form={"display_name": "Alice A."},
    )
    assert response.status_code == 200, await response.get_json()
    _, carol = await make_user(svc, "carol")
    carol_token = await make_token(svc, carol)
    await client.post(f"/api/v1/accounts/{first['id']}/follow", headers=bearer(carol_token))
    await api_post(client, alice_token, "Again")
    seen = (await _home(client, bob_token))[sid]["account"]
    assert seen["display_name"] == "Alice A." and seen["followers_count"] == 2
    assert seen["statuses_count"] == 2


async def test_the_viewers_own_marks_show(client, svc):
    """Bookmarking, muting a conversation and pinning show in the viewer's next read, and so
    does undoing them."""
    _, alice_token, bob_token = await _setup(client, svc)
    status = await api_post(client, alice_token, "Mark me")
    sid = status["id"]
    first = (await _home(client, bob_token))[sid]
    assert (first["bookmarked"], first["muted"]) == (False, False)
    assert (await _home(client, alice_token))[sid]["pinned"] is False

    await client.post(f"/api/v1/statuses/{sid}/bookmark", headers=bearer(bob_token))
    await client.post(f"/api/v1/statuses/{sid}/mute", headers=bearer(bob_token))
    await client.post(f"/api/v1/statuses/{sid}/pin", headers=bearer(alice_token))
    seen = (await _home(client, bob_token))[sid]
    assert (seen["bookmarked"], seen["muted"]) == (True, True)
    assert (await _home(client, alice_token))[sid]["pinned"] is True

    await client.post(f"/api/v1/statuses/{sid}/unbookmark", headers=bearer(bob_token))
    await client.post(f"/api/v1/statuses/{sid}/unmute", headers=bearer(bob_token))
    await client.post(f"/api/v1/statuses/{sid}/unpin", headers=bearer(alice_token))
    again = (await _home(client, bob_token))[sid]
    assert (again["bookmarked"], again["muted"]) == (False, False)
    assert (await _home(client, alice_token))[sid]["pinned"] is False


async def test_followers_only_posts_follow_the_follow(client, svc):
    """A followers-only post shows in a list read by someone who follows its author, and stops
    showing once they unfollow."""
    alice, alice_token, bob_token = await _setup(client, svc)
    status = await api_post(client, alice_token, "Friends only", visibility="private")
    sid = status["id"]
    path = f"/api/v1/accounts/{alice.id}/statuses"
    response = await client.get(path, headers=bearer(bob_token))
    assert sid in [s["id"] for s in await response.get_json()]
    await client.post(f"/api/v1/accounts/{alice.id}/unfollow", headers=bearer(bob_token))
    response = await client.get(path, headers=bearer(bob_token))
    assert sid not in [s["id"] for s in await response.get_json()]


async def test_an_edit_shows_in_boosts_of_the_post(client, svc):
    """A boosted post's edit shows inside the boost at the next read."""
    _, alice_token, bob_token = await _setup(client, svc)
    status = await api_post(client, alice_token, "First words")
    response = await client.post(
        f"/api/v1/statuses/{status['id']}/reblog", headers=bearer(bob_token)
    )
    boost_id = (await response.get_json())["id"]
    assert "First" in (await _home(client, bob_token))[boost_id]["reblog"]["content"]
    response = await client.put(
        f"/api/v1/statuses/{status['id']}",
        headers=bearer(alice_token),
        json={"status": "Second words"},
    )
    assert response.status_code == 200
    boost = (await _home(client, bob_token))[boost_id]
    assert "Second" in boost["reblog"]["content"] and boost["reblog"]["edited_at"]
