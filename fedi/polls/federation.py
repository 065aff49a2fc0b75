"""Polls across servers: tallies sent as Update{Question}, our votes on remote polls sent as
Create{Note}, votes on our polls received, remote Questions stored as polls.

Tally updates are debounced: a vote flags the poll and queues one `poll_update` job unless one
is already queued; the job sends the counts as they are when it runs (every vote that came in
meanwhile included) to the author's remote followers and the poll's remote voters.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from fedi.activitypub.questions import create_vote, vote_note
from fedi.activitypub.uris import Uris
from fedi.activitypub.vocab import Note
from fedi.context import Services
from fedi.errors import FediError
from fedi.moderation.relations import is_blocked_between
from fedi.outbox import activities
from fedi.outbox.fanout import enqueue_activity
from fedi.outbox.render import note_jsons
from fedi.polls.store import end_job_key, schedule_end
from fedi.polls.view import is_expired
from fedi.storage import accounts as account_store
from fedi.storage import jobs as job_store
from fedi.storage import poll_versions
from fedi.storage import polls as poll_store
from fedi.storage import posts as post_store
from fedi.storage.clock import from_db, now_db, to_db, utcnow
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.polls import Poll
from fedi.storage.rows import Account, Job, Post
from fedi.visibility import visible_post
from fedi.workers import Queue

logger = logging.getLogger(__name__)

POLL_UPDATE_JOB = "poll_update"
MAX_REMOTE_OPTIONS = 20
"""Options of a remote Question we keep at most (Mastodon's CVE-2026-23962: huge polls)."""
MAX_OPTION_CHARS = 500


# --- tallies of our polls ---------------------------------------------------------------------


async def queue_tally_update(svc: Services, tx: Tx, post: Post) -> None:
    """Queue an Update{Question} of a local poll, unless one is queued already (debounce)."""
    if not post.local:
        return
    if await poll_store.mark_update_queued(tx, post.id):
        await job_store.enqueue(tx, POLL_UPDATE_JOB, {"post_id": post.id})
        tx.on_commit(svc.jobs.wake)


async def send_tally_update(svc: Services, post_id: int) -> int | None:
    """Queue Update{Question} with the poll's current counts for its author's remote followers
    and its remote voters; returns the fan-out job id (None when nobody remote is concerned)."""
    async with svc.db.write() as tx:
        await poll_store.clear_update_queued(tx, post_id)
        post = await post_store.get_post(tx, post_id)
        if post is None or not post.local or post.deleted_at is not None:
            return None
        author = await account_store.get_account(tx, post.account_id)
        if author is None or not author.local:
            return None
        inboxes = await poll_store.list_remote_voter_inboxes(tx, post.id)
        [note] = await note_jsons(tx, svc, author, [post], with_context=False)
        uris = Uris(svc.base_url)
        activity = activities.update_note(
            note,
            id=uris.activity(author.username, "updates", f"{post.id}/poll/{new_id()}"),
            actor=author.uri,
        )
        return await enqueue_activity(
            tx,
            actor=author,
            activity=activity,
            inboxes=inboxes,
            to_followers=post.visibility != "direct",
            wake=svc.jobs.wake,
        )


async def send_question_update(svc: Services, tx: Tx, post: Post, inboxes: list[str]) -> None:
    """Queue Update{Question} of a local poll, as it is in this transaction, to these inboxes
    only (the remote voters of an edited poll, who may not follow its author)."""
    author = await account_store.get_account(tx, post.account_id)
    if author is None or not author.local or not inboxes:
        return
    [note] = await note_jsons(tx, svc, author, [post], with_context=False)
    activity = activities.update_note(
        note,
        id=Uris(svc.base_url).activity(author.username, "updates", f"{post.id}/poll/{new_id()}"),
        actor=author.uri,
    )
    await enqueue_activity(
        tx, actor=author, activity=activity, inboxes=inboxes, to_followers=False, wake=svc.jobs.wake
    )


async def _run_update(svc: Services, job: Job) -> None:
    await send_tally_update(svc, int(job.data["post_id"]))


def poll_update_queue(svc: Services) -> Queue:
    """The `poll_update` job kind: send a local poll's current tallies."""
    return Queue(kind=POLL_UPDATE_JOB, handler=partial(_run_update, svc), max_attempts=8)


# --- our votes on remote polls ----------------------------------------------------------------


def vote_uri(voter: Account) -> str:
    """A new id for one vote Note of a local voter."""
    return f"{voter.uri}#votes/{new_id()}"


async def send_votes(
    svc: Services,
    tx: Tx,
    voter: Account,
    post: Post,
    poll: Poll,
    choices: list[int],
    uris: list[str],
) -> None:
    """Queue one Create{Note} per chosen option to the remote poll's author (and only them)."""
    author = await account_store.get_account(tx, post.account_id)
    if author is None or author.local or author.deleted_at is not None:
        return
    inbox = author.inbox_uri or author.shared_inbox_uri
    for choice, uri in zip(choices, uris, strict=True):
        note = vote_note(
            id=uri, voter=voter.uri, question=post.uri, author=author.uri, name=poll.options[choice]
        )
        activity = create_vote(note, actor=voter.uri, published=now_db())
        await enqueue_activity(
            tx, actor=voter, activity=activity, inboxes=[inbox], wake=svc.jobs.wake
        )


# --- votes on our polls from other servers ----------------------------------------------------


async def receive_vote(svc: Services, voter: Account, note: Note) -> str | None:
    """Count a remote vote (a Note naming an option, replying to our Question); returns why it
    was not counted, or None. Never stored as a post."""
    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, note.in_reply_to)
        poll = await poll_store.get_poll(conn, post.id) if post is not None else None
        if post is None or poll is None or not post.local or post.deleted_at is not None:
            return "not a vote on one of our polls"
        if await is_blocked_between(conn, voter.id, post.account_id):
            return "the voter and the poll's author are blocked"
        try:
            await visible_post(conn, voter.id, post.id)
        except FediError:
            return "the voter may not see the poll"
    if is_expired(poll):
        return "the poll has ended"
    if voter.id == post.account_id:
        return "an author does not vote in their own poll"
    if note.name not in poll.options:
        return "no option has that name"
    choice = poll.options.index(note.name)
    async with svc.db.write() as tx:
        recorded = await poll_store.record_votes(
            tx,
            post_id=post.id,
            account_id=voter.id,
            choices=[choice],
            uris=[note.uri],
            recount=True,
            exclusive=not poll.multiple,
        )
        if recorded is None:
            return "already voted"
        await queue_tally_update(svc, tx, post)
    logger.info("poll vote counted post=%s voter=%s choice=%s", post.id, voter.uri, choice)
    return None


