"""Instance announcements: administrators write, publish, withdraw and delete them; users read
them (the API and the home page banner), dismiss them and react with emoji.

An announcement is shown while it is published and has not ended (`ends_at` passed: Mastodon
unpublishes it then); `starts_at`/`ends_at`/`all_day` describe the event it is about. Its
Markdown is rendered and sanitised once, when saved, like a post's. Every change is published
after commit on the `announcements` topic, which every user stream listens to.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import regex

from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.errors import Forbidden, Invalid, NotFound
from fedi.events import AnnouncementChanged, publish_after_commit
from fedi.outbox.posts import render_text
from fedi.storage import accounts as account_store
from fedi.storage import announcements as store
from fedi.storage.announcements import Announcement, AnnouncementRead, ReactionCount
from fedi.storage.clock import now_db, to_db
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account

logger = logging.getLogger(__name__)

NOT_FOUND = "Record not found"
ADMINS_ONLY = "Only administrators can manage announcements."
MAX_TEXT = 5_000
MAX_REACTIONS = 8
"""Distinct emoji per announcement, as Mastodon allows."""
NOT_EMOJI = "is not a recognized emoji"
TOO_MANY_REACTIONS = "Limit of different reactions reached"
KNOWN_KEY = "announcements_known"

# One unicode emoji: a keycap, a flag (two regional indicators), or pictographs with optional
# presentation selector and skin tone, tag sequences (subdivision flags), joined by ZWJ.
_PICTO = r"(?:\p{Extended_Pictographic}|\p{Emoji_Presentation})[\uFE0F\p{Emoji_Modifier}]*"
_EMOJI = regex.compile(
    r"^(?:[#*0-9]\uFE0F?\u20E3|\p{Regional_Indicator}{2}|"
    + _PICTO
    + r"(?:[\U000E0020-\U000E007E]+\U000E007F)?(?:\u200D"
    + _PICTO
    + r")*)$"
)


def is_unicode_emoji(name: str) -> bool:
    """Whether `name` is exactly one unicode emoji (with its modifiers and joiners)."""
    return len(name) <= 32 and bool(_EMOJI.match(name))


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnouncementDraft:
    """What an administrator writes: Markdown text and an optional event time range, as typed
    (ISO 8601; a time without zone is UTC)."""

    text: str
    starts_at: str = ""
    ends_at: str = ""
    all_day: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AnnouncementView:
    """An announcement as one reader sees it."""

    announcement: Announcement
    read: bool = False
    reactions: list[ReactionCount] = field(default_factory=list)
    mentions: list[Account] = field(default_factory=list)

    @property
    def id(self) -> int:
        """The announcement's id."""
        return self.announcement.id

    @property
    def content_html(self) -> str:
        """The announcement's sanitised HTML."""
        return self.announcement.content_html


def _require_admin(viewer: Viewer) -> None:
    if viewer.role != "admin":
        raise Forbidden(ADMINS_ONLY)


