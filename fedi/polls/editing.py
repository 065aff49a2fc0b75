"""Editing a post's poll with the post (Mastodon 4.x `PUT /api/v1/statuses/:id`, the edit page).

Mastodon's rules: new options, or a switch between one and several choices, delete every vote
(the voters are not told); a new end alone, or hiding the totals, keeps them; an edit that sends
no poll removes the post's poll; a post without one may get one (never beside files). The
options each earlier version had are kept for the edit history (StatusEdit `poll`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fedi.context import Services
from fedi.polls.federation import send_question_update
from fedi.polls.rules import (
    EXPIRES_FIELD,
    POLL_FIELD,
    POLL_WITH_MEDIA,
    PollDraft,
    check_poll,
    clean_options,
)
from fedi.polls.store import add_poll, end_job_key, schedule_end
from fedi.storage import poll_versions
from fedi.storage import polls as poll_store
from fedi.storage.clock import db_in, from_db, utcnow
from fedi.storage.db import Conn, Tx
from fedi.storage.polls import Poll
from fedi.storage.rows import Post

NO_END_TO_KEEP = "Choose how long the poll runs."


@dataclass(frozen=True, slots=True, kw_only=True)
class PollPlan:
    """What an edit does to a post's poll: the poll before, the one asked for (None: no poll
    after the edit), or `keep` (the edit leaves the poll as it is)."""

    before: Poll | None
    after: PollDraft | None
    keep: bool = False

    @property
    def changes(self) -> bool:
        """Whether the edit writes anything to the poll."""
        if self.keep or (self.before is None and self.after is None):
            return False
        if self.before is None or self.after is None:
            return True
        return (
            self.resets_votes
            or self.after.hide_totals != self.before.hide_totals
            or not self.after.keep_end
        )

    @property
    def resets_votes(self) -> bool:
        """New options or another kind of choice: the votes no longer mean anything."""
        if self.keep or self.before is None or self.after is None:
            return False
        return (
            clean_options(self.after) != self.before.options
            or self.after.multiple != self.before.multiple
        )


async def current_poll(conn: Conn, post_id: int) -> Poll | None:
    """The poll a post has now (read before an edit)."""
    return await poll_store.get_poll(conn, post_id)


def plan_poll_edit(before: Poll | None, draft: PollDraft | None, *, remove: bool) -> PollPlan:
    """The plan of an edit: `draft` replaces (or adds) the poll, `remove` without a draft
    drops it, neither keeps it."""
    if draft is None and not remove:
        return PollPlan(before=before, after=None, keep=True)
    return PollPlan(before=before, after=draft)


def check_poll_edit(plan: PollPlan, *, has_media: bool) -> dict[str, str]:
    """Field errors of an edit's poll (the same rules and names as a new poll's)."""
    if plan.keep and plan.before is not None and has_media:
        return {POLL_FIELD: POLL_WITH_MEDIA}
    if plan.after is None:
        return {}
    errors = check_poll(plan.after)
    if plan.after.keep_end and plan.before is None:
        errors[EXPIRES_FIELD] = NO_END_TO_KEEP
    if has_media:
        errors[POLL_FIELD] = POLL_WITH_MEDIA
    return errors


async def apply_poll_edit(
    svc: Services, tx: Tx, post: Post, plan: PollPlan, *, edit_id: int
) -> None:
    """The poll part of an edit, in the edit's transaction (`post` as edited, `edit_id` the
    history row of the previous version): keep that version's poll for the history, then add,
    change or remove the poll; reset votes are gone at once, and remote voters get the new
    Question (Update) even when they do not follow the author; a new end is (re)scheduled."""
    before = plan.before
    if before is not None:
        await poll_versions.insert_version_poll(
            tx, post.id, edit_id=edit_id, options=before.options, multiple=before.multiple
        )
    after = plan.after
    if not plan.changes:
        return
    if after is None:
        await poll_store.delete_poll(tx, post.id)
        return
    if before is None:
        await add_poll(svc, tx, post, after)
        return
    voters = await poll_store.list_remote_voter_inboxes(tx, post.id) if plan.resets_votes else []
    new_end = not after.keep_end
    expires_at = db_in(timedelta(seconds=after.expires_in or 0)) if new_end else before.expires_at
    await poll_store.change_poll(
        tx,
        post.id,
        options=clean_options(after),
        multiple=after.multiple,
        hide_totals=after.hide_totals,
        expires_at=expires_at,
        reset_votes=plan.resets_votes,
        reopen=new_end,
    )
    if new_end and expires_at is not None:
        await _reschedule_end(svc, tx, post.id, expires_at)
    if voters:
        await send_question_update(svc, tx, post, voters)


async def _reschedule_end(svc: Services, tx: Tx, post_id: int, expires_at: str) -> None:
    """Move the poll's waiting end job to the new end, or queue a new one if it ran."""
    key = end_job_key(post_id)
    if await poll_store.set_end_job_due(tx, due=expires_at, dedupe_key=key):
        tx.on_commit(svc.jobs.wake)
        return
    await poll_store.free_end_job_key(tx, key)
    when = from_db(expires_at)
    assert when is not None
    await schedule_end(svc, tx, post_id, when - utcnow())


async def history_polls(svc: Services, post: Post) -> list[tuple[str, ...] | None]:
    """The option titles of the poll of each version of a post the viewer may see (checked by
    the caller), oldest first, the current one last; None for a version without a poll."""
    async with svc.db.read() as conn:
        return await poll_versions.list_version_polls(conn, post.id)
