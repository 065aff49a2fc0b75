"""Polls on the wire: a post with a poll is a `Question`; a vote is a nameless-content `Note`.

Interop: Mastodon, Pleroma, Misskey and GoToSocial all read `oneOf` (single choice) or `anyOf`
(multiple choice) as the options, each `{type: Note, name, replies: {totalItems}}`, with
`endTime`, `closed` and `votersCount`; a vote is `Create{Note{name: <option title>,
inReplyTo: <question>}}` addressed only to the poll's author, with no `content`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from fedi.activitypub.context import with_context
from fedi.activitypub.serialize import ap_time

JsonDict = dict[str, Any]


def as_question(
    note: Mapping[str, Any],
    *,
    options: Sequence[str],
    votes: Sequence[int],
    multiple: bool,
    end_time: str | datetime | None,
    closed: str | datetime | None,
    voters_count: int,
) -> JsonDict:
    """The Note of a post turned into the Question of its poll (same id, addressing, content)."""
    doc = dict(note)
    doc["type"] = "Question"
    doc["anyOf" if multiple else "oneOf"] = [
        {"type": "Note", "name": title, "replies": {"type": "Collection", "totalItems": count}}
        for title, count in zip(options, votes, strict=True)
    ]
    if end_time is not None:
        doc["endTime"] = ap_time(end_time)
    if closed is not None:
        doc["closed"] = ap_time(closed)
    doc["votersCount"] = voters_count
    return doc


def vote_note(*, id: str, voter: str, question: str, author: str, name: str) -> JsonDict:
    """One chosen option, as the Note a vote is (no content; only the poll's author sees it)."""
    return {
        "id": id,
        "type": "Note",
        "name": name,
        "attributedTo": voter,
        "inReplyTo": question,
        "to": [author],
    }


def create_vote(note: Mapping[str, Any], *, actor: str, published: str | datetime) -> JsonDict:
    """The `Create` of a vote Note (id `<note id>/activity`), addressed like the note."""
    return with_context(
        {
            "id": f"{note['id']}/activity",
            "type": "Create",
            "actor": actor,
            "published": ap_time(published),
            "to": list(note.get("to", [])),
            "object": dict(note),
        }
    )
