"""Profiles, read side: the profile header, follower/following lists and follow requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fedi.context import Services
from fedi.errors import Gone, NotFound
from fedi.moderation.relations import relation_facts
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import posts as post_store
from fedi.storage.clock import from_db, utcnow
from fedi.storage.db import Conn
from fedi.storage.rows import Account, Follow
from fedi.text import plain_text

PAGE_SIZE = 40
EXCERPT_CHARS = 160


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileField:
    """One name/value pair shown under the bio; `value_html` was sanitized when saved."""

    name: str
    value_html: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Relationship:
    """How the viewer relates to the account shown (all False for a logged-out viewer)."""

    is_self: bool = False
    following: bool = False
    requested: bool = False
    followed_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    showing_reblogs: bool = True
    """Follow options of the viewer's follow (or request): boosts shown, new posts notified."""
    notifying: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountCard:
    """What a list of accounts shows for each one."""

    account: Account
    handle: str
    path: str
    bio_excerpt: str

    @property
    def name(self) -> str:
        return self.account.name


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileView:
    """The profile header of one account, as seen by one viewer."""

    account: Account
    handle: str
    path: str
    fields: list[ProfileField]
    joined: datetime
    posts_count: int
    followers_count: int
    following_count: int
    pending_requests: int
    relationship: Relationship

    @property
    def name(self) -> str:
        return self.account.name


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountListPage:
    """A page of followers or followed accounts, with the profile they belong to."""

    profile: ProfileView
    cards: list[AccountCard]
    next_max_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FollowRequestView:
    """A pending follow request waiting for the viewer's answer."""

    follow_id: int
    card: AccountCard
    requested_at: datetime


def account_handle(svc: Services, account: Account) -> str:
    """`name@domain` for any account; local ones use this instance's domain."""
    return f"{account.username}@{account.domain or svc.config.instance.domain}"


def account_path(account: Account) -> str:
    """The page of an account: `/@name` for local accounts, its remote URL otherwise."""
    return f"/@{account.username}" if account.local else (account.url or account.uri)


def account_card(svc: Services, account: Account) -> AccountCard:
    """The list-entry view of an account (pure; no queries)."""
    bio = plain_text(account.note_html).replace("\n", " ")
    if len(bio) > EXCERPT_CHARS:
        bio = bio[: EXCERPT_CHARS - 1].rstrip() + "…"
    return AccountCard(
        account=account,
        handle=account_handle(svc, account),
        path=account_path(account),
        bio_excerpt=bio,
    )


def visible_post_kinds(*, is_self: bool, follows: bool) -> tuple[str, ...]:
    """Which visibilities of an account's posts count on its profile for this viewer."""
    if is_self:
        return ("public", "unlisted", "private", "direct")
    if follows:
        return ("public", "unlisted", "private")
    return ("public", "unlisted")


def check_viewable(account: Account | None, username: str) -> Account:
    """The account if its profile may be shown; NotFound or Gone otherwise."""
    if account is None or account.suspended_at:
        raise NotFound(f"No user @{username} here.")
    if account.deleted_at:
        raise Gone(f"@{account.username} has deleted their account.")
    return account


async def find_profile_account(conn: Conn, username: str) -> Account:
    """A local account whose profile may be shown, by username (NotFound/Gone otherwise)."""
    return check_viewable(await account_store.get_local_account(conn, username), username)


async def relationship_with(conn: Conn, viewer_id: int | None, account: Account) -> Relationship:
    """How the viewer relates to an account: follows both ways, blocks both ways, mute."""
    if viewer_id is None:
        return Relationship()
    if viewer_id == account.id:
        return Relationship(is_self=True)
    rows = await follow_store.relationship_rows(conn, viewer_id, account.id)
    facts = (await relation_facts(conn, viewer_id, [account.id]))[account.id]
    outgoing = next((f for f in rows if f.account_id == viewer_id), None)
    incoming = next((f for f in rows if f.account_id == account.id), None)
    return Relationship(
        following=outgoing is not None and outgoing.state == "accepted",
        requested=outgoing is not None and outgoing.state == "pending",
        followed_by=incoming is not None and incoming.state == "accepted",
        blocking=facts.blocking,
        blocked_by=facts.blocked_by,
        muting=facts.muting,
        showing_reblogs=outgoing is None or bool(outgoing.show_reblogs),
        notifying=outgoing is not None and bool(outgoing.notify),
    )


