"""Boosts (reblogs) by local accounts: one transaction each, Announce / Undo(Announce) federated.

A boost is a row in `posts` with `reblog_of_id` set, visibility public, and as `uri` the id of its
Announce (under the booster's actor). Only public and unlisted posts may be boosted (Mastodon also
lets people boost their own public posts). Boosting again is a no-op; unboosting soft-deletes the
row, so it leaves every home feed, and withdraws the `reblog` notification. The Announce is served
at its id (`activity_document`) while the boost stands, and answers 410 once it is withdrawn.
"""

from __future__ import annotations

import logging

from fedi.activitypub import serialize
from fedi.activitypub.addressing import PUBLIC, Audience
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.errors import Forbidden, NotFound
from fedi.events import surface_deletion, surface_status
from fedi.outbox import activities, federate, render
from fedi.storage import accounts as account_store
from fedi.storage import notifications as notification_store
from fedi.storage import posts as post_store
from fedi.storage import remote_posts as remote_store
from fedi.storage.clock import now_db
from fedi.storage.db import Conn
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Post
from fedi.visibility import OPEN_VISIBILITIES, filter_visible

logger = logging.getLogger(__name__)

NO_SUCH_POST = "This post does not exist, or you cannot see it."
NOT_BOOSTABLE = "Only public and unlisted posts can be boosted."


async def _original(conn: Conn, post_id: int, author_acct: str | None) -> Post | None:
    """The post to boost (a boost's id stands for its original); None if missing or mismatched."""
    post = await post_store.get_post(conn, post_id)
    if post is not None and post.reblog_of_id is not None:
        post = await post_store.get_post(conn, post.reblog_of_id)
    if post is None or author_acct is None:
        return post
    author = await account_store.get_account(conn, post.account_id)
    if author is None or author.acct.lower() != author_acct.lower():
        return None
    return post


async def _boostable(conn: Conn, account: Account, post_id: int, author_acct: str | None) -> Post:
    post = await _original(conn, post_id, author_acct)
    if post is None or post.deleted_at or not await filter_visible(conn, account.id, [post]):
        raise NotFound(NO_SUCH_POST)
    if post.visibility not in OPEN_VISIBILITIES:
        raise Forbidden(NOT_BOOSTABLE)
    return post


async def boost_post(
    svc: Services, account: Account, post_id: int, *, author_acct: str | None = None
) -> Post:
    """Boost a public or unlisted post the account can see; return the boost row (idempotent).

    One transaction: the boost row, home-feed rows for the booster and their local followers, a
    `reblog` notification to a local author (never for a self-boost), and the Announce fan-out.
    NotFound for a missing, deleted or invisible post (or a wrong `author_acct`, `name@host` for
    remote authors); Forbidden for a followers-only or direct post.
    """
    async with svc.db.read() as conn:
        original = await _boostable(conn, account, post_id, author_acct)
        author = await account_store.get_account(conn, original.account_id)
    reblog_id = new_id()
    reblog = Post(
        id=reblog_id,
        uri=activities.announce_id(Uris(svc.base_url), account.username, reblog_id),
        url=original.url or original.uri,
        account_id=account.id,
        local=1,
        visibility="public",
        reblog_of_id=original.id,
        created_at=now_db(),
    )
    notices = [(original.account_id, "reblog", original.id)] if author and author.local else []
    async with svc.db.write() as tx:
        existing = await remote_store.get_reblog(tx, account.id, original.id)
        if existing is not None:
            return existing
        await remote_store.insert_remote_post(
            tx,
            reblog,
            feed_ids=[account.id],
            include_local_followers=True,
            notifications=notices,
        )
        await federate.federate_boost(svc, tx, account, reblog, original)
        surface_status(svc, tx, reblog, notified=[a for a, _, _ in notices])
    logger.info("boost post=%s by=%s reblog=%s", original.id, account.id, reblog.id)
    return reblog


async def unboost_post(
    svc: Services, account: Account, post_id: int, *, author_acct: str | None = None
) -> bool:
    """Withdraw the account's boost of a post; False if it had not boosted it.

    One transaction: the boost row soft-deleted (out of every home feed), the `reblog`
    notification withdrawn, and Undo(Announce) queued. A boost of a post the account can no longer
    see may still be withdrawn.
    """
    async with svc.db.write() as tx:
        original = await _original(tx, post_id, author_acct)
        if original is None:
            raise NotFound(NO_SUCH_POST)
        reblog = await remote_store.get_reblog(tx, account.id, original.id)
        if reblog is None:
            return False
        await post_store.mark_deleted(tx, reblog.id)
        await notification_store.delete_notifications(
            tx,
            account_id=original.account_id,
            from_account_id=account.id,
            type="reblog",
            post_id=original.id,
        )
        await federate.federate_boost(svc, tx, account, reblog, original, undo=True)
        surface_deletion(svc, tx, reblog)
    logger.info("unboost post=%s by=%s reblog=%s", original.id, account.id, reblog.id)
    return True


async def _announce_rows(
    conn: Conn, post_id: int, announce_uri: str
) -> tuple[Post, Post | None, dict[int, Account]] | None:
    """The boost whose Announce has this id, its original (if any) and both accounts."""
    boost = await post_store.get_post(conn, post_id)
    if boost is None or boost.reblog_of_id is None or boost.uri != announce_uri:
        return None
    original = await post_store.get_post(conn, boost.reblog_of_id)
    ids = [boost.account_id] + ([original.account_id] if original else [])
    return boost, original, await account_store.get_accounts(conn, ids)


async def activity_document(
    svc: Services, username: str, post_id: int, *, viewer_id: int | None = None
) -> render.Document:
    """`/users/<name>/statuses/<id>/activity`: the Announce of a boost (a Tombstone, 410, once it
    is withdrawn or its post deleted), or else the Create of a post (`render.create_document`)."""
    uris = Uris(svc.base_url)
    async with svc.db.read() as conn:
        found = await _announce_rows(conn, post_id, activities.announce_id(uris, username, post_id))
    if found is None:
        return await render.create_document(svc, username, post_id, viewer_id=viewer_id)
    boost, original, accounts = found
    booster = accounts.get(boost.account_id)
    if booster is None or not booster.local or booster.suspended_at:
        raise NotFound(NO_SUCH_POST)
    if boost.deleted_at or booster.deleted_at or original is None or original.deleted_at:
        body = serialize.tombstone(
            id=boost.uri, deleted=boost.deleted_at or booster.deleted_at, former_type="Announce"
        )
        return render.Document(body=body, gone=True)
    author = accounts.get(original.account_id)
    followers = uris.actor_collections(booster.username)["followers"]
    cc = [author.uri] if author is not None else []
    body = activities.announce(
        id=boost.uri,
        actor=booster.uri,
        object=original.uri,
        published=boost.created_at,
        audience=Audience(to=(PUBLIC,), cc=tuple(dict.fromkeys([*cc, followers]))),
    )
    return render.Document(body=body)
