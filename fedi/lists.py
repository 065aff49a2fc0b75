"""Lists: named groups of followed accounts, each with its own timeline.

Only accounts the owner follows (or asked to follow) can be members; an unfollow or a block takes
them out (a schema trigger does it, whichever path ends the follow). The list timeline is the
slice of the owner's home feed written by members — so it costs one indexed scan and visibility
was already decided at fan-in — with replies kept by the list's `replies_policy` (Mastodon's:
`followed` replies to anyone followed, `list` replies to members, `none` no replies; replies to
the owner and self-replies always). Muted and blocked accounts and `hide` filters of the `home`
context are left out; `warn` matches come back for the statuses' `filtered` field.

`exclusive` lists keep their members' posts and boosts out of the owner's home: the home feed
query leaves them out (`storage.paging.home_posts`, used by the API and the web page alike), and
the user stream asks `exclusive_member_ids`.
"""

from __future__ import annotations

from collections.abc import Sequence

from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.filters import PostPage, apply_filters
from fedi.moderation.relations import hidden_account_ids
from fedi.paging import Paged, Window
from fedi.storage import accounts as account_store
from fedi.storage import lists as list_store
from fedi.storage import posts as post_store
from fedi.storage.db import Conn
from fedi.storage.ids import new_id
from fedi.storage.lists import UserList
from fedi.storage.rows import Account, Post

__all__ = ["REPLIES_POLICIES", "UserList"]

REPLIES_POLICIES = ("followed", "list", "none")
MAX_TITLE = 256
MAX_LISTS = 100
MAX_MEMBERS = 500
NOT_FOUND = "Record not found"
NOT_FOLLOWED = "You must follow an account before adding it to a list"


def _title(value: str | None) -> str:
    title = (value or "").strip()
    if not title:
        raise Invalid.field("title", "can't be blank")
    if len(title) > MAX_TITLE:
        raise Invalid.field("title", f"is too long (maximum is {MAX_TITLE} characters)")
    return title


def _policy(value: str | None) -> str:
    policy = (value or "list").strip()
    if policy not in REPLIES_POLICIES:
        raise Invalid.field("replies_policy", "must be one of " + ", ".join(REPLIES_POLICIES))
    return policy