async def _profile(
    svc: Services, conn: Conn, viewer_id: int | None, account: Account
) -> ProfileView:
    relationship = await relationship_with(conn, viewer_id, account)
    kinds = visible_post_kinds(is_self=relationship.is_self, follows=relationship.following)
    fields = [
        ProfileField(name=str(f.get("name", "")), value_html=str(f.get("value_html", "")))
        for f in account.fields
    ]
    return ProfileView(
        account=account,
        handle=account_handle(svc, account),
        path=account_path(account),
        fields=fields,
        joined=from_db(account.created_at) or utcnow(),
        posts_count=await post_store.count_account_posts(conn, account.id, visibilities=kinds),
        followers_count=await follow_store.count_followers(conn, account.id),
        following_count=await follow_store.count_following(conn, account.id),
        pending_requests=(
            await follow_store.count_requests(conn, account.id) if relationship.is_self else 0
        ),
        relationship=relationship,
    )


async def get_profile(svc: Services, viewer_id: int | None, username: str) -> ProfileView:
    """The profile header of a local account for this viewer (NotFound, Gone when deleted)."""
    async with svc.db.read() as conn:
        account = await find_profile_account(conn, username)
        return await _profile(svc, conn, viewer_id, account)


async def _cards(
    svc: Services, conn: Conn, follows: list[Follow], *, outgoing: bool
) -> list[AccountCard]:
    ids = [f.target_account_id if outgoing else f.account_id for f in follows]
    accounts = await account_store.get_accounts(conn, ids)
    return [
        account_card(svc, accounts[i])
        for i in ids
        if i in accounts and not accounts[i].suspended_at and not accounts[i].deleted_at
    ]


def _next_max_id(follows: list[Follow], limit: int) -> int | None:
    return follows[-1].id if len(follows) >= limit else None


async def _follow_list_page(
    svc: Services,
    viewer_id: int | None,
    username: str,
    *,
    outgoing: bool,
    max_id: int | None,
    limit: int,
) -> AccountListPage:
    """One page of an account's followers (or, `outgoing`, of the accounts it follows); none
    for anyone but the account itself when it hides them (`hide_collections`)."""
    listing = follow_store.list_following if outgoing else follow_store.list_followers
    async with svc.db.read() as conn:
        account = await find_profile_account(conn, username)
        profile = await _profile(svc, conn, viewer_id, account)
        if account.hide_collections and viewer_id != account.id:
            return AccountListPage(profile=profile, cards=[], next_max_id=None)
        follows = await listing(conn, account.id, max_id=max_id, limit=limit)
        cards = await _cards(svc, conn, follows, outgoing=outgoing)
    return AccountListPage(profile=profile, cards=cards, next_max_id=_next_max_id(follows, limit))


async def list_followers_page(
    svc: Services,
    viewer_id: int | None,
    username: str,
    *,
    max_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> AccountListPage:
    """Accounts following `username`, newest follow first, paged by follow id."""
    return await _follow_list_page(
        svc, viewer_id, username, outgoing=False, max_id=max_id, limit=limit
    )


async def list_following_page(
    svc: Services,
    viewer_id: int | None,
    username: str,
    *,
    max_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> AccountListPage:
    """Accounts `username` follows, newest follow first, paged by follow id."""
    return await _follow_list_page(
        svc, viewer_id, username, outgoing=True, max_id=max_id, limit=limit
    )


async def list_follow_requests(
    svc: Services, viewer_id: int, *, max_id: int | None = None, limit: int = PAGE_SIZE
) -> list[FollowRequestView]:
    """Pending requests to follow the viewer, newest first."""
    async with svc.db.read() as conn:
        follows = await follow_store.list_followers(
            conn, viewer_id, state="pending", max_id=max_id, limit=limit
        )
        accounts = await account_store.get_accounts(conn, [f.account_id for f in follows])
    return [
        FollowRequestView(
            follow_id=f.id,
            card=account_card(svc, accounts[f.account_id]),
            requested_at=from_db(f.created_at) or utcnow(),
        )
        for f in follows
        if f.account_id in accounts
    ]
