"""Follow options (Mastodon's `reblogs`, `notify`, `languages`): changing them, and who gets a
`status` notification when an account posts.

Boosts hidden and languages chosen keep posts out of the follower's home feed at the moment a
feed row is written (a trigger, migration 0015), whichever path writes it; turning boosts off
also takes the account's boosts already there out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.moderation.blocks import account_by_acct
from fedi.storage import follow_options as options_store
from fedi.storage import follows as follow_store
from fedi.storage.db import Conn
from fedi.storage.rows import Account, Follow, Post

logger = logging.getLogger(__name__)

NOT_FOLLOWING = "You do not follow this account."
MAX_LANGUAGES = 20
NOTIFIED_VISIBILITIES = ("public", "unlisted", "private")


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowOptions:
    """A change of options; None leaves an option as it is (`languages=()` means all)."""

    reblogs: bool | None = None
    notify: bool | None = None
    languages: Sequence[str] | None = None

    @property
    def empty(self) -> bool:
        """Whether nothing would change."""
        return self.reblogs is None and self.notify is None and self.languages is None


def check_languages(languages: Sequence[str]) -> list[str]:
    """ISO 639 codes as sent, without repeats; Invalid("languages") for anything else."""
    found: list[str] = []
    for raw in languages:
        code = raw.strip()
        if not code:
            continue
        if not (code.replace("-", "").isalnum() and code.isascii() and 2 <= len(code) <= 16):
            raise Invalid.field("languages", f"{code[:20]} is not a language code.")
        if code not in found:
            found.append(code)
    if len(found) > MAX_LANGUAGES:
        raise Invalid.field("languages", f"Choose at most {MAX_LANGUAGES} languages.")
    return found


def follow_languages(follow: Follow | None) -> list[str] | None:
    """The languages a follow is limited to; None for every language."""
    if follow is None or not follow.languages:
        return None
    return [str(code) for code in json.loads(follow.languages)] or None


async def set_follow_options(
    svc: Services, follower: Account, target_id: int, options: FollowOptions
) -> Follow:
    """Change the options of the follower's follow (or request) of `target_id`.

    One transaction: the options, and when boosts are turned off the target's boosts already in
    the follower's home feed taken out. NotFound when there is no follow or request.
    """
    languages = None if options.languages is None else check_languages(options.languages)
    async with svc.db.write() as tx:
        follow = await follow_store.get_follow(tx, follower.id, target_id)
        if follow is None:
            raise NotFound(NOT_FOLLOWING)
        reblogs = bool(follow.show_reblogs) if options.reblogs is None else options.reblogs
        notify = bool(follow.notify) if options.notify is None else options.notify
        chosen = follow_languages(follow) if languages is None else languages
        await options_store.update_follow_options(
            tx, follower.id, target_id, show_reblogs=reblogs, notify=notify, languages=chosen
        )
        if follow.show_reblogs and not reblogs:
            await options_store.remove_boosts_from_feed(tx, follower.id, target_id)
        changed = await follow_store.get_follow(tx, follower.id, target_id)
    assert changed is not None
    logger.info(
        "follow options by=%s target=%s reblogs=%s notify=%s",
        follower.id,
        target_id,
        reblogs,
        notify,
    )
    return changed


async def set_follow_options_by_acct(
    svc: Services, follower: Account, acct: str, options: FollowOptions
) -> tuple[Account, Follow]:
    """`set_follow_options` for the account with this handle (`name` or `name@host`)."""
    target = await account_by_acct(svc, acct)
    return target, await set_follow_options(svc, follower, target.id, options)


def wants_status_notice(post: Post) -> bool:
    """Whether followers who asked may hear of this post: a new post (no boost) that is not a
    reply to someone else, public, unlisted or followers-only (as Mastodon)."""
    if post.reblog_of_id is not None or post.visibility not in NOTIFIED_VISIBILITIES:
        return False
    return post.in_reply_to_id is None or post.in_reply_to_account_id == post.account_id


def status_recipients(
    post: Post, subscribers: Collection[int], *, already: Collection[int] = ()
) -> list[int]:
    """Which of the author's status subscribers get a `status` notification for this post
    (none for boosts, replies to others, direct posts; not the author nor those `already`
    notified)."""
    if not wants_status_notice(post):
        return []
    return [a for a in subscribers if a != post.account_id and a not in already]


async def status_notice_recipients(
    conn: Conn, post: Post, *, already: Collection[int] = ()
) -> list[int]:
    """Local followers of the post's author who get a `status` notification for it, leaving out
    the author and those `already` notified (mentioned, replied to); one query, none for posts
    that notify nobody."""
    if not wants_status_notice(post):
        return []
    found = await options_store.list_status_subscribers(conn, post.account_id)
    return status_recipients(post, found, already=already)
