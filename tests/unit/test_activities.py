"""The activities local actions send: shapes Mastodon reads, ids under the actor, no I/O."""

from __future__ import annotations

from fedi.activitypub.addressing import PUBLIC, Audience
from fedi.activitypub.context import CONTEXT
from fedi.activitypub.uris import Uris
from fedi.outbox import activities

URIS = Uris("https://example.social")
ALICE = URIS.actor("alice")
BOB = "https://remote.example/users/bob"
NOTE = {
    "@context": CONTEXT,
    "id": URIS.status("alice", 7),
    "type": "Note",
    "attributedTo": ALICE,
    "content": "<p>hi</p>",
    "published": "2026-11-22T10:00:00Z",
    "updated": "2026-11-22T11:00:00Z",
    "to": [PUBLIC],
    "cc": [ALICE + "/followers"],
}


def test_create_wraps_the_note_and_copies_its_addressing():
    """Create(Note): id `<note>/activity`, the Note embedded without @context, same to/cc."""
    create = activities.create_note(NOTE, actor=ALICE)

    assert create["@context"] == CONTEXT
    assert create["id"] == NOTE["id"] + "/activity" and create["type"] == "Create"
    assert create["actor"] == ALICE
    assert create["to"] == [PUBLIC] and create["cc"] == [ALICE + "/followers"]
    assert "@context" not in create["object"] and create["object"]["content"] == "<p>hi</p>"


def test_update_of_a_note_is_dated_by_the_edit_and_has_a_distinct_id_per_edit():
    """Update(Note) carries the edit time; two edits of one post get two ids."""
    first = activities.update_note_id(URIS, "alice", 7, "2026-11-22T11:00:00.000Z")
    second = activities.update_note_id(URIS, "alice", 7, "2026-11-22T11:00:00.001Z")
    update = activities.update_note(NOTE, id=first, actor=ALICE)

    assert first != second and first.startswith(ALICE + "#updates/7/")
    assert update["type"] == "Update" and update["published"] == "2026-11-22T11:00:00Z"
    assert update["object"]["id"] == NOTE["id"] and update["to"] == [PUBLIC]


def test_delete_of_a_note_sends_a_tombstone_to_the_same_audience():
    """Delete(Tombstone) is addressed like the deleted post."""
    audience = Audience(to=(ALICE + "/followers",), cc=(BOB,))
    delete = activities.delete_note(
        id=activities.delete_note_id(URIS, "alice", 7),
        actor=ALICE,
        object_id=NOTE["id"],
        audience=audience,
    )

    assert delete["id"] == ALICE + "#deletes/7"
    assert delete["object"] == {"id": NOTE["id"], "type": "Tombstone"}
    assert delete["to"] == [ALICE + "/followers"] and delete["cc"] == [BOB]


def test_follow_and_its_undo():
    """Follow(id, actor, object); Undo embeds the very same Follow and has its own id."""
    follow_id = activities.follow_id(URIS, "alice", 42)
    follow = activities.follow(id=follow_id, actor=ALICE, object=BOB)
    undo = activities.undo(id=activities.undo_id(follow_id, 1), actor=ALICE, object=follow)

    assert follow_id == ALICE + "#follows/42"
    assert {k: follow[k] for k in ("id", "type", "actor", "object")} == {
        "id": follow_id,
        "type": "Follow",
        "actor": ALICE,
        "object": BOB,
    }
    assert undo["type"] == "Undo" and undo["id"] == follow_id + "/undo/1"
    assert undo["object"] == {"id": follow_id, "type": "Follow", "actor": ALICE, "object": BOB}


def test_accept_and_reject_embed_the_whole_original_follow():
    """Accept/Reject carry the remote Follow with its id, actor and object (Mastodon needs it)."""
    theirs = activities.follow_object(id=BOB + "/follows/9", actor=BOB, object=ALICE)
    accept = activities.accept_follow(
        id=activities.accept_id(URIS, "alice", 5), actor=ALICE, follow=theirs
    )
    reject = activities.reject_follow(
        id=activities.reject_id(URIS, "alice", 5), actor=ALICE, follow=theirs
    )

    assert accept["type"] == "Accept" and reject["type"] == "Reject"
    assert accept["object"] == reject["object"] == theirs
    assert accept["id"] == ALICE + "#accepts/5" and reject["id"] == ALICE + "#rejects/5"


def test_a_follow_without_an_id_is_embedded_without_one():
    """An old follow row with no activity id still embeds actor and object."""
    assert activities.follow_object(id=None, actor=BOB, object=ALICE) == {
        "type": "Follow",
        "actor": BOB,
        "object": ALICE,
    }


def test_like_block_and_their_undos():
    """Like and Block name the post or actor; the Like id is stable per post so Undo can name it."""
    like_id = activities.like_id(URIS, "alice", 99)
    like = activities.like(id=like_id, actor=ALICE, object=BOB + "/statuses/99")
    block = activities.block(id=activities.block_id(URIS, "alice", 3), actor=ALICE, object=BOB)
    unblock = activities.undo(id=activities.undo_id(block["id"], 2), actor=ALICE, object=block)

    assert like_id == activities.like_id(URIS, "alice", 99) == ALICE + "#likes/99"
    assert like["type"] == "Like" and like["object"] == BOB + "/statuses/99"
    assert block["type"] == "Block" and block["object"] == BOB
    assert unblock["object"]["id"] == block["id"] and "@context" not in unblock["object"]


def test_update_and_delete_of_the_actor():
    """Update(Person) goes to Public and the followers; Delete(actor) has object == actor."""
    person = {"@context": CONTEXT, "id": ALICE, "type": "Person", "followers": ALICE + "/followers"}
    update = activities.update_actor(
        person, id=activities.update_actor_id(URIS, "alice", "2026-11-22T10:00:00.000Z")
    )
    delete = activities.delete_actor(id=activities.delete_actor_id(URIS, "alice"), actor=ALICE)

    assert update["actor"] == ALICE and update["object"]["type"] == "Person"
    assert update["to"] == [PUBLIC] and update["cc"] == [ALICE + "/followers"]
    assert "@context" not in update["object"]
    assert delete["object"] == ALICE and delete["to"] == [PUBLIC] and delete["type"] == "Delete"
