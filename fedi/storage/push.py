"""Web Push subscriptions (one per access token) and what a push delivery needs to read."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Account, Notification, Post, PushSubscription

MAX_SCAN = 200
"""Notifications looked at per subscription and scan (a burst beyond it waits for the next)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingPush:
    """A notification to push to a subscription."""

    subscription_id: int
    notification_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PushFacts:
    """Everything one push message is made from, read in one hop."""

    subscription: PushSubscription
    notification: Notification
    from_account: Account
    post: Post | None
    locale: str


async def replace_subscription(
    tx: Tx,
    *,
    token_id: int,
    account_id: int,
    endpoint: str,
    key_p256dh: str,
    key_auth: str,
    standard: bool,
    alerts: str,
    policy: str,
    sealed_token: str,
) -> PushSubscription:
    """Replace the token's subscription with a new one (cursor at the newest notification)."""
    now = now_db()

    def work(c: sqlite3.Connection) -> PushSubscription:
        c.execute("DELETE FROM push_subscriptions WHERE token_id = ?", (token_id,))
        row = c.execute(
            "INSERT INTO push_subscriptions (token_id, account_id, endpoint, key_p256dh, key_auth,"
            " standard, alerts, policy, sealed_token, last_notification_id, created_at,"
            " updated_at) VALUES (:token, :account, :endpoint, :p256dh, :auth, :standard,"
            " :alerts, :policy, :sealed,"
            " (SELECT coalesce(max(id), 0) FROM notifications WHERE account_id = :account),"
            " :now, :now) RETURNING *",
            {
                "token": token_id,
                "account": account_id,
                "endpoint": endpoint,
                "p256dh": key_p256dh,
                "auth": key_auth,
                "standard": int(standard),
                "alerts": alerts,
                "policy": policy,
                "sealed": sealed_token,
                "now": now,
            },
        ).fetchone()
        return PushSubscription.from_row(row)

    return await tx.run(work)


async def get_subscription_for_token(conn: Conn, token_id: int) -> PushSubscription | None:
    """The token's subscription, or None."""
    row = await conn.fetchone("SELECT * FROM push_subscriptions WHERE token_id = ?", (token_id,))
    return None if row is None else PushSubscription.from_row(row)


async def update_subscription_data(
    tx: Tx, token_id: int, *, alerts: str | None, policy: str | None
) -> PushSubscription | None:
    """Change the alerts and/or policy of the token's subscription; None if it has none."""
    row = await tx.fetchone(
        "UPDATE push_subscriptions SET alerts = coalesce(:alerts, alerts),"
        " policy = coalesce(:policy, policy), updated_at = :now WHERE token_id = :token"
        " RETURNING *",
        {"alerts": alerts, "policy": policy, "now": now_db(), "token": token_id},
    )
    return None if row is None else PushSubscription.from_row(row)


async def delete_subscription_for_token(tx: Tx, token_id: int) -> bool:
    """Delete the token's subscription; False if it had none."""
    return bool(await tx.execute("DELETE FROM push_subscriptions WHERE token_id = ?", (token_id,)))


async def delete_subscription(tx: Tx, subscription_id: int) -> bool:
    """Delete a subscription (its push service said it is gone)."""
    return bool(await tx.execute("DELETE FROM push_subscriptions WHERE id = ?", (subscription_id,)))


async def list_push_account_ids(conn: Conn) -> set[int]:
    """Accounts with at least one push subscription."""
    rows = await conn.fetchall("SELECT DISTINCT account_id FROM push_subscriptions")
    return {r[0] for r in rows}


