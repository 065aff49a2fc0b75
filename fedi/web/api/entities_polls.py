"""The Mastodon Poll entity (reference §6.6) from a poll's view, and a status's `poll` field.

Interop: the official Android app requires `own_votes` on authenticated responses (`[]` when
none); `voters_count` is null for single-choice polls; an option's `votes_count` is null while
the author hides totals until the end.
"""

from __future__ import annotations

from typing import Any

from fedi.api_reads.bundles import StatusBundle
from fedi.polls.view import PollView, poll_view
from fedi.storage.rows import Post

JsonDict = dict[str, Any]


def poll_entity(view: PollView) -> JsonDict:
    """Poll: options with counts, end, and (for a logged-in viewer) `voted` and `own_votes`."""
    entity: JsonDict = {
        "id": str(view.id),
        "expires_at": view.expires_at,
        "expired": view.expired,
        "multiple": view.multiple,
        "votes_count": view.votes_count,
        "voters_count": view.voters_count,
        "options": [{"title": o.title, "votes_count": o.votes} for o in view.options],
        "emojis": [],
    }
    if view.logged_in:
        entity["voted"] = view.voted
        entity["own_votes"] = list(view.own_votes)
    return entity


def status_poll(bundle: StatusBundle, post: Post) -> JsonDict | None:
    """The `poll` of a status entity, from the rows its bundle loaded (no query)."""
    poll = bundle.rows.polls.get(post.id)
    if poll is None:
        return None
    return poll_entity(
        poll_view(
            poll,
            author_id=post.account_id,
            viewer_id=bundle.viewer_id,
            own_votes=bundle.rows.poll_votes.get(post.id, ()),
        )
    )


def status_edit_poll(options: tuple[str, ...] | None) -> JsonDict | None:
    """The `poll` of a StatusEdit: that version's option titles (Mastodon shows no counts)."""
    if options is None:
        return None
    return {"options": [{"title": title} for title in options]}
