"""Scheduled statuses: a post written now and published later (Mastodon's ScheduledStatus).

`schedule_status` checks what can be checked now (text, visibility, language, the reply parent,
the uploads, the time at least five minutes ahead, Mastodon's limits of 300 waiting and 50 a
day), stores the parameters as Mastodon's `params` shows them, reserves the uploads (they can
be attached to nothing else and never expire) and queues a durable `publish_scheduled` job for
that time; the job (`fedi.scheduled_publish`) publishes through `status_actions.post_status`,
the API's own create path, then the row disappears. Moving the time queues a new job.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fedi.context import Services
from fedi.errors import Gone, Invalid, NotFound
from fedi.media.attach import FIELD as MEDIA_FIELD
from fedi.media.attach import MAX_ATTACHMENTS, TOO_MANY, check_attachments
from fedi.media.compose import UploadInput, prepare_media
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import check_text
from fedi.paging import Paged, Window
from fedi.polls.rules import PollDraft, check_poll_with_post
from fedi.status_actions import NO_PARENT, check_language
from fedi.storage import jobs as job_store
from fedi.storage import media as media_storage
from fedi.storage import scheduled as scheduled_store
from fedi.storage.clock import from_db, to_db, utcnow
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Media, ScheduledStatus
from fedi.visibility import VISIBILITIES, visible_post

logger = logging.getLogger(__name__)

JOB_KIND = "publish_scheduled"
FIELD = "scheduled_at"
MIN_DELAY = timedelta(minutes=5)
MAX_WAITING = 300
MAX_PER_DAY = 50
NOT_FOUND = "Record not found"
TOO_SOON = "The scheduled date must be at least 5 minutes in the future."
BAD_TIME = "Use a date and time such as 2026-12-24T18:00:00Z."
TOO_MANY_WAITING = f"You have already scheduled {MAX_WAITING} posts, the most allowed."
TOO_MANY_THAT_DAY = f"You have already scheduled {MAX_PER_DAY} posts for that day."
MEDIA_UNUSABLE = "One of the files does not exist, is still processing, or is already used."


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledView:
    """A scheduled status with its reserved uploads (in the order the post will show them)."""

    scheduled: ScheduledStatus
    media: list[Media]

    @property
    def params(self) -> dict[str, Any]:
        """Mastodon's `params` of the scheduled status."""
        return self.scheduled.params

    @property
    def scheduled_at(self) -> datetime:
        """When it will be published (UTC)."""
        when = from_db(self.scheduled.scheduled_at)
        assert when is not None
        return when


def parse_time(text: str, *, utc_offset_minutes: int = 0) -> datetime:
    """An ISO 8601 date and time as sent (`2026-12-24T18:00:00Z`, with an offset, or without:
    then `utc_offset_minutes` east of UTC applies, 0 by default); Invalid("scheduled_at")."""
    raw = text.strip()
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Invalid.field(FIELD, BAD_TIME) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC) - timedelta(minutes=utc_offset_minutes)
    return when.astimezone(UTC)


def _check_time(when: datetime) -> None:
    if when < utcnow() + MIN_DELAY:
        raise Invalid.field(FIELD, TOO_SOON)


def _poll_params(poll: PollDraft | None) -> dict[str, Any] | None:
    if poll is None:
        return None
    return {
        "options": list(poll.options),
        "expires_in": poll.expires_in,
        "multiple": poll.multiple,
        "hide_totals": poll.hide_totals,
    }


def params_of(
    draft: PostDraft, *, app_id: int | None, idempotency_key: str | None
) -> dict[str, Any]:
    """Mastodon's ScheduledStatus `params` for a draft (ids as strings, unset values null)."""
    return {
        "text": draft.text,
        "poll": _poll_params(draft.poll),
        "media_ids": [str(i) for i in draft.media_ids] or None,
        "sensitive": draft.sensitive,
        "spoiler_text": draft.content_warning or None,
        "visibility": draft.visibility,
        "scheduled_at": None,
        "in_reply_to_id": str(draft.in_reply_to_id) if draft.in_reply_to_id else None,
        "language": draft.language,
        "application_id": str(app_id) if app_id is not None else None,
        "idempotency": idempotency_key,
        "with_rate_limit": False,
    }


