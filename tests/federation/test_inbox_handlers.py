"""What incoming activities do: follows, posts, edits, deletions, likes, boosts, moves, reports.

Another server (a FakeRemote on 127.0.0.1) signs activities and POSTs them to our inbox; the job
worker is drained with `run_jobs`; we check what our users see (pages, timelines, notifications)
and what the other server received from us (Accept, Follow).
"""

# ruff: noqa: F811 - the fixtures imported from inbox_peer are parameters of the tests

from __future__ import annotations

from datetime import timedelta

import pytest

from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import approve_follow, follow_account
from fedi.outbox.posts import create_post
from fedi.remote import Resolver
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import likes as like_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage import remote_posts as remote_store
from fedi.storage import reports as report_store
from fedi.storage.rows import Account, Post
from fedi.timelines import home_timeline
from tests.factories import browser_login, make_user
from tests.federation.inbox_peer import (  # noqa: F401 - fixtures used by name
    PUBLIC,
    Peer,
    RemoteActor,
    config,
    deliver,
    fast_instance_keys,
    http,
    now_iso,
    other_peer,
    peer,
)


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
def bob(peer: Peer) -> RemoteActor:
    return peer.actor("bob")


async def _account(svc: Services, uri: str) -> Account:
    async with svc.db.read() as conn:
        found = await account_store.get_account_by_uri(conn, uri)
    assert found is not None
    return found


async def _post(svc: Services, uri: str) -> Post | None:
    async with svc.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def _notifications(svc: Services, account: Account) -> list[tuple[str, int | None]]:
    async with svc.db.read() as conn:
        found = await notification_store.list_notifications(conn, account.id)
    return [(n.type, n.post_id) for n in found]


async def _send(client, run_jobs, actor: RemoteActor, activity: dict) -> None:
    response = await deliver(client, actor, activity)
    assert response.status_code == 202, await response.get_data()
    await run_jobs()


async def _follows(svc, client, run_jobs, peer, local: Account, remote: RemoteActor) -> None:
    """`local` follows `remote`: our Follow is delivered, their Accept comes back."""
    target = await svc.extras["resolver"].get_actor(remote.uri)
    await follow_account(svc, local, target)
    await run_jobs()
    sent = [f for f in peer.received("Follow") if f["object"] == remote.uri][-1]
    await _send(client, run_jobs, remote, remote.activity("Accept", sent))


async def _local_post(svc: Services, author: Account, text: str, **draft: object) -> Post:
    return await create_post(svc, author, PostDraft(text=text, **draft))  # type: ignore[arg-type]


# --- follows ------------------------------------------------------------------------------------


async def test_a_remote_follow_of_an_open_account_is_accepted(
    svc, client, run_jobs, alice, bob, peer
):
    """Bob follows Alice: he is her follower, she is notified, and his server gets our Accept."""
    follow = bob.activity("Follow", alice.uri)
    await _send(client, run_jobs, bob, follow)
    bob_account = await _account(svc, bob.uri)
    async with svc.db.read() as conn:
        row = await follow_store.get_follow(conn, bob_account.id, alice.id)
    assert row is not None and row.state == "accepted" and row.uri == follow["id"]
    assert await _notifications(svc, alice) == [("follow", None)]
    [accept] = peer.received("Accept")
    assert accept["actor"] == alice.uri
    assert accept["object"]["id"] == follow["id"]
    assert accept["object"]["actor"] == bob.uri


async def test_a_remote_follow_of_a_locked_account_waits_for_approval(
    svc, client, run_jobs, alice, bob, peer
):
    """A locked account gets a follow request; the Accept leaves only when she approves."""
    async with svc.db.write() as tx:
        await account_store.update_account(tx, alice.id, locked=1)
    follow = bob.activity("Follow", alice.uri)
    await _send(client, run_jobs, bob, follow)
    bob_account = await _account(svc, bob.uri)
    async with svc.db.read() as conn:
        row = await follow_store.get_follow(conn, bob_account.id, alice.id)
    assert row is not None and row.state == "pending"
    assert await _notifications(svc, alice) == [("follow_request", None)]
    assert peer.received("Accept") == []
    await approve_follow(svc, alice, row.id)
    await run_jobs()
    [accept] = peer.received("Accept")
    assert accept["object"]["id"] == follow["id"]


