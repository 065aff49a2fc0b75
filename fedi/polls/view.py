"""What a reader sees of a poll: options with counts and shares, whether it ended, their votes.

Built from the stored poll and the viewer's own votes (both batch-loaded with a page of posts),
without I/O; the web page and the Mastodon Poll entity both read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from fedi.storage.clock import from_db, now_db
from fedi.storage.polls import Poll

__all__ = ["OptionView", "Poll", "PollView", "is_expired", "poll_view"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionView:
    """One option: its index (what a vote sends), title, count (None while totals are hidden),
    share of the votes in whole percent, and whether the viewer chose it."""

    index: int
    title: str
    votes: int | None
    percent: int
    chosen: bool = False
    leading: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PollView:
    """A poll as one viewer sees it (`id` is the post's id, as the API's Poll id)."""

    id: int
    options: tuple[OptionView, ...]
    multiple: bool
    expires_at: str | None
    expired: bool
    votes_count: int
    voters_count: int | None
    voted: bool
    own_votes: tuple[int, ...]
    own: bool
    logged_in: bool
    totals_hidden: bool

    @property
    def can_vote(self) -> bool:
        """A logged-in reader who has not voted, in someone else's running poll."""
        return self.logged_in and not self.own and not self.voted and not self.expired

    @property
    def show_results(self) -> bool:
        """Results show to everyone who cannot vote (anymore)."""
        return not self.can_vote

    @property
    def ends_label(self) -> str:
        """`Closes 22 Nov 2026, 10:00 UTC` / `Closed ...` / ''."""
        if not self.expires_at:
            return "Closed" if self.expired else ""
        return ("Closed " if self.expired else "Closes ") + _time_label(self.expires_at)

    @property
    def people_label(self) -> str:
        """`3 people` (or `3 votes` for a single-choice poll)."""
        if self.multiple and self.voters_count is not None:
            n = self.voters_count
            return f"{n} {'person' if n == 1 else 'people'}"
        n = self.votes_count
        return f"{n} {'vote' if n == 1 else 'votes'}"


def is_expired(poll: Poll, now: str | None = None) -> bool:
    """Whether a poll has ended (its end time passed, or its server said it is closed)."""
    if poll.closed_at is not None:
        return True
    return poll.expires_at is not None and poll.expires_at <= (now or now_db())


def _time_label(stored: str) -> str:
    """`22 Nov 2026, 10:00 UTC` (the posts' format; posts_view imports this module)."""
    when = from_db(stored)
    assert when is not None
    when = when.astimezone(UTC)
    return f"{when.day} {when:%b %Y, %H:%M} UTC"


def poll_view(
    poll: Poll,
    *,
    author_id: int,
    viewer_id: int | None,
    own_votes: tuple[int, ...] = (),
    now: str | None = None,
) -> PollView:
    """The view of a poll for one viewer (None: logged out)."""
    expired = is_expired(poll, now)
    own = viewer_id is not None and viewer_id == author_id
    hidden = poll.hide_totals and not expired and not own
    total = sum(poll.votes)
    denominator = poll.voters_count if poll.multiple else total
    top = max(poll.votes, default=0)
    options = tuple(
        OptionView(
            index=i,
            title=title,
            votes=None if hidden else count,
            percent=0 if hidden or not denominator else round(100 * count / denominator),
            chosen=i in own_votes,
            leading=not hidden and expired and count == top and top > 0,
        )
        for i, (title, count) in enumerate(zip(poll.options, poll.votes, strict=True))
    )
    return PollView(
        id=poll.post_id,
        options=options,
        multiple=poll.multiple,
        expires_at=poll.expires_at,
        expired=expired,
        votes_count=total,
        voters_count=poll.voters_count if poll.multiple else None,
        voted=own or bool(own_votes),
        own_votes=tuple(own_votes),
        own=own,
        logged_in=viewer_id is not None,
        totals_hidden=hidden,
    )
