"""Mutes: a muted account's posts leave the muter's timelines (not its profile), its
notifications too when asked, and a mute with a duration runs out."""

from __future__ import annotations

import pytest

from fedi.accounts.sessions import Viewer
from fedi.errors import Invalid
from fedi.moderation.mutes import list_muted, mute_account, unmute_account
from fedi.moderation.relations import relation_facts
from fedi.notifications import list_notifications, unread_count
from fedi.outbox.boosts import boost_post
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account
from fedi.timelines import account_posts, home_timeline, local_timeline, tag_timeline, thread
from tests.factories import make_user


@pytest.fixture
async def alice(svc):
    return await make_user(svc, "alice")


@pytest.fixture
async def bob(svc) -> Account:
    return (await make_user(svc, "bob"))[1]


async def _post(svc, author: Account, text: str, **draft: object):
    return await create_post(svc, author, PostDraft(text=text, **draft))  # type: ignore[arg-type]


async def _ids(page) -> list[int]:
    return [v.post.id for v in page.posts]


async def _expire_mutes(svc, account: Account) -> None:
    """Time passes: every mute of `account` ran out a minute ago."""
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE mutes SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 minute')"
            " WHERE account_id = ?",
            (account.id,),
        )


async def test_muted_posts_leave_timelines_but_stay_on_the_profile(svc, alice, bob):
    """Bob's posts and boosts leave Alice's home, local and tag timelines; his profile and his
    threads still show them; the follow stays."""
    _, alice_acc = alice
    _, carol = await make_user(svc, "carol")
    await follow_account(svc, alice_acc, bob)
    his = await _post(svc, bob, "bob on #topic", visibility="public")
    theirs = await _post(svc, carol, "carol on #topic", visibility="public")
    await boost_post(svc, bob, theirs.id)

    await mute_account(svc, alice_acc, bob)

    assert await _ids(await home_timeline(svc, alice_acc.id)) == []
    assert await _ids(await local_timeline(svc, alice_acc.id)) == [theirs.id]
    assert await _ids(await tag_timeline(svc, alice_acc.id, "topic")) == [theirs.id]
    assert [v.post.id for v in await account_posts(svc, alice_acc.id, bob)] == [theirs.id, his.id]
    assert (await thread(svc, alice_acc.id, "bob", his.id)).focus.id == his.id
    facts = await _facts(svc, alice_acc, bob)
    assert facts.muting and facts.muting_notifications and facts.muting_expires_at is None

    await unmute_account(svc, alice_acc, bob)
    assert set(await _ids(await home_timeline(svc, alice_acc.id))) == {his.id, theirs.id}


async def _facts(svc, viewer: Account, target: Account):
    async with svc.db.read() as conn:
        return (await relation_facts(conn, viewer.id, [target.id]))[target.id]


async def test_a_mute_hides_notifications_only_when_asked(svc, alice, bob):
    """Muted with notifications, Bob's mention is hidden and not counted; muted without, it shows."""
    alice_user, alice_acc = alice
    viewer = Viewer(account=alice_acc, user=alice_user)
    await mute_account(svc, alice_acc, bob)
    await _post(svc, bob, "hey @alice")
    assert await list_notifications(svc, viewer) == []
    assert await unread_count(svc, alice_acc.id) == 0

    await mute_account(svc, alice_acc, bob, notifications=False)

    assert [n.type for n in await list_notifications(svc, viewer)] == ["mention"]
    assert await unread_count(svc, alice_acc.id) == 1
    assert await _ids(await home_timeline(svc, alice_acc.id)) == []  # still muted in timelines


async def test_an_expired_mute_is_ignored_and_cleaned_later(svc, alice, bob):
    """A mute for an hour hides Bob until it runs out; then his posts show again, the mute list
    no longer names him, and the next mute deletes the old row."""
    _, alice_acc = alice
    _, carol = await make_user(svc, "carol")
    his = await _post(svc, bob, "soon back", visibility="public")
    await mute_account(svc, alice_acc, bob, duration_seconds=3600)
    [(_, account, mute)] = await list_muted(svc, alice_acc.id)
    assert account.id == bob.id and mute.expires_at is not None and mute.hide_notifications
    assert await _ids(await local_timeline(svc, alice_acc.id)) == []

    await _expire_mutes(svc, alice_acc)

    assert await _ids(await local_timeline(svc, alice_acc.id)) == [his.id]
    assert await list_muted(svc, alice_acc.id) == []
    assert not (await _facts(svc, alice_acc, bob)).muting
    await mute_account(svc, alice_acc, carol)
    async with svc.db.read() as conn:
        rows = await conn.fetchall(
            "SELECT target_account_id FROM mutes WHERE account_id = ?", (alice_acc.id,)
        )
    assert [r[0] for r in rows] == [carol.id]


async def test_muting_oneself_or_for_a_bad_duration_is_refused(svc, alice, bob):
    """Muting oneself and a negative duration are refused with a message naming the field."""
    _, alice_acc = alice
    with pytest.raises(Invalid) as own:
        await mute_account(svc, alice_acc, alice_acc)
    assert own.value.field_errors == {"account": "You can't mute yourself."}
    with pytest.raises(Invalid) as bad:
        await mute_account(svc, alice_acc, bob, duration_seconds=-5)
    assert "duration" in bad.value.field_errors
    assert await list_muted(svc, alice_acc.id) == []


async def test_muting_twice_updates_the_options(svc, alice, bob):
    """A second mute changes the options of the first; the list still has one entry."""
    _, alice_acc = alice
    await mute_account(svc, alice_acc, bob, duration_seconds=60)
    await mute_account(svc, alice_acc, bob, notifications=False, duration_seconds=0)
    [(_, account, mute)] = await list_muted(svc, alice_acc.id)
    assert account.id == bob.id and mute.expires_at is None and not mute.hide_notifications