async def test_undo_follow_removes_the_follower(svc, client, run_jobs, alice, bob):
    """Undo(Follow) ends the follow and withdraws the notification."""
    follow = bob.activity("Follow", alice.uri)
    await _send(client, run_jobs, bob, follow)
    await _send(client, run_jobs, bob, bob.activity("Undo", follow))
    bob_account = await _account(svc, bob.uri)
    async with svc.db.read() as conn:
        assert await follow_store.get_follow(conn, bob_account.id, alice.id) is None
    assert await _notifications(svc, alice) == []


async def test_accept_and_reject_answer_our_follows(svc, client, run_jobs, alice, bob, peer):
    """Our pending follow becomes a follow on Accept; a later Reject removes it."""
    await _follows(svc, client, run_jobs, peer, alice, bob)
    bob_account = await _account(svc, bob.uri)
    async with svc.db.read() as conn:
        row = await follow_store.get_follow(conn, alice.id, bob_account.id)
    assert row is not None and row.state == "accepted"
    sent = peer.received("Follow")[-1]
    await _send(client, run_jobs, bob, bob.activity("Reject", sent))
    async with svc.db.read() as conn:
        assert await follow_store.get_follow(conn, alice.id, bob_account.id) is None


async def test_only_the_followed_actor_may_accept(svc, client, run_jobs, alice, bob, peer):
    """Mallory cannot accept Alice's follow of Bob."""
    target = await svc.extras["resolver"].get_actor(bob.uri)
    await follow_account(svc, alice, target)
    await run_jobs()
    mallory = peer.actor("mallory")
    await _send(client, run_jobs, mallory, mallory.activity("Accept", peer.received("Follow")[-1]))
    async with svc.db.read() as conn:
        row = await follow_store.get_follow(conn, alice.id, target.id)
    assert row is not None and row.state == "pending"


# --- posts --------------------------------------------------------------------------------------


async def test_a_followed_accounts_post_reaches_the_home_timeline(
    svc, client, run_jobs, alice, bob, peer
):
    """Bob's public post appears on Alice's home page once she follows him."""
    await _follows(svc, client, run_jobs, peer, alice, bob)
    note = bob.note("<p>Hello from the other side</p>")
    await _send(client, run_jobs, bob, bob.create(note))
    await browser_login(client, svc, alice)
    page = await (await client.get("/home")).get_data(as_text=True)
    assert "Hello from the other side" in page
    timeline = await home_timeline(svc, alice.id)
    assert [v.post.uri for v in timeline.posts] == [note["id"]]


async def test_a_post_of_someone_not_followed_stays_out_of_the_home_timeline(
    svc, client, run_jobs, alice, bob
):
    """Without a follow (or a mention) a remote post is stored but no home feed gets it."""
    note = bob.note("<p>Unsolicited</p>")
    await _send(client, run_jobs, bob, bob.create(note))
    assert await _post(svc, note["id"]) is not None
    assert (await home_timeline(svc, alice.id)).posts == []


async def test_followers_only_posts_reach_followers_and_direct_posts_only_the_mentioned(
    svc, client, run_jobs, alice, bob, peer
):
    """A followers-only post goes to followers; a direct post only to mentioned accounts."""
    _, carol = await make_user(svc, "carol")
    await _follows(svc, client, run_jobs, peer, alice, bob)
    private = bob.note("<p>followers only</p>", to=[bob.followers], cc=[])
    await _send(client, run_jobs, bob, bob.create(private))
    mention = {"type": "Mention", "href": carol.uri, "name": "@carol@localhost"}
    direct = bob.note("<p>just carol</p>", to=[carol.uri], cc=[], tags=[mention])
    await _send(client, run_jobs, bob, bob.create(direct))
    alice_sees = [v.post.uri for v in (await home_timeline(svc, alice.id)).posts]
    carol_sees = [v.post.uri for v in (await home_timeline(svc, carol.id)).posts]
    assert alice_sees == [private["id"]]
    assert carol_sees == [direct["id"]]
    assert (await _post(svc, direct["id"])).visibility == "direct"


