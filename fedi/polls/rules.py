"""What a new poll may be: the limits the instance advertises, and the checks behind them.

The limits are Mastodon's defaults; `GET /api/v1|v2/instance` shows these same numbers
(`configuration.polls`), so apps offer what the server accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

POLL_MAX_OPTIONS = 4
POLL_MAX_CHARACTERS_PER_OPTION = 50
POLL_MIN_EXPIRATION = 300
POLL_MAX_EXPIRATION = 2_629_746
POLL_MIN_OPTIONS = 2

OPTIONS_FIELD = "poll[options]"
EXPIRES_FIELD = "poll[expires_in]"
POLL_FIELD = "poll"

POLL_WITH_MEDIA = "A post cannot have both a poll and attached files."
NEEDS_TEXT = "Write the question of the poll in the post's text."


@dataclass(frozen=True, slots=True, kw_only=True)
class PollDraft:
    """A poll as its author asked for it (not yet validated): option titles in order, how
    many seconds it runs, whether several options may be chosen, whether totals stay hidden
    until it ends. `keep_end` (edits only) keeps the current poll's end instead of a new one."""

    options: tuple[str, ...]
    expires_in: int | None
    multiple: bool = False
    hide_totals: bool = False
    keep_end: bool = False


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{seconds // 60} minutes"


def check_poll(draft: PollDraft) -> dict[str, str]:
    """Field errors of a new poll (Mastodon's rules and limits); empty when it is fine."""
    errors: dict[str, str] = {}
    options = [o.strip() for o in draft.options]
    if len(options) < POLL_MIN_OPTIONS:
        errors[OPTIONS_FIELD] = f"A poll needs at least {POLL_MIN_OPTIONS} options."
    elif len(options) > POLL_MAX_OPTIONS:
        errors[OPTIONS_FIELD] = f"A poll can have at most {POLL_MAX_OPTIONS} options."
    elif any(not o for o in options):
        errors[OPTIONS_FIELD] = "Poll options cannot be empty."
    elif any(len(o) > POLL_MAX_CHARACTERS_PER_OPTION for o in options):
        errors[OPTIONS_FIELD] = (
            f"Each poll option can have at most {POLL_MAX_CHARACTERS_PER_OPTION} characters."
        )
    elif len({o.casefold() for o in options}) < len(options):
        errors[OPTIONS_FIELD] = "Poll options must all be different."
    if draft.keep_end:  # an edit keeping the poll's current end
        return errors
    if draft.expires_in is None:
        errors[EXPIRES_FIELD] = "Choose how long the poll runs."
    elif draft.expires_in < POLL_MIN_EXPIRATION:
        errors[EXPIRES_FIELD] = f"A poll must run for at least {_duration(POLL_MIN_EXPIRATION)}."
    elif draft.expires_in > POLL_MAX_EXPIRATION:
        errors[EXPIRES_FIELD] = "A poll can run for at most a month."
    return errors


def check_poll_with_post(draft: PollDraft, *, has_media: bool) -> dict[str, str]:
    """Field errors of a poll on a new post: its own, and media beside it (Mastodon: 422)."""
    errors = check_poll(draft)
    if draft.keep_end:  # a new poll has no end to keep
        errors[EXPIRES_FIELD] = "Choose how long the poll runs."
    if has_media:
        errors[POLL_FIELD] = POLL_WITH_MEDIA
    return errors


def clean_options(draft: PollDraft) -> tuple[str, ...]:
    """The option titles as stored (trimmed)."""
    return tuple(o.strip() for o in draft.options)
