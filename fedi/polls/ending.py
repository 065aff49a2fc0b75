"""When a poll ends: `poll` notifications to its local voters and (local) author, as Mastodon
sends them, and, for our polls, a last tally update saying it is closed. Runs as the poll's
`poll_end` job, scheduled for its end time when the poll is stored.

A remote poll's Question is fetched from its origin once at its end (a signed GET, its `id`
the URL), unless the origin already said it is closed, so the notice and the poll show the
final results even when the closing Update has not come (Mastodon refreshes an ended poll the
same way). An origin that cannot be reached leaves the figures we hold."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from fedi.activitypub.parse import parse_document
from fedi.activitypub.vocab import Note
from fedi.context import Services
from fedi.errors import RemoteError
from fedi.events import surface_notifications
from fedi.polls.federation import queue_tally_update, store_question
from fedi.polls.store import POLL_END_JOB
from fedi.remote import resolver_of
from fedi.storage import accounts as account_store
from fedi.storage import polls as poll_store
from fedi.storage import posts as post_store
from fedi.storage.clock import from_db, now_db, utcnow
from fedi.storage.rows import Job, Post
from fedi.workers import Queue, RetryLater

logger = logging.getLogger(__name__)


async def end_poll(svc: Services, post_id: int) -> list[int]:
    """Process the end of a poll once: notify, and queue the closing tally for our polls.

    Returns the notified accounts. Raises RetryLater when the poll's end moved later (a remote
    poll's Update); nothing happens for a deleted post or a poll already processed.
    """
    async with svc.db.read() as conn:
        poll = await poll_store.get_poll(conn, post_id)
        post = await post_store.get_post(conn, post_id)
        voters = await poll_store.list_local_voter_ids(conn, post_id)
        author = await account_store.get_account(conn, post.account_id) if post else None
    if poll is None or post is None or post.deleted_at is not None or poll.ended_at:
        return []
    if poll.closed_at is None and poll.expires_at is not None and poll.expires_at > now_db():
        when = from_db(poll.expires_at)
        assert when is not None
        raise RetryLater("the poll ends later", delay=max(when - utcnow(), timedelta(seconds=1)))
    # A remote poll its origin said is closed has its final figures already.
    fetch = not post.local and poll.closed_at is None
    final = await fetch_final_question(svc, post) if fetch else None
    if final is not None and final.end_time is not None and not final.closed:
        end = final.end_time
        if end > utcnow():  # the origin moved the end later: wait for it
            async with svc.db.write() as tx:
                await store_question(svc, tx, post_id, final)
            raise RetryLater("the poll ends later", delay=max(end - utcnow(), timedelta(seconds=1)))
    async with svc.db.write() as tx:
        if final is not None:
            await store_question(svc, tx, post_id, final)
            voters = await poll_store.list_local_voter_ids(tx, post_id)
        if not await poll_store.mark_ended(tx, post_id):
            return []
        recipients = [*voters, *([post.account_id] if author is not None and author.local else [])]
        notified = await poll_store.insert_poll_notifications(
            tx, post_id=post_id, author_id=post.account_id, account_ids=recipients
        )
        surface_notifications(svc, tx, notified)
        await queue_tally_update(svc, tx, post)
    logger.info("poll ended post=%s notified=%s", post_id, len(notified))
    return notified


async def fetch_final_question(svc: Services, post: Post) -> Note | None:
    """A remote poll's Question as its origin serves it now (signed GET of the post's id); None
    when it cannot be had or is not that poll (the figures we hold then stand)."""
    try:
        found = parse_document(await resolver_of(svc).get_object(post.uri))
    except RemoteError as exc:  # unreachable, gone, refused, not ActivityPub
        logger.info("poll end fetch failed uri=%s error=%s", post.uri, exc.safe_message)
        return None
    if (
        not isinstance(found, Note)
        or found.type != "Question"
        or found.uri != post.uri
        or urlsplit(found.attributed_to).netloc != urlsplit(post.uri).netloc
    ):
        logger.info("poll end fetch: not this poll's Question uri=%s", post.uri)
        return None
    return found


async def _run_end(svc: Services, job: Job) -> None:
    await end_poll(svc, int(job.data["post_id"]))


def poll_end_queue(svc: Services) -> Queue:
    """The `poll_end` job kind (one per poll, due at its end)."""
    return Queue(kind=POLL_END_JOB, handler=partial(_run_end, svc), max_attempts=30)
