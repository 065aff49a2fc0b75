"""Whom to follow: accounts followed by the people the viewer follows, then the most-followed
discoverable local accounts. Never the viewer, accounts already followed or requested, blocked or
muted ones, or ones the viewer dismissed."""

from __future__ import annotations

from dataclasses import dataclass

from fedi.context import Services
from fedi.errors import NotFound
from fedi.moderation.relations import hidden_account_ids
from fedi.storage import accounts as account_store
from fedi.storage import suggestions as suggestion_store
from fedi.storage.rows import Account

NOT_FOUND = "Record not found"
FRIENDS_OF_FRIENDS = "friends_of_friends"
MOST_FOLLOWED = "most_followed"
LEGACY_SOURCE = {FRIENDS_OF_FRIENDS: "past_interactions", MOST_FOLLOWED: "global"}
"""Mastodon's deprecated single `source` for each of its `sources`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Suggestion:
    """An account to suggest and why (Mastodon's `sources`)."""

    account: Account
    sources: tuple[str, ...]

    @property
    def source(self) -> str:
        """The deprecated single reason older clients read."""
        return LEGACY_SOURCE.get(self.sources[0], "global")


async def suggestions(svc: Services, viewer: Account, *, limit: int) -> list[Suggestion]:
    """Up to `limit` accounts to suggest, friends of friends first."""
    async with svc.db.read() as conn:
        excluded = set(await hidden_account_ids(conn, viewer.id))
        friends = await suggestion_store.friends_of_friends(
            conn, viewer.id, excluded=excluded, limit=limit
        )
        popular: list[int] = []
        if len(friends) < limit:
            popular = await suggestion_store.most_followed_local(
                conn, viewer.id, excluded=excluded | set(friends), limit=limit - len(friends)
            )
        accounts = await account_store.get_accounts(conn, friends + popular)
    found = [(a, FRIENDS_OF_FRIENDS) for a in friends] + [(a, MOST_FOLLOWED) for a in popular]
    return [
        Suggestion(account=accounts[a], sources=(source,)) for a, source in found if a in accounts
    ]


async def dismiss_suggestion(svc: Services, viewer: Account, account_id: int) -> None:
    """Never suggest this account to the viewer again (NotFound for an unknown account)."""
    async with svc.db.write() as tx:
        if await account_store.get_account(tx, account_id) is None:
            raise NotFound(NOT_FOUND)
        await suggestion_store.dismiss_suggestion(tx, viewer.id, account_id)
