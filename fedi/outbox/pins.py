"""Pinned posts: `Add`/`Remove` on the author's `featured` collection, and pins shown on profiles.

Pinning itself (the checks and the `featured_posts` row) is `status_actions.pin_post`, shared by
the API and the web button; it calls `federate_pin` inside its transaction, so followers' servers
hear of the pin exactly when it commits. The collection is served by `render.featured_document`.
"""

from __future__ import annotations

from typing import Any

from fedi.activitypub.addressing import PUBLIC
from fedi.activitypub.context import with_context
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.outbox.fanout import enqueue_activity
from fedi.posts_view import PostView, views_with_conn
from fedi.storage import pins as pin_store
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Post
from fedi.visibility import OPEN_VISIBILITIES

JsonDict = dict[str, Any]

MAX_SHOWN = 20
"""Pins shown or served at most (the API allows five; older rows may hold more)."""


def pin_activity(uris: Uris, account: Account, post: Post, *, pinned: bool) -> JsonDict:
    """`Add` (pinned) or `Remove` (unpinned) of a post on its author's featured collection."""
    kind = "Add" if pinned else "Remove"
    collections = uris.actor_collections(account.username)
    return with_context(
        {
            "id": uris.activity(account.username, "featured", f"{kind.lower()}/{new_id()}"),
            "type": kind,
            "actor": account.uri,
            "to": [PUBLIC],
            "cc": [collections["followers"]],
            "object": post.uri,
            "target": collections["featured"],
        }
    )


async def federate_pin(
    svc: Services, tx: Tx, account: Account, post: Post, *, pinned: bool
) -> int | None:
    """Queue Add/Remove of a local public or unlisted post to the author's remote followers.

    Call inside the pin's write transaction; returns the fan-out job id, or None when no remote
    follower is concerned (nothing is queued).
    """
    if not account.local or not post.local or post.visibility not in OPEN_VISIBILITIES:
        return None
    # Interop: Mastodon sends Add/Remove with `target` = the featured collection and `object` =
    # the status URI, to the followers (ActivityPub::AddSerializer); it fetches the note by id.
    activity = pin_activity(Uris(svc.base_url), account, post, pinned=pinned)
    return await enqueue_activity(
        tx, actor=account, activity=activity, to_followers=True, wake=svc.jobs.wake
    )


async def pinned_views(svc: Services, viewer_id: int | None, account: Account) -> list[PostView]:
    """An account's pinned public and unlisted posts as this viewer may see them, newest pin first."""
    async with svc.db.read() as conn:
        posts = await pin_store.list_pinned_posts(
            conn, account.id, visibilities=OPEN_VISIBILITIES, limit=MAX_SHOWN
        )
        return await views_with_conn(conn, viewer_id, posts)
