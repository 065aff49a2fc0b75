"""Storing a new local poll with its post, inside the post's write transaction."""

from __future__ import annotations

from datetime import timedelta

from fedi.context import Services
from fedi.polls.rules import PollDraft, clean_options
from fedi.storage import jobs as job_store
from fedi.storage import polls as poll_store
from fedi.storage.clock import db_in
from fedi.storage.db import Tx
from fedi.storage.rows import Post

POLL_END_JOB = "poll_end"
"""The job that runs when a poll ends (fedi.polls.ending)."""


def end_job_key(post_id: int) -> str:
    """The dedupe key of a poll's end job (one per poll)."""
    return f"poll-end:{post_id}"


async def schedule_end(svc: Services, tx: Tx, post_id: int, after: timedelta) -> None:
    """Queue the poll's end job (notifications, the last tally) for when it ends."""
    await job_store.enqueue(
        tx,
        POLL_END_JOB,
        {"post_id": post_id},
        dedupe_key=end_job_key(post_id),
        delay=max(after, timedelta(0)),
    )
    tx.on_commit(svc.jobs.wake)


async def add_poll(svc: Services, tx: Tx, post: Post, draft: PollDraft) -> None:
    """Store the (validated) poll of a new local post and schedule its end."""
    seconds = draft.expires_in or 0
    await poll_store.insert_poll(
        tx,
        post_id=post.id,
        options=clean_options(draft),
        multiple=draft.multiple,
        hide_totals=draft.hide_totals,
        expires_at=db_in(timedelta(seconds=seconds)),
    )
    await schedule_end(svc, tx, post.id, timedelta(seconds=seconds))