# --- remote polls ---------------------------------------------------------------------------


def _question_figures(note: Note) -> tuple[list[str], list[int], int]:
    options = [o.name[:MAX_OPTION_CHARS] for o in note.options[:MAX_REMOTE_OPTIONS]]
    votes = [max(0, o.votes) for o in note.options[:MAX_REMOTE_OPTIONS]]
    voters = note.voters_count
    if voters is None:
        voters = 0 if note.multiple_choice else sum(votes)
    return options, votes, max(0, voters)


async def store_question(
    svc: Services, tx: Tx, post_id: int, note: Note, *, new_version: bool = False
) -> None:
    """Create, refresh or remove the poll of a remote post from its Question (Create, Update,
    or the Question fetched at its end); a new poll with an end gets its end job.

    Interop: as Mastodon, new options or another kind of choice delete the votes recorded here
    (our voters may vote again), and an edit (`updated`) into a plain Note removes the poll.
    `new_version`: the Update was recorded as an edit just now, so the poll the previous
    version had is kept for the edit history.
    """
    is_question = note.type == "Question" and bool(note.options)
    # Only an edit can take a poll away (Creates of plain Notes, the common case, read nothing).
    edited_note = note.type != "Question" and (new_version or note.updated is not None)
    if not is_question and not edited_note:
        return
    existing = await poll_store.get_poll(tx, post_id)
    if new_version and existing is not None:
        await poll_versions.insert_version_poll(
            tx, post_id, edit_id=None, options=existing.options, multiple=existing.multiple
        )
    if not is_question:
        if existing is not None and edited_note:
            await poll_store.delete_poll(tx, post_id)
        return
    options, votes, voters = _question_figures(note)
    expires_at = to_db(note.end_time) if note.end_time is not None else None
    closed_at = now_db() if note.closed else None
    if existing is not None:
        if tuple(options) != existing.options or note.multiple_choice != existing.multiple:
            await poll_store.delete_votes(tx, post_id)
        await poll_store.update_remote_tallies(
            tx,
            post_id,
            options=options,
            votes=votes,
            multiple=note.multiple_choice,
            voters_count=voters,
            expires_at=expires_at,
            closed_at=closed_at,
        )
        # The poll closed (or its end moved earlier): its end job runs then, not later.
        due = closed_at or expires_at
        moved = (
            existing.ended_at is None
            and due is not None
            and await poll_store.move_end_job(tx, post_id, due=due, dedupe_key=end_job_key(post_id))
        )
        if moved:
            tx.on_commit(svc.jobs.wake)
        return
    await poll_store.insert_poll(
        tx,
        post_id=post_id,
        options=options,
        multiple=note.multiple_choice,
        hide_totals=False,
        expires_at=expires_at,
        votes=votes,
        voters_count=voters,
        closed_at=closed_at,
    )
    when = from_db(expires_at)
    if when is not None and closed_at is None:
        await schedule_end(svc, tx, post_id, max(when - utcnow(), timedelta(0)))