async def test_a_mention_notifies_the_mentioned_user(svc, client, run_jobs, alice, bob):
    """A Mention-tagged, addressed local account is notified and gets the post at home."""
    mention = {"type": "Mention", "href": alice.uri, "name": "@alice@localhost"}
    note = bob.note("<p>@alice hi</p>", cc=[bob.followers, alice.uri], tags=[mention])
    await _send(client, run_jobs, bob, bob.create(note))
    post = await _post(svc, note["id"])
    assert post is not None
    assert await _notifications(svc, alice) == [("mention", post.id)]
    assert [v.id for v in (await home_timeline(svc, alice.id)).posts] == [post.id]


async def test_a_reply_to_a_local_post_notifies_and_shows_in_the_thread(
    svc, client, run_jobs, alice, bob
):
    """Bob's reply to Alice's post notifies her and appears on her post's page."""
    mine = await _local_post(svc, alice, "What do you think?")
    reply = bob.note("<p>I think it is great</p>", in_reply_to=mine.uri)
    await _send(client, run_jobs, bob, bob.create(reply))
    stored = await _post(svc, reply["id"])
    assert stored is not None and stored.in_reply_to_id == mine.id
    assert stored.thread_root_id == mine.id
    assert await _notifications(svc, alice) == [("reply", stored.id)]
    page = await (await client.get(f"/@alice/{mine.id}")).get_data(as_text=True)
    assert "I think it is great" in page


async def test_a_reply_to_an_unknown_remote_post_fetches_its_parent(
    svc, client, run_jobs, alice, bob, peer
):
    """Missing context is fetched first: the parent is stored, and the reply points at it."""
    carol = peer.actor("carol")
    parent = carol.note("<p>the original</p>")
    reply = bob.note("<p>the answer</p>", in_reply_to=parent["id"])
    await _send(client, run_jobs, bob, bob.create(reply))
    stored_parent = await _post(svc, parent["id"])
    stored_reply = await _post(svc, reply["id"])
    assert stored_parent is not None and "the original" in stored_parent.content_html
    assert stored_reply is not None and stored_reply.in_reply_to_id == stored_parent.id


async def test_script_in_remote_content_is_sanitised(svc, client, run_jobs, alice, bob):
    """Remote HTML is cleaned once, when stored: no script, no handlers, text kept."""
    note = bob.note(
        '<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:x()">there</a></p>',
        summary="<b>cw</b>",
    )
    await _send(client, run_jobs, bob, bob.create(note))
    post = await _post(svc, note["id"])
    assert post is not None
    assert "script" not in post.content_html and "alert" not in post.content_html
    assert "onclick" not in post.content_html and "javascript" not in post.content_html
    assert "Hi" in post.content_html and "there" in post.content_html
    assert post.content_warning == "cw"


async def test_an_object_claiming_another_origin_is_not_trusted(
    svc, client, run_jobs, alice, bob, other_peer
):
    """An embedded Note with an id on another server is refetched there; forged text never lands."""
    victim = other_peer.actor("victim")
    genuine = victim.note("<p>what victim really said</p>")
    forged = dict(genuine, content="<p>forged words</p>")
    await _send(client, run_jobs, bob, bob.create(forged))
    stored = await _post(svc, genuine["id"])
    assert stored is not None
    assert "what victim really said" in stored.content_html
    assert (await _account(svc, victim.uri)).id == stored.account_id
    unknown = victim.note("<p>never published</p>", serve=False)
    await _send(client, run_jobs, bob, bob.create(unknown))
    assert await _post(svc, unknown["id"]) is None


async def test_a_note_attributed_to_someone_else_on_the_same_server_is_dropped(
    svc, client, run_jobs, bob, peer
):
    """Bob cannot Create a note that says Carol wrote it."""
    carol = peer.actor("carol")
    note = bob.note("<p>words put in carol's mouth</p>", attributedTo=carol.uri)
    await _send(client, run_jobs, bob, bob.create(note))
    assert await _post(svc, note["id"]) is None


