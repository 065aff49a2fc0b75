"""Publishing scheduled statuses at their time: the `publish_scheduled` job.

The job carries the scheduled status's id and time; it publishes through
`status_actions.post_status` (the API's own create path) when the row still exists with that
time (a moved one has a newer job, a cancelled one is gone), then deletes the row.
"""

from __future__ import annotations

import logging
from typing import Any

from fedi.context import Services
from fedi.errors import FediError
from fedi.outbox.commands import PostDraft
from fedi.polls.rules import PollDraft
from fedi.scheduled import JOB_KIND
from fedi.status_actions import post_status
from fedi.storage import accounts as account_store
from fedi.storage import scheduled as scheduled_store
from fedi.workers import Queue

logger = logging.getLogger(__name__)


def draft_of(params: dict[str, Any]) -> PostDraft:
    """The PostDraft a scheduled status publishes."""
    reply = params.get("in_reply_to_id")
    poll = params.get("poll")
    sensitive = params.get("sensitive")
    return PostDraft(
        text=str(params.get("text") or ""),
        content_warning=str(params.get("spoiler_text") or ""),
        visibility=params.get("visibility"),
        in_reply_to_id=int(reply) if reply else None,
        sensitive=None if sensitive is None else bool(sensitive),
        language=params.get("language"),
        media_ids=tuple(int(i) for i in params.get("media_ids") or ()),
        poll=PollDraft(
            options=tuple(str(o) for o in poll.get("options") or ()),
            expires_in=poll.get("expires_in"),
            multiple=bool(poll.get("multiple")),
            hide_totals=bool(poll.get("hide_totals")),
        )
        if poll
        else None,
    )


async def publish_due(svc: Services, scheduled_id: int, at: str) -> int | None:
    """Publish a scheduled status whose time has come; the new post's id, or None when it was
    cancelled, moved, or refused (a post that can no longer be made is dropped, as Mastodon
    does: its parent was deleted, its author suspended...)."""
    async with svc.db.write() as tx:
        found = await scheduled_store.get_scheduled(tx, scheduled_id)
        if found is None or found.scheduled_at != at:
            return None
        author = await account_store.get_account(tx, found.account_id)
        # The uploads are freed so that the post can take them.
        await scheduled_store.release_media(tx, found.id)
    if author is None or author.suspended_at or author.deleted_at:
        await _drop(svc, found.id)
        return None
    params = found.params
    app = params.get("application_id")
    try:
        post = await post_status(
            svc,
            author,
            draft_of(params),
            app_id=int(app) if app else None,
        )
    except FediError as exc:
        logger.info("scheduled status dropped id=%s reason=%s", found.id, exc.safe_message)
        await _drop(svc, found.id)
        return None
    await _drop(svc, found.id)
    return post.id


async def _drop(svc: Services, scheduled_id: int) -> None:
    async with svc.db.write() as tx:
        await scheduled_store.delete_scheduled(tx, scheduled_id)


def publish_scheduled_queue(svc: Services) -> Queue:
    """The job queue that publishes scheduled statuses at their time."""

    async def handle(job: Any) -> None:
        data = job.data
        await publish_due(svc, int(data["id"]), str(data["at"]))

    return Queue(kind=JOB_KIND, handler=handle, max_attempts=8, concurrency=2)
