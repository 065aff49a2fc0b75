"""A user deletes their own account (Settings → Delete account), confirmed with the password.

One transaction marks the account deleted and the user disabled (its e-mail address forgotten),
ends every session, removes the follows both ways, makes every post gone (out of all home feeds; their pages and ActivityPub
documents answer 410, the actor a 410 Tombstone, WebFinger 410), wipes the profile, and queues
`Delete{actor}` to every server that knew the account. The username stays taken for good (the
account row is kept), so nobody can sign up as the deleted person.

The signing key is kept until the deliveries of the Delete are finished: an `account_purge` job
waits for the account's last fan-out and delivery jobs, then forgets the key.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from fedi.accounts.passwords import verify_password
from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.errors import Gone, Invalid
from fedi.oauth.tokens import forget_account
from fedi.outbox import federate
from fedi.outbox.fanout import DELIVER_KIND, FANOUT_KIND
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import jobs as job_store
from fedi.storage import oauth as oauth_store
from fedi.storage import remote_posts as post_removal
from fedi.storage import sessions as session_store
from fedi.storage import users as user_store
from fedi.storage.clock import now_db
from fedi.storage.rows import Job
from fedi.workers import Queue, RetryLater

logger = logging.getLogger(__name__)

PURGE_KIND = "account_purge"
PURGE_RECHECK = timedelta(minutes=30)
"""How often the purge job looks again while deliveries of the deleted account are under way."""
PURGE_MAX_ATTEMPTS = 200
"""With PURGE_RECHECK, about four days: longer than deliveries are retried (2-3 days)."""
ENTER_PASSWORD = "Enter your password to confirm."
WRONG_PASSWORD = "That is not your password. Your account was not deleted."
ALREADY_DELETED = "This account has already been deleted."


async def delete_account(svc: Services, viewer: Viewer, *, password: str) -> None:
    """Delete the viewer's account for good, after checking the password (Invalid if wrong).

    One transaction: Delete{actor} queued to the inboxes of remote followers and followed
    accounts, the account marked deleted and its profile wiped, the user disabled (e-mail
    address forgotten), sessions
    revoked, follows both ways removed, posts made gone and taken out of every feed, and the
    key-purge job queued. Network happens later, in the fan-out and delivery jobs.
    """
    if not password:
        raise Invalid.field("password", ENTER_PASSWORD)
    async with svc.db.read() as conn:
        user = await user_store.get_user(conn, viewer.user.id)
    if user is None or not await verify_password(password, user.password_hash):
        raise Invalid.field("password", WRONG_PASSWORD)
    async with svc.db.write() as tx:
        account = await account_store.get_account(tx, viewer.account.id)
        if account is None or account.deleted_at is not None:
            raise Gone(ALREADY_DELETED)
        # First, while the follows still say who knew the account.
        await federate.federate_account_deletion(svc, tx, account)
        now = now_db()
        await account_store.update_account(
            tx,
            account.id,
            deleted_at=now,
            display_name="",
            note_source="",
            note_html="",
            fields_json="[]",
            avatar_url="",
            header_url="",
        )
        # The address is personal data, and free for a new account; the username is not.
        await user_store.update_user(
            tx, user.id, disabled_at=now, email=f"deleted-{user.id}@deleted.invalid"
        )
        await session_store.revoke_user_sessions(tx, user.id)
        await oauth_store.revoke_account_tokens(tx, user.id)
        follows = await follow_store.delete_all_follows_of(tx, account.id)
        posts = await post_removal.mark_account_posts_deleted(tx, account.id)
        await job_store.enqueue(
            tx, PURGE_KIND, {"account_id": account.id}, dedupe_key=f"{PURGE_KIND}:{account.id}"
        )
        tx.on_commit(svc.jobs.wake)
    forget_account(svc, account.id)
    logger.info("account deleted id=%s follows=%s posts=%s", account.id, follows, posts)


def account_purge_queue(svc: Services) -> Queue:
    """The `account_purge` job kind: forget a deleted account's key once its deliveries are done."""

    async def handle(job: Job) -> None:
        account_id = int(job.data["account_id"])
        async with svc.db.read() as conn:
            waiting = await job_store.count_waiting_for_actor(
                conn, account_id, [FANOUT_KIND, DELIVER_KIND]
            )
        if waiting:
            raise RetryLater(f"{waiting} deliveries still under way", delay=PURGE_RECHECK)
        async with svc.db.write() as tx:
            wiped = await account_store.wipe_private_key(tx, account_id)
        logger.info("account purged id=%s key_wiped=%s", account_id, wiped)

    return Queue(kind=PURGE_KIND, handler=handle, max_attempts=PURGE_MAX_ATTEMPTS, concurrency=1)