async def test_an_edit_keeps_the_history(svc, client, run_jobs, alice, bob):
    """Update(Note) with `updated` changes the post and keeps the earlier version."""
    note = bob.note("<p>first version</p>", published="2026-01-01T10:00:00Z")
    await _send(client, run_jobs, bob, bob.create(note))
    edited = dict(note, content="<p>second version</p>", updated=now_iso())
    await _send(client, run_jobs, bob, bob.activity("Update", edited))
    post = await _post(svc, note["id"])
    assert post is not None and "second version" in post.content_html
    assert post.edited_at is not None
    async with svc.db.read() as conn:
        edits = await post_store.list_edits(conn, post.id)
    assert ["first version" in e.content_html for e in edits] == [True]


async def test_an_update_without_updated_or_by_another_actor_changes_nothing(
    svc, client, run_jobs, bob, peer
):
    """No `updated` is no edit (as in Mastodon); nobody but the author may edit."""
    note = bob.note("<p>original</p>")
    await _send(client, run_jobs, bob, bob.create(note))
    await _send(client, run_jobs, bob, bob.activity("Update", dict(note, content="<p>x</p>")))
    mallory = peer.actor("mallory")
    hijack = dict(note, content="<p>hijacked</p>", updated=note["published"])
    await _send(client, run_jobs, mallory, mallory.activity("Update", hijack))
    post = await _post(svc, note["id"])
    assert post is not None and "original" in post.content_html and post.edited_at is None


async def test_a_deleted_post_is_gone(svc, client, run_jobs, alice, bob, peer):
    """Delete(Tombstone) soft-deletes the post: its page answers 410, timelines drop it."""
    await _follows(svc, client, run_jobs, peer, alice, bob)
    note = bob.note("<p>soon gone</p>")
    await _send(client, run_jobs, bob, bob.create(note))
    post = await _post(svc, note["id"])
    assert post is not None
    page = f"/@bob@{peer.fake.host}/{post.id}"
    assert (await client.get(page)).status_code == 200
    tombstone = {"id": note["id"], "type": "Tombstone"}
    await _send(client, run_jobs, bob, bob.activity("Delete", tombstone, to=[PUBLIC]))
    assert (await _post(svc, note["id"])).deleted_at is not None
    assert (await client.get(page)).status_code == 410
    assert (await home_timeline(svc, alice.id)).posts == []


async def test_only_the_author_may_delete_and_an_early_delete_wins(
    svc, client, run_jobs, bob, peer
):
    """Mallory's Delete of Bob's post is ignored; a Delete that beats its Create drops the Create."""
    note = bob.note("<p>mine</p>")
    await _send(client, run_jobs, bob, bob.create(note))
    mallory = peer.actor("mallory")
    await _send(client, run_jobs, mallory, mallory.activity("Like", note["id"]))  # now known
    await _send(client, run_jobs, mallory, mallory.activity("Delete", note["id"]))
    assert (await _post(svc, note["id"])).deleted_at is None
    late = bob.note("<p>deleted before it arrived</p>")
    await _send(client, run_jobs, bob, bob.activity("Delete", late["id"]))
    await _send(client, run_jobs, bob, bob.create(late))
    assert await _post(svc, late["id"]) is None


# --- likes and boosts ---------------------------------------------------------------------------


async def test_a_like_notifies_and_its_undo_withdraws(svc, client, run_jobs, alice, bob):
    """Like of Alice's post: a favourite notification; Undo(Like) removes like and notification."""
    mine = await _local_post(svc, alice, "like me")
    like = bob.activity("Like", mine.uri)
    await _send(client, run_jobs, bob, like)
    assert await _notifications(svc, alice) == [("favourite", mine.id)]
    async with svc.db.read() as conn:
        assert await like_store.count_likes(conn, [mine.id]) == {mine.id: 1}
    await _send(client, run_jobs, bob, bob.activity("Undo", like))
    assert await _notifications(svc, alice) == []
    async with svc.db.read() as conn:
        assert await like_store.count_likes(conn, [mine.id]) == {}