async def _check_draft(svc: Services, author: Account, draft: PostDraft) -> list[Media]:
    """What publishing would refuse, checked now; returns the uploads in order."""
    errors = check_text(svc, draft.text, draft.content_warning, has_media=bool(draft.media_ids))
    if draft.visibility is not None and draft.visibility not in VISIBILITIES:
        errors["visibility"] = "Choose who can see this post."
    if draft.poll is not None:
        errors.update(check_poll_with_post(draft.poll, has_media=bool(draft.media_ids)))
    if errors:
        raise Invalid(field_errors=errors)
    ids = list(dict.fromkeys(draft.media_ids))
    if len(ids) > MAX_ATTACHMENTS:
        raise Invalid.field(MEDIA_FIELD, TOO_MANY)
    async with svc.db.read() as conn:
        if draft.in_reply_to_id is not None:
            try:
                await visible_post(conn, author.id, draft.in_reply_to_id)
            except (NotFound, Gone):
                raise Invalid.field("in_reply_to_id", NO_PARENT) from None
        found = await media_storage.get_many(conn, ids) if ids else {}
    media = [found[i] for i in ids if i in found]
    usable = all(
        m.account_id == author.id
        and m.post_id is None
        and m.remote_url is None
        and m.scheduled_status_id is None
        and m.state == "ready"
        for m in media
    )
    if len(media) < len(ids) or not usable:
        raise Invalid.field(MEDIA_FIELD, MEDIA_UNUSABLE)
    check_attachments(media)
    return media


def _day_bounds(when: datetime) -> tuple[str, str]:
    start = when.replace(hour=0, minute=0, second=0, microsecond=0)
    return to_db(start), to_db(start + timedelta(days=1))


async def _enqueue_publish(svc: Services, tx: Any, scheduled: ScheduledStatus) -> None:
    when = from_db(scheduled.scheduled_at)
    assert when is not None
    await job_store.enqueue(
        tx,
        JOB_KIND,
        {"id": scheduled.id, "at": scheduled.scheduled_at},
        dedupe_key=f"{JOB_KIND}:{scheduled.id}:{scheduled.scheduled_at}",
        delay=max(when - utcnow(), timedelta(0)),
    )
    tx.on_commit(svc.jobs.wake)


async def schedule_status(
    svc: Services,
    author: Account,
    draft: PostDraft,
    *,
    scheduled_at: datetime,
    app_id: int | None = None,
    idempotency_key: str | None = None,
) -> ScheduledView:
    """Schedule a post for `scheduled_at` (Invalid naming the field when it cannot be).

    A repeated Idempotency-Key answers the scheduled status made the first time. Writes the row,
    reserves the uploads and queues the `publish_scheduled` job, in one transaction.
    """
    key = (idempotency_key or "").strip()[:255] or None
    if key is not None:
        async with svc.db.read() as conn:
            earlier = await scheduled_store.get_by_idempotency_key(conn, author.id, key)
        if earlier is not None:
            return await _view(svc, earlier)
    _check_time(scheduled_at)
    draft = replace(draft, language=check_language(draft.language))
    media = await _check_draft(svc, author, draft)
    params = params_of(
        replace(draft, media_ids=tuple(m.id for m in media)), app_id=app_id, idempotency_key=key
    )
    at = to_db(scheduled_at)
    start, end = _day_bounds(scheduled_at)
    async with svc.db.write() as tx:
        total, that_day = await scheduled_store.count_scheduled(
            tx, author.id, day_start=start, day_end=end
        )
        if total >= MAX_WAITING:
            raise Invalid.field(FIELD, TOO_MANY_WAITING)
        if that_day >= MAX_PER_DAY:
            raise Invalid.field(FIELD, TOO_MANY_THAT_DAY)
        scheduled = await scheduled_store.insert_scheduled(
            tx,
            scheduled_id=new_id(),
            account_id=author.id,
            scheduled_at=at,
            params_json=json.dumps(params, separators=(",", ":")),
            media_ids=[m.id for m in media],
            idempotency_key=key,
        )
        if scheduled is not None:
            await _enqueue_publish(svc, tx, scheduled)
        elif key is not None:
            scheduled = await scheduled_store.get_by_idempotency_key(tx, author.id, key)
    assert scheduled is not None
    return await _view(svc, scheduled)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledComposed:
    """The compose form's outcome: the scheduled post (None when refused), the stored files,
    and field errors."""

    scheduled: ScheduledView | None
    media: tuple[Media, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)


def _offset(raw: str) -> int:
    """Minutes east of UTC sent by the form's script (`utc_offset`); 0 (UTC) when absent."""
    text = raw.strip()
    number = text[1:] if text.startswith("-") else text
    if not number.isdigit() or int(number) > 18 * 60:
        return 0
    return int(text)