async def _own_list(conn: Conn, owner: Account, list_id: int) -> UserList:
    found = await list_store.get_list(conn, owner.id, list_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


async def my_lists(svc: Services, owner: Account) -> list[UserList]:
    """The owner's lists, oldest first."""
    async with svc.db.read() as conn:
        return await list_store.list_lists(conn, owner.id)


async def get_list(svc: Services, owner: Account, list_id: int) -> UserList:
    """One of the owner's lists (NotFound for anyone else's)."""
    async with svc.db.read() as conn:
        return await _own_list(conn, owner, list_id)


async def create_list(
    svc: Services,
    owner: Account,
    *,
    title: str | None,
    replies_policy: str | None = None,
    exclusive: bool = False,
) -> UserList:
    """Create a list; Invalid for a blank title or an unknown replies policy."""
    clean_title, policy = _title(title), _policy(replies_policy)
    async with svc.db.write() as tx:
        if len(await list_store.list_lists(tx, owner.id)) >= MAX_LISTS:
            raise Invalid(f"You can have at most {MAX_LISTS} lists.")
        return await list_store.insert_list(
            tx,
            id=new_id(),
            account_id=owner.id,
            title=clean_title,
            replies_policy=policy,
            exclusive=exclusive,
        )


async def update_list(
    svc: Services,
    owner: Account,
    list_id: int,
    *,
    title: str | None = None,
    replies_policy: str | None = None,
    exclusive: bool | None = None,
) -> UserList:
    """Change the given fields of one of the owner's lists."""
    async with svc.db.write() as tx:
        current = await _own_list(tx, owner, list_id)
        new_title = current.title if title is None else _title(title)
        policy = current.replies_policy if replies_policy is None else _policy(replies_policy)
        flag = bool(current.exclusive) if exclusive is None else exclusive
        await list_store.update_list(
            tx, list_id, title=new_title, replies_policy=policy, exclusive=flag
        )
        return await _own_list(tx, owner, list_id)


async def delete_list(svc: Services, owner: Account, list_id: int) -> None:
    """Delete one of the owner's lists."""
    async with svc.db.write() as tx:
        await _own_list(tx, owner, list_id)
        await list_store.delete_list(tx, list_id)


async def list_members(
    svc: Services, owner: Account, list_id: int, window: Window | None
) -> Paged[Account]:
    """The members of a list, newest membership first (all of them when `window` is None)."""
    async with svc.db.read() as conn:
        await _own_list(conn, owner, list_id)
        if window is None:
            rows = await list_store.list_members(conn, list_id, limit=None)
        else:
            rows = await list_store.list_members(
                conn,
                list_id,
                max_id=window.max_id,
                since_id=window.since_id,
                min_id=window.min_id,
                limit=window.limit,
            )
        accounts = await account_store.get_accounts(conn, [a for _, a in rows])
    kept = [(row_id, accounts[a]) for row_id, a in rows if a in accounts]
    return Paged(
        items=[a for _, a in kept if not a.suspended_at and not a.deleted_at],
        cursor_ids=[row_id for row_id, _ in rows],
    )


async def add_members(
    svc: Services, owner: Account, list_id: int, account_ids: Sequence[int]
) -> None:
    """Add accounts the owner follows to a list (NotFound for unknown accounts, Invalid for
    accounts not followed); adding a member twice is fine."""
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        raise Invalid.field("account_ids", "can't be blank")
    async with svc.db.write() as tx:
        await _own_list(tx, owner, list_id)
        known = await account_store.get_accounts(tx, wanted)
        if len(known) < len(wanted):
            raise NotFound(NOT_FOUND)
        followed = await list_store.followed_or_requested_among(tx, owner.id, wanted)
        if any(a not in followed for a in wanted):
            raise Invalid.field("account_ids", NOT_FOLLOWED)
        current = await list_store.list_members(tx, list_id, limit=None)
        if len({a for _, a in current} | set(wanted)) > MAX_MEMBERS:
            raise Invalid(f"A list can have at most {MAX_MEMBERS} members.")
        await list_store.add_members(tx, list_id, wanted)


async def remove_members(
    svc: Services, owner: Account, list_id: int, account_ids: Sequence[int]
) -> None:
    """Take accounts out of one of the owner's lists (absent ones are ignored)."""
    async with svc.db.write() as tx:
        await _own_list(tx, owner, list_id)
        await list_store.remove_members(tx, list_id, list(account_ids))


async def lists_containing(svc: Services, owner: Account, account_id: int) -> list[UserList]:
    """The owner's lists that contain this account (NotFound for an unknown account)."""
    async with svc.db.read() as conn:
        if await account_store.get_account(conn, account_id) is None:
            raise NotFound(NOT_FOUND)
        return await list_store.lists_with_member(conn, owner.id, account_id)


async def exclusive_member_ids(conn: Conn, owner_id: int) -> set[int]:
    """Accounts whose posts an exclusive list of the owner keeps out of the owner's home."""
    return await list_store.exclusive_member_ids(conn, owner_id)


async def member_ids(svc: Services, owner: Account, list_id: int) -> list[int]:
    """The account ids of a list's members (for list streams)."""
    async with svc.db.read() as conn:
        await _own_list(conn, owner, list_id)
        return [a for _, a in await list_store.list_members(conn, list_id, limit=None)]


async def without_hidden_authors(conn: Conn, viewer_id: int, posts: list[Post]) -> list[Post]:
    """Leave out posts and boosts by accounts the viewer blocks, is blocked by or mutes, and
    boosts of their posts (one query, and one more for boosted originals if any)."""
    hidden = await hidden_account_ids(conn, viewer_id)
    if not hidden or not posts:
        return posts
    boosted = sorted({p.reblog_of_id for p in posts if p.reblog_of_id is not None})
    originals = await post_store.get_posts(conn, boosted) if boosted else {}
    kept = []
    for post in posts:
        original = originals.get(post.reblog_of_id) if post.reblog_of_id is not None else None
        if post.account_id in hidden or (original is not None and original.account_id in hidden):
            continue
        kept.append(post)
    return kept


async def list_timeline(svc: Services, viewer: Account, list_id: int, window: Window) -> PostPage:
    """Posts and boosts by the members of one of the viewer's lists, newest first."""
    async with svc.db.read() as conn:
        user_list = await _own_list(conn, viewer, list_id)
        ids = await list_store.list_feed(
            conn,
            viewer.id,
            user_list,
            max_id=window.max_id,
            since_id=window.since_id,
            min_id=window.min_id,
            limit=window.limit,
        )
        found = await post_store.get_posts(conn, ids)
        posts = [found[i] for i in ids if i in found and found[i].deleted_at is None]
        posts = await without_hidden_authors(conn, viewer.id, posts)
        kept, filtered = await apply_filters(conn, viewer.id, posts, "home")
    return PostPage(posts=kept, cursor_ids=ids, filtered=filtered)