async def test_a_like_of_a_post_the_liker_cannot_see_is_ignored(svc, client, run_jobs, alice, bob):
    """A followers-only post cannot be liked by someone who does not follow its author."""
    mine = await _local_post(svc, alice, "friends only", visibility="private")
    await _send(client, run_jobs, bob, bob.activity("Like", mine.uri))
    assert await _notifications(svc, alice) == []


async def test_a_boost_of_a_local_post_notifies_and_its_undo_withdraws(
    svc, client, run_jobs, alice, bob
):
    """Announce of Alice's post stores a boost and notifies her; Undo(Announce) removes both."""
    mine = await _local_post(svc, alice, "boost me")
    announce = bob.activity("Announce", mine.uri, to=[PUBLIC], cc=[bob.followers])
    await _send(client, run_jobs, bob, announce)
    boost = await _post(svc, announce["id"])
    assert boost is not None and boost.reblog_of_id == mine.id
    assert await _notifications(svc, alice) == [("reblog", mine.id)]
    await _send(client, run_jobs, bob, bob.activity("Undo", announce))
    assert await _post(svc, announce["id"]) is None
    assert await _notifications(svc, alice) == []


async def test_a_boost_of_an_unknown_post_fetches_it_first(svc, client, run_jobs, alice, bob, peer):
    """The boosted post is fetched from its origin and stored before the boost row."""
    await _follows(svc, client, run_jobs, peer, alice, bob)
    carol = peer.actor("carol")
    original = carol.note("<p>worth sharing</p>")
    await _send(client, run_jobs, bob, bob.activity("Announce", original["id"], to=[PUBLIC]))
    stored = await _post(svc, original["id"])
    assert stored is not None and "worth sharing" in stored.content_html
    views = (await home_timeline(svc, alice.id)).posts
    # The home timeline shows the original post, with the boost row that brought it.
    assert [(v.post.id, v.reblog.reblog_of_id) for v in views if v.reblog] == [
        (stored.id, stored.id)
    ]


# --- actors -------------------------------------------------------------------------------------


async def test_update_person_refreshes_the_profile(svc, client, run_jobs, alice, bob):
    """Update(Person) with the signed actor document changes the stored display name."""
    await _send(client, run_jobs, bob, bob.activity("Follow", alice.uri))
    bob.publish(name="Bobby Tables")
    document = bob.peer.fake.actors["bob"]
    await _send(client, run_jobs, bob, bob.activity("Update", document, to=[PUBLIC]))
    assert (await _account(svc, bob.uri)).display_name == "Bobby Tables"


async def test_an_actor_cannot_update_someone_else(svc, client, run_jobs, alice, bob, peer):
    """Mallory's Update carrying Bob's document changes nothing."""
    await _send(client, run_jobs, bob, bob.activity("Follow", alice.uri))
    mallory = peer.actor("mallory")
    forged = dict(bob.peer.fake.actors["bob"], name="Pwned")
    await _send(client, run_jobs, mallory, mallory.activity("Update", forged))
    assert (await _account(svc, bob.uri)).display_name != "Pwned"


async def test_delete_actor_removes_follows_and_posts(svc, client, run_jobs, alice, bob, peer):
    """Delete(actor): account marked deleted, follows both ways gone, posts gone."""
    await _follows(svc, client, run_jobs, peer, alice, bob)
    await _send(client, run_jobs, bob, bob.activity("Follow", alice.uri))
    note = bob.note("<p>last words</p>")
    await _send(client, run_jobs, bob, bob.create(note))
    await _send(client, run_jobs, bob, bob.activity("Delete", bob.uri, to=[PUBLIC]))
    gone = await _account(svc, bob.uri)
    assert gone.deleted_at is not None
    async with svc.db.read() as conn:
        assert await follow_store.relationship_rows(conn, alice.id, gone.id) == []
    assert (await _post(svc, note["id"])).deleted_at is not None
    assert (await home_timeline(svc, alice.id)).posts == []


