"""Announcements through the client API: listed while published and current, per-user `read`,
dismiss, unicode emoji reactions, and the streaming events."""

from __future__ import annotations

import re

import pytest

from fedi.accounts.sessions import Viewer
from fedi.announcements import (
    AnnouncementDraft,
    add_reaction,
    create_announcement,
    delete_announcement,
    set_published,
)
from fedi.context import Services
from fedi.errors import Forbidden
from fedi.events import open_broker
from fedi.storage import users as user_store
from fedi.storage.rows import Account
from fedi.streams import open_stream, parse_channel
from fedi.web.api.streaming import render_items
from tests.api.tokens import bearer, make_token
from tests.factories import make_user

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
FIELDS = {
    "id",
    "content",
    "starts_at",
    "ends_at",
    "all_day",
    "published_at",
    "updated_at",
    "read",
    "mentions",
    "statuses",
    "tags",
    "emojis",
    "reactions",
}


async def _admin(svc: Services) -> Viewer:
    _, account = await make_user(svc, "boss", role="admin")
    async with svc.db.read() as conn:
        user = await user_store.get_user(conn, account.id)
    assert user is not None
    return Viewer(account=account, user=user)


async def _announce(svc: Services, boss: Viewer, text: str, **kwargs: object) -> int:
    publish = bool(kwargs.pop("publish", True))
    draft = AnnouncementDraft(text=text, **kwargs)  # type: ignore[arg-type]
    return await create_announcement(svc, boss, draft, publish=publish)


async def _reader(svc: Services, name: str = "alice") -> tuple[Account, dict[str, str]]:
    _, account = await make_user(svc, name)
    return account, bearer(await make_token(svc, account))


async def test_published_current_announcements_are_listed_with_every_field(client, svc):
    """A published announcement appears with rendered Markdown, tags, mentions and timestamps;
    drafts and ended ones do not."""
    boss = await _admin(svc)
    _, headers = await _reader(svc)
    shown = await _announce(
        svc,
        boss,
        "Maintenance **tonight**, ask @boss #maintenance",
        starts_at="2030-01-01T20:00",
        ends_at="2030-01-01T22:00",
    )
    await _announce(svc, boss, "A draft nobody sees", publish=False)
    await _announce(
        svc, boss, "Long over", starts_at="2020-01-01T00:00", ends_at="2020-01-02T00:00"
    )
    response = await client.get("/api/v1/announcements", headers=headers)
    assert response.status_code == 200
    body = await response.get_json()
    assert [a["id"] for a in body] == [str(shown)]
    item = body[0]
    assert set(item) == FIELDS
    assert "<strong>tonight</strong>" in item["content"]
    assert item["starts_at"] == "2030-01-01T20:00:00.000Z"
    assert item["ends_at"] == "2030-01-01T22:00:00.000Z"
    assert item["all_day"] is False
    assert TIME.match(item["published_at"]) and TIME.match(item["updated_at"])
    assert item["read"] is False
    assert item["mentions"] == [
        {"id": str(boss.id), "username": "boss", "url": item["mentions"][0]["url"], "acct": "boss"}
    ]
    assert [t["name"] for t in item["tags"]] == ["maintenance"]
    assert item["statuses"] == [] and item["emojis"] == [] and item["reactions"] == []


async def test_announcements_need_a_user_token(client, svc):
    """Without a token the list is refused with a JSON 401, as Mastodon does."""
    response = await client.get("/api/v1/announcements")
    assert response.status_code == 401
    assert "error" in await response.get_json()


async def test_dismiss_marks_read_for_that_user_only(client, svc):
    """Dismissing sets `read` for the dismisser; others still see it unread;
    `with_dismissed=false` leaves it out."""
    boss = await _admin(svc)
    _, alice = await _reader(svc, "alice")
    _, bob = await _reader(svc, "bob")
    announcement = await _announce(svc, boss, "Welcome!")
    response = await client.post(f"/api/v1/announcements/{announcement}/dismiss", headers=alice)
    assert response.status_code == 200
    assert await response.get_json() == {}
    mine = await (await client.get("/api/v1/announcements", headers=alice)).get_json()
    assert mine[0]["read"] is True
    theirs = await (await client.get("/api/v1/announcements", headers=bob)).get_json()
    assert theirs[0]["read"] is False
    unread = await client.get("/api/v1/announcements?with_dismissed=false", headers=alice)
    assert await unread.get_json() == []


async def test_dismissing_an_unknown_or_unpublished_announcement_is_404(client, svc):
    """Unknown ids and drafts answer 404 `Record not found`."""
    boss = await _admin(svc)
    _, headers = await _reader(svc)
    draft = await _announce(svc, boss, "Not yet", publish=False)
    for target in (draft, 12345):
        response = await client.post(f"/api/v1/announcements/{target}/dismiss", headers=headers)
        assert response.status_code == 404
        assert await response.get_json() == {"error": "Record not found"}


