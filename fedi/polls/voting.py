"""Reading a poll and voting in it: one entry point each, for the API and the web page.

Mastodon's rules: no votes in one's own poll, in an ended poll, or a second time; one choice in a
single-choice poll; every choice an existing option, once. Votes in our polls are counted at
once (and the new tallies sent to other servers, debounced); votes in remote polls are counted
locally at once and sent to the poll's author as Create{Note}.
"""

from __future__ import annotations

from collections.abc import Sequence

from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.polls.federation import queue_tally_update, send_votes, vote_uri
from fedi.polls.view import PollView, is_expired, poll_view
from fedi.storage import polls as poll_store
from fedi.storage.rows import Account
from fedi.visibility import visible_post

CHOICES = "choices"
NO_POLL = "This post has no poll."
NO_CHOICE = "Choose an option."
OWN_POLL = "You cannot vote in your own poll."
ENDED = "This poll has already ended."
ALREADY_VOTED = "You have already voted in this poll."
BAD_CHOICE = "The chosen option does not exist."
DUPLICATE_CHOICE = "Choose each option only once."
ONE_CHOICE = "This poll allows only one choice."


async def get_poll(svc: Services, viewer_id: int | None, post_id: int) -> PollView:
    """The poll of a post the viewer may see (NotFound when hidden or pollless)."""
    async with svc.db.read() as conn:
        post, _ = await visible_post(conn, viewer_id, post_id)
        polls, own = await poll_store.load_polls(conn, viewer_id, [post.id])
    poll = polls.get(post.id)
    if poll is None:
        raise NotFound(NO_POLL)
    return poll_view(
        poll, author_id=post.account_id, viewer_id=viewer_id, own_votes=own.get(post.id, ())
    )


def _check_choices(choices: Sequence[int], options: int, *, multiple: bool) -> None:
    if not choices:
        raise Invalid.field(CHOICES, NO_CHOICE)
    if any(c < 0 or c >= options for c in choices):
        raise Invalid.field(CHOICES, BAD_CHOICE)
    if len(set(choices)) < len(choices):
        raise Invalid.field(CHOICES, DUPLICATE_CHOICE)
    if not multiple and len(choices) > 1:
        raise Invalid.field(CHOICES, ONE_CHOICE)


async def vote(
    svc: Services,
    voter: Account,
    post_id: int,
    choices: Sequence[int],
    *,
    author_username: str | None = None,
) -> PollView:
    """Vote in the poll of a post (option indices); the poll as the voter now sees it.

    Raises NotFound (no visible post or no poll) and Invalid (`choices`: own poll, ended,
    already voted, no/unknown/repeated choices, several in a single-choice poll). Writes the
    votes and new counts in one transaction with the federation work: a tally update queued
    for our polls, the vote Notes queued for the remote author's inbox otherwise.
    """
    wanted = list(choices)
    async with svc.db.read() as conn:
        post, _ = await visible_post(conn, voter.id, post_id, author_username=author_username)
        poll = await poll_store.get_poll(conn, post.id)
    if poll is None:
        raise NotFound(NO_POLL)
    if post.account_id == voter.id:
        raise Invalid.field(CHOICES, OWN_POLL)
    if is_expired(poll):
        raise Invalid.field(CHOICES, ENDED)
    _check_choices(wanted, len(poll.options), multiple=poll.multiple)
    uris = [None if post.local else vote_uri(voter) for _ in wanted]
    async with svc.db.write() as tx:
        recorded = await poll_store.record_votes(
            tx,
            post_id=post.id,
            account_id=voter.id,
            choices=wanted,
            uris=uris,
            recount=bool(post.local),
        )
        if recorded is None:
            raise Invalid.field(CHOICES, ALREADY_VOTED)
        updated, _ = recorded
        if post.local:
            await queue_tally_update(svc, tx, post)
        else:
            sent = [u for u in uris if u is not None]
            await send_votes(svc, tx, voter, post, updated, wanted, sent)
    return poll_view(
        updated, author_id=post.account_id, viewer_id=voter.id, own_votes=tuple(sorted(wanted))
    )