async def schedule_with_media(
    svc: Services,
    author: Account,
    draft: PostDraft,
    uploads: Sequence[UploadInput] = (),
    *,
    kept_ids: Sequence[int] = (),
    when: str,
    utc_offset: str = "",
) -> ScheduledComposed:
    """The compose form's "Publish later": store the new files, then schedule the post with them
    and the kept earlier uploads for `when` (a date and time in the form's time zone, UTC unless
    `utc_offset` says otherwise). Refusals come back as field errors, files kept."""
    media, errors = await prepare_media(svc, author, uploads, kept_ids=kept_ids)
    if errors:
        return ScheduledComposed(scheduled=None, media=tuple(media), errors=errors)
    try:
        at = parse_time(when, utc_offset_minutes=_offset(utc_offset))
        view = await schedule_status(
            svc, author, replace(draft, media_ids=tuple(m.id for m in media)), scheduled_at=at
        )
    except Invalid as exc:
        return ScheduledComposed(
            scheduled=None,
            media=tuple(media),
            errors=exc.field_errors or {"_form": exc.safe_message},
        )
    return ScheduledComposed(scheduled=view, media=tuple(media))


async def _view(svc: Services, scheduled: ScheduledStatus) -> ScheduledView:
    return (await _views(svc, [scheduled]))[0]


async def _views(svc: Services, rows: list[ScheduledStatus]) -> list[ScheduledView]:
    async with svc.db.read() as conn:
        media = await scheduled_store.media_of(conn, [s.id for s in rows])
    out = []
    for row in rows:
        order = [int(i) for i in row.params.get("media_ids") or ()]
        mine = {m.id: m for m in media.get(row.id, [])}
        out.append(ScheduledView(scheduled=row, media=[mine[i] for i in order if i in mine]))
    return out


async def list_scheduled(svc: Services, account_id: int, window: Window) -> Paged[ScheduledView]:
    """The account's scheduled statuses by id, newest first (Link-paginated in the API)."""
    async with svc.db.read() as conn:
        rows = await scheduled_store.list_scheduled(
            conn,
            account_id,
            max_id=window.max_id,
            low=window.low,
            ascending=window.min_id is not None and window.max_id is None,
            limit=window.limit,
        )
    return Paged(items=await _views(svc, rows), cursor_ids=[r.id for r in rows])


async def upcoming(svc: Services, account_id: int) -> list[ScheduledView]:
    """Every scheduled status of the account, soonest first (Settings → Scheduled posts)."""
    async with svc.db.read() as conn:
        rows = await scheduled_store.list_scheduled_by_time(conn, account_id, limit=MAX_WAITING)
    return await _views(svc, rows)


async def _own(conn: Any, account_id: int, scheduled_id: int) -> ScheduledStatus:
    found = await scheduled_store.get_scheduled(conn, scheduled_id)
    if found is None or found.account_id != account_id:
        raise NotFound(NOT_FOUND)
    return found


async def get_scheduled(svc: Services, account_id: int, scheduled_id: int) -> ScheduledView:
    """One of the account's scheduled statuses (NotFound otherwise)."""
    async with svc.db.read() as conn:
        found = await _own(conn, account_id, scheduled_id)
    return await _view(svc, found)


async def reschedule(
    svc: Services, account_id: int, scheduled_id: int, scheduled_at: datetime
) -> ScheduledView:
    """Move one's scheduled status to another time (at least five minutes ahead, within the
    daily limit); queues the job for the new time."""
    _check_time(scheduled_at)
    at = to_db(scheduled_at)
    start, end = _day_bounds(scheduled_at)
    async with svc.db.write() as tx:
        found = await _own(tx, account_id, scheduled_id)
        if found.scheduled_at != at:
            _, that_day = await scheduled_store.count_scheduled(
                tx, account_id, day_start=start, day_end=end
            )
            if that_day >= MAX_PER_DAY:
                raise Invalid.field(FIELD, TOO_MANY_THAT_DAY)
            await scheduled_store.update_scheduled_at(tx, found.id, at)
            found = replace(found, scheduled_at=at)
            await _enqueue_publish(svc, tx, found)
    return await _view(svc, found)


async def cancel_scheduled(svc: Services, account_id: int, scheduled_id: int) -> None:
    """Cancel one's scheduled status; its uploads become ordinary (expiring) uploads again."""
    async with svc.db.write() as tx:
        found = await _own(tx, account_id, scheduled_id)
        await scheduled_store.delete_scheduled(tx, found.id)