async def test_reactions_count_per_emoji_with_me(client, svc):
    """Two users react with 👍, one also with 🎉; counts and `me` follow; removing withdraws."""
    boss = await _admin(svc)
    _, alice = await _reader(svc, "alice")
    _, bob = await _reader(svc, "bob")
    announcement = await _announce(svc, boss, "Party!")
    base = f"/api/v1/announcements/{announcement}/reactions"
    for headers, name in ((alice, "👍"), (bob, "👍"), (alice, "🎉"), (alice, "👍")):
        response = await client.put(f"{base}/{name}", headers=headers)
        assert response.status_code == 200
        assert await response.get_json() == {}
    listed = await (await client.get("/api/v1/announcements", headers=bob)).get_json()
    assert listed[0]["reactions"] == [
        {"name": "👍", "count": 2, "me": True, "url": "", "static_url": ""},
        {"name": "🎉", "count": 1, "me": False, "url": "", "static_url": ""},
    ]
    response = await client.delete(f"{base}/👍", headers=bob)
    assert response.status_code == 200
    listed = await (await client.get("/api/v1/announcements", headers=bob)).get_json()
    assert listed[0]["reactions"][0] == {
        "name": "👍",
        "count": 1,
        "me": False,
        "url": "",
        "static_url": "",
    }


async def test_reactions_accept_emoji_sequences(client, svc):
    """Skin tones, ZWJ sequences, flags and keycaps are unicode emoji too."""
    boss = await _admin(svc)
    _, headers = await _reader(svc)
    announcement = await _announce(svc, boss, "Hello")
    for name in ("👍🏽", "👩‍💻", "🇫🇷", "1️⃣", "❤️"):
        response = await client.put(
            f"/api/v1/announcements/{announcement}/reactions/{name}", headers=headers
        )
        assert response.status_code == 200, name


async def test_a_reaction_that_is_not_a_unicode_emoji_is_422(client, svc):
    """Text, custom emoji shortcodes and two emoji at once are refused with 422."""
    boss = await _admin(svc)
    _, headers = await _reader(svc)
    announcement = await _announce(svc, boss, "Hello")
    for name in ("hello", "blobcat", "👍👍", "a👍"):
        response = await client.put(
            f"/api/v1/announcements/{announcement}/reactions/{name}", headers=headers
        )
        assert response.status_code == 422, name
        body = await response.get_json()
        assert body["error"] == "Validation failed: name: is not a recognized emoji"


async def test_at_most_eight_different_reactions(client, svc):
    """A ninth different emoji is refused; an existing one may still be added."""
    boss = await _admin(svc)
    _, headers = await _reader(svc)
    announcement = await _announce(svc, boss, "Hello")
    base = f"/api/v1/announcements/{announcement}/reactions"
    for name in ("😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆"):
        assert (await client.put(f"{base}/{name}", headers=headers)).status_code == 200
    refused = await client.put(f"{base}/😉", headers=headers)
    assert refused.status_code == 422
    assert (await refused.get_json())["error"] == (
        "Validation failed: name: Limit of different reactions reached"
    )
    _, other = await _reader(svc, "bob")
    assert (await client.put(f"{base}/😀", headers=other)).status_code == 200


async def test_reacting_needs_a_write_scope(client, svc):
    """A read-only token cannot react or dismiss (403)."""
    boss = await _admin(svc)
    _, alice = await make_user(svc, "alice")
    headers = bearer(await make_token(svc, alice, scopes="read"))
    announcement = await _announce(svc, boss, "Hello")
    response = await client.put(
        f"/api/v1/announcements/{announcement}/reactions/👍", headers=headers
    )
    assert response.status_code == 403
    assert (await response.get_json())["error"] == "This action is outside the authorized scopes"
    response = await client.post(f"/api/v1/announcements/{announcement}/dismiss", headers=headers)
    assert response.status_code == 403


async def test_user_stream_receives_announcement_events(svc):
    """Publishing, reacting and withdrawing reach a `user` stream as `announcement`,
    `announcement.reaction` and `announcement.delete` with Mastodon's payloads."""
    open_broker(svc)
    boss = await _admin(svc)
    _, alice = await make_user(svc, "alice")
    stream = open_stream(svc, alice.id, ["read"])
    await stream.subscribe(parse_channel("user"))
    announcement = await _announce(svc, boss, "Live news")
    items = await stream.next_items(5)
    assert items is not None and [i.event for i in items] == ["announcement"]
    rendered = await render_items(svc, alice.id, items)
    assert '"content":"<p>Live news</p>"' in (rendered[0][1] or "")
    assert f'"id":"{announcement}"' in (rendered[0][1] or "")

    await add_reaction(svc, alice.id, announcement, "👍")
    items = await stream.next_items(5)
    assert items is not None
    rendered = await render_items(svc, alice.id, items)
    assert rendered[0][0].event == "announcement.reaction"
    assert rendered[0][1] == f'{{"name":"👍","count":1,"announcement_id":"{announcement}"}}'

    await set_published(svc, boss, announcement, published=False)
    items = await stream.next_items(5)
    assert items is not None
    rendered = await render_items(svc, alice.id, items)
    assert (rendered[0][0].event, rendered[0][1]) == ("announcement.delete", str(announcement))

    await set_published(svc, boss, announcement, published=True)
    await delete_announcement(svc, boss, announcement)
    events = []
    for _ in range(2):
        found = await stream.next_items(5)
        assert found is not None
        events.extend(i.event for i in found)
    assert events == ["announcement", "announcement.delete"]
    stream.close()


async def test_moderators_cannot_manage_announcements(svc):
    """Only administrators write announcements (a moderator gets Forbidden)."""
    _, mod = await make_user(svc, "carol", role="moderator")
    async with svc.db.read() as conn:
        user = await user_store.get_user(conn, mod.id)
    assert user is not None
    with pytest.raises(Forbidden) as refused:
        await create_announcement(
            svc, Viewer(account=mod, user=user), AnnouncementDraft(text="Hi"), publish=True
        )
    assert refused.value.safe_message == "Only administrators can manage announcements."