async def test_a_gone_actors_delete_still_applies(svc, client, run_jobs, alice, bob, peer, http):
    """Interop (SWICG): when the actor's documents already answer 410, its Delete verifies with the
    key we hold and is applied."""
    await _send(client, run_jobs, bob, bob.activity("Follow", alice.uri))
    svc.extras["resolver"] = Resolver(
        svc, http=http, refresh_interval=timedelta(0), actor_ttl=timedelta(0)
    )
    peer.fake.add_response("/users/bob", b"", status=410)
    await _send(client, run_jobs, bob, bob.activity("Delete", bob.uri, to=[PUBLIC]))
    assert (await _account(svc, bob.uri)).deleted_at is not None
    assert await _notifications(svc, alice) == []


async def test_move_with_alias_moves_local_followers(svc, client, run_jobs, alice, bob, peer):
    """Move to an account listing the old one in alsoKnownAs: Alice now follows the new one."""
    await _follows(svc, client, run_jobs, peer, alice, bob)
    new = peer.actor("bob2", alsoKnownAs=[bob.uri])
    await _send(client, run_jobs, bob, bob.activity("Move", bob.uri, target=new.uri))
    old_account, new_account = await _account(svc, bob.uri), await _account(svc, new.uri)
    async with svc.db.read() as conn:
        assert await follow_store.get_follow(conn, alice.id, old_account.id) is None
        moved = await follow_store.get_follow(conn, alice.id, new_account.id)
    assert moved is not None and moved.state == "pending"
    assert [f["object"] for f in peer.received("Follow")][-1] == new.uri
    assert [u["object"]["object"] for u in peer.received("Undo")] == [bob.uri]


async def test_move_without_alias_is_ignored(svc, client, run_jobs, alice, bob, peer):
    """A Move to an account that does not name the old one as alias changes nothing."""
    await _follows(svc, client, run_jobs, peer, alice, bob)
    stranger = peer.actor("stranger")
    await _send(client, run_jobs, bob, bob.activity("Move", bob.uri, target=stranger.uri))
    old_account = await _account(svc, bob.uri)
    async with svc.db.read() as conn:
        kept = await follow_store.get_follow(conn, alice.id, old_account.id)
    assert kept is not None and kept.state == "accepted"
    assert peer.received("Undo") == []


async def test_block_ends_follows_both_ways(svc, client, run_jobs, alice, bob, peer):
    """Block of Alice: Bob's follow of her and hers of him end (issue 7 will store blocks)."""
    await _follows(svc, client, run_jobs, peer, alice, bob)
    await _send(client, run_jobs, bob, bob.activity("Follow", alice.uri))
    await _send(client, run_jobs, bob, bob.activity("Block", alice.uri))
    bob_account = await _account(svc, bob.uri)
    async with svc.db.read() as conn:
        assert await follow_store.relationship_rows(conn, alice.id, bob_account.id) == []


async def test_a_flag_becomes_a_report(svc, client, run_jobs, alice, bob, peer):
    """Flag of Alice and one of her posts, from a server's instance actor, is filed as a report."""
    mine = await _local_post(svc, alice, "reported post")
    moderator = peer.actor("instance")
    flag = moderator.activity("Flag", [alice.uri, mine.uri], content="spam, spam and spam")
    await _send(client, run_jobs, moderator, flag)
    async with svc.db.read() as conn:
        [report] = await report_store.list_reports(conn)
    assert report.target_account_id == alice.id
    assert report.post_ids == [mine.id]
    assert report.comment == "spam, spam and spam"
    assert report.account_id == (await _account(svc, moderator.uri)).id


async def test_add_and_remove_pin_the_actors_own_post(svc, client, run_jobs, bob):
    """Add to the actor's featured collection pins its post; Remove unpins it."""
    note = bob.note("<p>pinned</p>")
    featured = bob.uri + "/collections/featured"
    await _send(client, run_jobs, bob, bob.activity("Add", note["id"], target=featured))
    bob_account = await _account(svc, bob.uri)
    post = await _post(svc, note["id"])
    assert post is not None
    async with svc.db.read() as conn:
        assert await remote_store.list_featured_ids(conn, bob_account.id) == [post.id]
    await _send(client, run_jobs, bob, bob.activity("Remove", note["id"], target=featured))
    async with svc.db.read() as conn:
        assert await remote_store.list_featured_ids(conn, bob_account.id) == []