_SCAN = (
    "SELECT n.id, n.type, n.from_account_id,"
    " EXISTS (SELECT 1 FROM follows f WHERE f.account_id = n.account_id"
    "   AND f.target_account_id = n.from_account_id AND f.state = 'accepted') AS followed,"
    " EXISTS (SELECT 1 FROM follows f WHERE f.account_id = n.from_account_id"
    "   AND f.target_account_id = n.account_id AND f.state = 'accepted') AS follower,"
    " EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = n.account_id"
    "   AND m.target_account_id = n.from_account_id AND m.hide_notifications = 1"
    "   AND (m.expires_at IS NULL OR m.expires_at > :now)) AS muted"
    " FROM notifications n WHERE n.account_id = :account AND n.id > :after"
    " ORDER BY n.id LIMIT :limit"
)


async def claim_new_pushes(
    tx: Tx, account_ids: list[int], alert_of: Mapping[str, str]
) -> tuple[list[PendingPush], set[int]]:
    """Advance the cursors of these accounts' subscriptions past their new notifications.

    Returns the (subscription, notification) pairs to push: the notification's type (as
    `alert_of` names it) is among the subscription's alerts, the policy admits the sender
    (`followed`: the user follows them; `follower`: they follow the user), and the sender is not
    muted with notifications. Also returns which of the accounts have subscriptions at all.
    One hop.
    """
    marks = ",".join("?" for _ in account_ids)
    select = f"SELECT * FROM push_subscriptions WHERE account_id IN ({marks})"  # noqa: S608
    now = now_db()

    def work(c: sqlite3.Connection) -> tuple[list[PendingPush], set[int]]:
        subs = [PushSubscription.from_row(r) for r in c.execute(select, account_ids)]
        pending: list[PendingPush] = []
        cursors: list[tuple[int, int]] = []
        for sub in subs:
            rows = c.execute(
                _SCAN,
                {
                    "account": sub.account_id,
                    "after": sub.last_notification_id,
                    "limit": MAX_SCAN,
                    "now": now,
                },
            ).fetchall()
            if not rows:
                continue
            cursors.append((rows[-1]["id"], sub.id))
            wanted = sub.alert_types
            for row in rows:
                if alert_of.get(row["type"], row["type"]) not in wanted or row["muted"]:
                    continue
                if _policy_allows(sub.policy, followed=row["followed"], follower=row["follower"]):
                    pending.append(PendingPush(subscription_id=sub.id, notification_id=row["id"]))
        c.executemany(
            "UPDATE push_subscriptions SET last_notification_id = max(last_notification_id, ?)"
            " WHERE id = ?",
            cursors,
        )
        return pending, {s.account_id for s in subs}

    return await tx.run(work)


def _policy_allows(policy: str, *, followed: int, follower: int) -> bool:
    if policy == "all":
        return True
    if policy == "followed":
        return bool(followed)
    if policy == "follower":
        return bool(follower)
    return False


async def get_push_facts(
    conn: Conn, subscription_id: int, notification_id: int
) -> PushFacts | None:
    """The subscription, notification, sender, post and user locale of one push (one hop);
    None when the subscription, the notification or the sender is gone."""

    def load(c: sqlite3.Connection) -> PushFacts | None:
        sub = c.execute(
            "SELECT * FROM push_subscriptions WHERE id = ?", (subscription_id,)
        ).fetchone()
        note = c.execute("SELECT * FROM notifications WHERE id = ?", (notification_id,)).fetchone()
        if sub is None or note is None:
            return None
        notification = Notification.from_row(note)
        sender = c.execute(
            "SELECT * FROM accounts WHERE id = ?", (notification.from_account_id,)
        ).fetchone()
        if sender is None:
            return None
        post = None
        if notification.post_id is not None:
            found = c.execute(
                "SELECT * FROM posts WHERE id = ?", (notification.post_id,)
            ).fetchone()
            post = None if found is None else Post.from_row(found)
        locale = c.execute(
            "SELECT locale FROM users WHERE id = ?", (notification.account_id,)
        ).fetchone()
        return PushFacts(
            subscription=PushSubscription.from_row(sub),
            notification=notification,
            from_account=Account.from_row(sender),
            post=post,
            locale=locale[0] if locale and locale[0] else "en",
        )

    return await conn.run(load)
