"""The activities our local actions send (pure: builds JSON from plain inputs, no I/O).

Shapes follow what Mastodon sends and reads (federation-interop.md section 4): Accept and Reject
embed the whole original Follow; Undo embeds the activity it undoes; a deleted post travels as a
`Tombstone`. Every top-level activity carries our fixed `@context`; embedded objects do not.
Activity ids live under the actor (`Uris.activity`), except a Create, whose id is the Note's id plus
`/activity`, and an Announce, whose id is its boost row's status URL plus `/activity` (we serve
both).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fedi.activitypub import serialize
from fedi.activitypub.addressing import PUBLIC, Audience
from fedi.activitypub.context import with_context
from fedi.activitypub.uris import Uris

JsonDict = dict[str, Any]


def _bare(document: Mapping[str, Any]) -> JsonDict:
    """A document without its `@context`, to embed in another one."""
    return {k: v for k, v in document.items() if k != "@context"}


def _stamp(value: str | datetime) -> int:
    """Milliseconds since the epoch of a stored timestamp (ids of repeatable activities)."""
    when = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(value.replace("Z", "+00:00"))
    )
    return int(when.timestamp() * 1000)


# --- ids --------------------------------------------------------------------------------------


def follow_id(uris: Uris, username: str, follow_row_id: int) -> str:
    """The id of our Follow (the same as `follows.uri` of a local follower's row)."""
    return uris.activity(username, "follows", follow_row_id)


def like_id(uris: Uris, username: str, post_id: int) -> str:
    """The id of our Like of a post: one per (actor, post), so an Undo can name it later."""
    return uris.activity(username, "likes", post_id)


def block_id(uris: Uris, username: str, block_row_id: int) -> str:
    """The id of our Block."""
    return uris.activity(username, "blocks", block_row_id)


def undo_id(activity_id: str, ident: int) -> str:
    """The id of an Undo of one of our activities (`ident` makes repeated undos distinct)."""
    return f"{activity_id}/undo/{ident}"


def accept_id(uris: Uris, username: str, follow_row_id: int) -> str:
    """The id of our Accept of a follow request."""
    return uris.activity(username, "accepts", follow_row_id)


def reject_id(uris: Uris, username: str, follow_row_id: int) -> str:
    """The id of our Reject of a follow request."""
    return uris.activity(username, "rejects", follow_row_id)


def update_note_id(uris: Uris, username: str, post_id: int, edited_at: str | datetime) -> str:
    """The id of the Update sent for one edit of a post (distinct per edit)."""
    return uris.activity(username, "updates", f"{post_id}/{_stamp(edited_at)}")


def delete_note_id(uris: Uris, username: str, post_id: int) -> str:
    """The id of the Delete of a post."""
    return uris.activity(username, "deletes", post_id)


def update_actor_id(uris: Uris, username: str, updated_at: str | datetime) -> str:
    """The id of the Update(Person) sent for one profile change."""
    return uris.activity(username, "updates", _stamp(updated_at))


def delete_actor_id(uris: Uris, username: str) -> str:
    """The id of the Delete of an account."""
    return uris.activity(username, "deletes", "actor")


def announce_id(uris: Uris, username: str, reblog_id: int) -> str:
    """The id of our Announce (boost): one per boost row, kept as that row's `uri`.

    A URL we serve (`/users/<name>/statuses/<boost id>/activity`, as Mastodon's), so peers can
    fetch it; boosts made before it was one keep their `#announces/<id>` ids (they are stored).
    """
    return f"{uris.status(username, reblog_id)}/activity"


# --- posts ------------------------------------------------------------------------------------


def create_note(note: Mapping[str, Any], *, actor: str) -> JsonDict:
    """`Create` of a Note, addressed like the Note (id `<note id>/activity`)."""
    return serialize.create(object=_bare(note), actor=actor)


def update_note(note: Mapping[str, Any], *, id: str, actor: str) -> JsonDict:
    """`Update` of an edited Note, addressed like the Note; `published` is the edit time."""
    return with_context(
        {
            "id": id,
            "type": "Update",
            "actor": actor,
            "published": note.get("updated") or note.get("published"),
            "to": list(note.get("to", [])),
            "cc": list(note.get("cc", [])),
            "object": _bare(note),
        }
    )


def delete_note(*, id: str, actor: str, object_id: str, audience: Audience) -> JsonDict:
    """`Delete` of a post, its object a `Tombstone`, addressed as the post was."""
    return with_context(
        {
            "id": id,
            "type": "Delete",
            "actor": actor,
            **audience.as_dict(),
            "object": {"id": object_id, "type": "Tombstone"},
        }
    )


# --- boosts -----------------------------------------------------------------------------------


def announce(
    *, id: str, actor: str, object: str, published: str | datetime, audience: Audience
) -> JsonDict:
    """`Announce` (boost) of a post by its id; Mastodon addresses it to Public, cc the boosted
    author and the booster's followers."""
    return with_context(
        {
            "id": id,
            "type": "Announce",
            "actor": actor,
            "published": serialize.ap_time(published),
            **audience.as_dict(),
            "object": object,
        }
    )


def undo_announce(*, announce: Mapping[str, Any], ident: int) -> JsonDict:
    """`Undo` of one of our Announces, embedding it whole, addressed as it was."""
    undone = undo(
        id=undo_id(str(announce["id"]), ident), actor=str(announce["actor"]), object=announce
    )
    return {**undone, "to": list(announce.get("to", [])), "cc": list(announce.get("cc", []))}


# --- follows, likes, blocks -------------------------------------------------------------------


def follow_object(*, id: str | None, actor: str, object: str) -> JsonDict:
    """A `Follow` without `@context`, as embedded in Accept, Reject and Undo."""
    doc: JsonDict = {"type": "Follow", "actor": actor, "object": object}
    return {"id": id, **doc} if id else doc


def follow(*, id: str, actor: str, object: str) -> JsonDict:
    """`Follow` of another actor, sent to its inbox."""
    return with_context(follow_object(id=id, actor=actor, object=object))


def accept_follow(*, id: str, actor: str, follow: Mapping[str, Any]) -> JsonDict:
    """`Accept` of a follow request, embedding the whole original Follow (Mastodon needs its id)."""
    return with_context({"id": id, "type": "Accept", "actor": actor, "object": _bare(follow)})


def reject_follow(*, id: str, actor: str, follow: Mapping[str, Any]) -> JsonDict:
    """`Reject` of a follow request (or of a follower), embedding the original Follow."""
    return with_context({"id": id, "type": "Reject", "actor": actor, "object": _bare(follow)})


def like(*, id: str, actor: str, object: str) -> JsonDict:
    """`Like` (favourite) of a post."""
    return with_context({"id": id, "type": "Like", "actor": actor, "object": object})


def block(*, id: str, actor: str, object: str) -> JsonDict:
    """`Block` of an actor, sent to that actor (as Mastodon does)."""
    return with_context({"id": id, "type": "Block", "actor": actor, "object": object})


def undo(*, id: str, actor: str, object: Mapping[str, Any]) -> JsonDict:
    """`Undo` of one of our activities (Follow, Like, Block...), embedding it whole."""
    return with_context({"id": id, "type": "Undo", "actor": actor, "object": _bare(object)})


# --- the actor itself -------------------------------------------------------------------------


def update_actor(person: Mapping[str, Any], *, id: str) -> JsonDict:
    """`Update` of our actor document (profile or key change), to Public and the followers."""
    actor = str(person["id"])
    audience: JsonDict = {"to": [PUBLIC]}
    if person.get("followers"):
        audience["cc"] = [person["followers"]]
    return with_context(
        {"id": id, "type": "Update", "actor": actor, **audience, "object": _bare(person)}
    )


def delete_actor(*, id: str, actor: str) -> JsonDict:
    """`Delete` of our account (object == actor), to Public."""
    return with_context(
        {"id": id, "type": "Delete", "actor": actor, "to": [PUBLIC], "object": actor}
    )