def _parse_time(value: str, name: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid.field(name, "Enter a date and time such as 2026-12-24T18:00.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_db(moment)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Checked:
    text: str
    starts_at: str | None
    ends_at: str | None
    all_day: bool


def _check(draft: AnnouncementDraft) -> _Checked:
    errors: dict[str, str] = {}
    text = draft.text.strip()
    if not text:
        errors["text"] = "Write the announcement."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"The announcement is {len(text)} characters; the limit is {MAX_TEXT}."
    starts = ends = None
    try:
        starts = _parse_time(draft.starts_at, "starts_at")
    except Invalid as exc:
        errors.update(exc.field_errors)
    try:
        ends = _parse_time(draft.ends_at, "ends_at")
    except Invalid as exc:
        errors.update(exc.field_errors)
    if starts and not ends and "ends_at" not in errors:
        errors["ends_at"] = "Give the end too, or leave both times empty."
    if ends and not starts and "starts_at" not in errors:
        errors["starts_at"] = "Give the start too, or leave both times empty."
    if starts and ends and ends <= starts:
        errors["ends_at"] = "The end must come after the start."
    if errors:
        raise Invalid(field_errors=errors)
    return _Checked(text=text, starts_at=starts, ends_at=ends, all_day=draft.all_day)


async def _render(svc: Services, text: str) -> tuple[str, list[int], list[str]]:
    async with svc.db.read() as conn:
        rendered = await render_text(svc, conn, text)
    return rendered.html, [a.id for a in rendered.mentioned if a.local], rendered.tags


class _Known:
    """Whether this process knows there is no current announcement (so the home page need not
    ask the database), and a version bumped by every change made here."""

    def __init__(self) -> None:
        self.version = 0
        self.none_at: int | None = None

    def changed(self) -> None:
        """Forget what is known (an announcement was written in this process)."""
        self.version += 1
        self.none_at = None


def _known(svc: Services) -> _Known:
    found = svc.extras.get(KNOWN_KEY)
    if not isinstance(found, _Known):
        found = svc.extras[KNOWN_KEY] = _Known()
    return found


def _changed(svc: Services, tx: Tx, event: str, announcement_id: int) -> None:
    publish_after_commit(svc, tx, AnnouncementChanged(event=event, announcement_id=announcement_id))


def _written(svc: Services, tx: Tx) -> None:
    tx.on_commit(_known(svc).changed)


# --- administration ---------------------------------------------------------------------------


async def admin_announcements(svc: Services, viewer: Viewer) -> list[Announcement]:
    """Every announcement, newest first (administrators only)."""
    _require_admin(viewer)
    async with svc.db.read() as conn:
        return await store.list_announcements(conn)


async def get_for_admin(svc: Services, viewer: Viewer, announcement_id: int) -> Announcement:
    """One announcement to edit (administrators only; NotFound if there is none)."""
    _require_admin(viewer)
    async with svc.db.read() as conn:
        found = await store.get_announcement(conn, announcement_id)
    if found is None:
        raise NotFound("There is no such announcement.")
    return found


async def create_announcement(
    svc: Services, viewer: Viewer, draft: AnnouncementDraft, *, publish: bool
) -> int:
    """Save a new announcement, published at once or as a draft; return its id.

    One write; publishing streams `announcement` to every user after commit.
    """
    _require_admin(viewer)
    checked = _check(draft)
    html, mentions, tags = await _render(svc, checked.text)
    announcement_id = new_id()
    async with svc.db.write() as tx:
        await store.insert_announcement(
            tx,
            id=announcement_id,
            text=checked.text,
            content_html=html,
            mention_ids=mentions,
            tags=tags,
            starts_at=checked.starts_at,
            ends_at=checked.ends_at,
            all_day=checked.all_day,
            published_at=now_db() if publish else None,
        )
        _written(svc, tx)
        if publish:
            _changed(svc, tx, "announcement", announcement_id)
    logger.info("announcement created id=%s published=%s", announcement_id, publish)
    return announcement_id


async def update_announcement(
    svc: Services, viewer: Viewer, announcement_id: int, draft: AnnouncementDraft
) -> None:
    """Change an announcement's text and times (a published one streams again)."""
    _require_admin(viewer)
    checked = _check(draft)
    html, mentions, tags = await _render(svc, checked.text)
    async with svc.db.write() as tx:
        current = await store.get_announcement(tx, announcement_id)
        if current is None:
            raise NotFound("There is no such announcement.")
        await store.update_announcement(
            tx,
            announcement_id,
            text=checked.text,
            content_html=html,
            mention_ids=mentions,
            tags=tags,
            starts_at=checked.starts_at,
            ends_at=checked.ends_at,
            all_day=checked.all_day,
        )
        _written(svc, tx)
        if current.published_at:
            _changed(svc, tx, "announcement", announcement_id)


async def set_published(
    svc: Services, viewer: Viewer, announcement_id: int, *, published: bool
) -> Announcement:
    """Publish or withdraw an announcement (idempotent); streams `announcement` or
    `announcement.delete` after commit."""
    _require_admin(viewer)
    async with svc.db.write() as tx:
        current = await store.get_announcement(tx, announcement_id)
        if current is None:
            raise NotFound("There is no such announcement.")
        if bool(current.published_at) != published:
            await store.set_published(tx, announcement_id, now_db() if published else None)
            _written(svc, tx)
            _changed(
                svc, tx, "announcement" if published else "announcement.delete", announcement_id
            )
    return current


async def delete_announcement(svc: Services, viewer: Viewer, announcement_id: int) -> None:
    """Delete an announcement with its reactions and dismissals; streams `announcement.delete`."""
    _require_admin(viewer)
    async with svc.db.write() as tx:
        current = await store.get_announcement(tx, announcement_id)
        if current is None:
            raise NotFound("There is no such announcement.")
        await store.delete_announcement(tx, announcement_id)
        _written(svc, tx)
        if current.published_at:
            _changed(svc, tx, "announcement.delete", announcement_id)


# --- reading ----------------------------------------------------------------------------------


async def current_announcements(
    svc: Services, viewer_id: int | None, *, with_dismissed: bool = True
) -> list[AnnouncementView]:
    """Published announcements that have not ended, oldest first, with the viewer's `read`
    state and reactions; without `with_dismissed`, those the viewer dismissed are left out.

    No query at all once this process knows there is none (every home page asks): only a
    change made here can make one current again (an ended one stays ended).
    """
    known = _known(svc)
    if known.none_at == known.version:
        return []
    version = known.version
    async with svc.db.read() as conn:
        found = await store.list_current(conn, viewer_id, now_db())
        if not found:
            if known.version == version:
                known.none_at = version
            return []
        found = [f for f in found if with_dismissed or not f.read]
        mention_ids = sorted({i for f in found for i in f.announcement.mentioned})
        accounts = await account_store.get_accounts(conn, mention_ids) if mention_ids else {}
    return [_view(f, accounts) for f in found]


async def current_announcement(
    svc: Services, viewer_id: int | None, announcement_id: int
) -> AnnouncementView | None:
    """One published, current announcement as the viewer sees it; None otherwise."""
    for view in await current_announcements(svc, viewer_id):
        if view.id == announcement_id:
            return view
    return None


def _view(found: AnnouncementRead, accounts: dict[int, Account]) -> AnnouncementView:
    return AnnouncementView(
        announcement=found.announcement,
        read=found.read,
        reactions=found.reactions,
        mentions=[
            accounts[i]
            for i in found.announcement.mentioned
            if i in accounts and not accounts[i].deleted_at and not accounts[i].suspended_at
        ],
    )


async def _current(tx: Tx, announcement_id: int) -> Announcement:
    found = await store.get_current(tx, announcement_id, now_db())
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


async def dismiss_announcement(svc: Services, viewer_id: int, announcement_id: int) -> None:
    """Mark a current announcement read for the viewer (idempotent; NotFound otherwise)."""
    async with svc.db.write() as tx:
        await _current(tx, announcement_id)
        await store.mark_read(tx, viewer_id, announcement_id)


async def add_reaction(svc: Services, viewer_id: int, announcement_id: int, name: str) -> None:
    """React to a current announcement with a unicode emoji (idempotent).

    Invalid("name") for anything but one unicode emoji, or a new emoji once eight different
    ones are in use; streams `announcement.reaction` with the new count after commit.
    """
    name = name.strip()
    if not is_unicode_emoji(name):
        raise Invalid.field("name", NOT_EMOJI)
    async with svc.db.write() as tx:
        await _current(tx, announcement_id)
        names = await store.reaction_names(tx, announcement_id)
        if name not in names and len(names) >= MAX_REACTIONS:
            raise Invalid.field("name", TOO_MANY_REACTIONS)
        count = await store.add_reaction(tx, announcement_id, viewer_id, name)
        publish_after_commit(
            svc,
            tx,
            AnnouncementChanged(
                event="announcement.reaction",
                announcement_id=announcement_id,
                reaction=name,
                count=count,
            ),
        )


async def remove_reaction(svc: Services, viewer_id: int, announcement_id: int, name: str) -> None:
    """Withdraw the viewer's reaction (nothing happens when there was none)."""
    name = name.strip()
    async with svc.db.write() as tx:
        await _current(tx, announcement_id)
        count = await store.remove_reaction(tx, announcement_id, viewer_id, name)
        if count is not None:
            publish_after_commit(
                svc,
                tx,
                AnnouncementChanged(
                    event="announcement.reaction",
                    announcement_id=announcement_id,
                    reaction=name,
                    count=count,
                ),
            )
