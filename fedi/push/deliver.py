"""Web Push delivery: a notification for a subscribed user becomes an encrypted POST to their
push service (Mozilla autopush, FCM, Apple, a UnifiedPush distributor, an app's own relay).

- `push_after_notifications` runs after the commit that surfaced notifications
  (`events.listen_for_notifications`): for the accounts with subscriptions, one write moves each
  subscription's cursor past its new notifications and enqueues one `push` job per notification
  to push (alert enabled, policy admits the sender, sender not muted). A crash between the two
  commits only delays those pushes until the account's next notification.
- The `push` job reads what the message needs, encrypts it for the subscriber (`aes128gcm` for
  `standard` subscriptions, legacy `aesgcm` otherwise, as Mastodon does), signs VAPID, and POSTs
  through the SSRF-guarded shared client. 2xx: done. 404/410: the subscription is gone and
  deleted. 408/429/5xx, timeouts: retried by the job engine (`Retry-After` honoured). Other 4xx
  and refused addresses: dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx

from fedi.context import Services
from fedi.errors import FetchFailed
from fedi.netguard import GuardPolicy, Refused, check_url
from fedi.push.encrypt import aesgcm_encrypt, b64url_decode, b64url_encode, webpush_encrypt
from fedi.push.subscriptions import accounts_with_subscriptions, unseal_token
from fedi.push.vapid import authorization_headers, vapid_keys
from fedi.remote import open_http
from fedi.storage import jobs as job_store
from fedi.storage import push as push_store
from fedi.storage.push import PushFacts
from fedi.storage.rows import Job
from fedi.text import plain_text
from fedi.workers import PermanentFailure, Queue, RetryLater

logger = logging.getLogger(__name__)

PUSH_KIND = "push"
TTL_SECONDS = 48 * 3600
"""How long the push service keeps an undelivered message (Mastodon: 48 hours)."""
BODY_CHARS = 140
NAME_CHARS = 100
TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
TOTAL_SECONDS = 20.0
MAX_RETRY_AFTER = timedelta(hours=6)
MAX_ANSWER = 64 * 1024
RETRYABLE = frozenset({408, 425, 429})
GONE = frozenset({404, 410})
MAX_ATTEMPTS = 10
"""About seven hours of retries: a notification much older than that is no longer news."""

ALERT_OF = {"reply": "mention"}
"""Stored notification type -> the alert (Mastodon type) that enables it, where they differ."""

# Interop: Mastodon's English notification titles (`notification_mailer.<type>.subject`).
TITLES = {
    "mention": "You were mentioned by {name}",
    "reply": "You were mentioned by {name}",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} is now following you",
    "follow_request": "Pending follower: {name}",
    "favourite": "{name} favorited your post",
    "poll": "A poll by {name} has ended",
    "update": "{name} edited a post",
    "admin.sign_up": "{name} signed up",
    "admin.report": "New report from {name}",
}


# --- after commit: which notifications to push ------------------------------------------------


async def push_after_notifications(svc: Services, account_ids: Sequence[int]) -> None:
    """Enqueue the pushes for these accounts' new notifications (nothing when none subscribe)."""
    known = await accounts_with_subscriptions(svc)
    wanted = sorted(a for a in set(account_ids) if a in known)
    if not wanted:
        return
    async with svc.db.write() as tx:
        pending, subscribed = await push_store.claim_new_pushes(tx, wanted, ALERT_OF)
        if pending:
            await job_store.enqueue_many(
                tx,
                PUSH_KIND,
                [
                    (
                        {
                            "subscription_id": p.subscription_id,
                            "notification_id": p.notification_id,
                        },
                        f"push:{p.subscription_id}:{p.notification_id}",
                    )
                    for p in pending
                ],
            )
            tx.on_commit(svc.jobs.wake)
    known.difference_update(set(wanted) - subscribed)


# --- the message ------------------------------------------------------------------------------


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _absolute(svc: Services, url: str, default: str) -> str:
    if not url:
        return svc.url(default)
    return svc.url(url) if url.startswith("/") else url


def push_message(svc: Services, facts: PushFacts, access_token: str) -> dict[str, Any]:
    """The JSON a subscriber's client decrypts (Mastodon's Web::NotificationSerializer shape)."""
    sender = facts.from_account
    note = facts.notification
    name = _shorten(sender.display_name or sender.username, NAME_CHARS)
    post = facts.post
    if post is not None and post.deleted_at is None:
        body = post.content_warning or plain_text(post.content_html)
    else:
        body = plain_text(sender.note_html)
    return {
        "access_token": access_token,
        "preferred_locale": facts.locale,
        "notification_id": note.id,
        "notification_type": ALERT_OF.get(note.type, note.type),
        "icon": _absolute(svc, sender.avatar_src, "/static/avatar.png"),
        "title": TITLES.get(note.type, "New notification from {name}").format(name=name),
        "body": _shorten(body, BODY_CHARS),
    }


def _subject(svc: Services) -> str:
    """VAPID `sub`: how the push service's operator can reach us (RFC 8292 section 2.1)."""
    email = svc.config.instance.contact_email
    return f"mailto:{email}" if email else svc.url("/")


async def encrypted_request(
    svc: Services, facts: PushFacts, message: dict[str, Any]
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one push: encrypted for the subscriber, VAPID-signed."""
    sub = facts.subscription
    plaintext = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    ua_public, auth = b64url_decode(sub.key_p256dh), b64url_decode(sub.key_auth)
    keys = await vapid_keys(svc)
    headers = {
        "Content-Type": "application/octet-stream",
        "TTL": str(TTL_SECONDS),
        "Urgency": "normal",
    }
    if sub.standard:
        body = webpush_encrypt(plaintext, ua_public=ua_public, auth_secret=auth)
        headers["Content-Encoding"] = "aes128gcm"
        headers.update(
            authorization_headers(keys, endpoint=sub.endpoint, subject=_subject(svc), standard=True)
        )
        return body, headers
    legacy = aesgcm_encrypt(plaintext, ua_public=ua_public, auth_secret=auth)
    headers["Content-Encoding"] = "aesgcm"
    headers["Encryption"] = f"salt={b64url_encode(legacy.salt)}"
    headers.update(
        authorization_headers(
            keys, endpoint=sub.endpoint, subject=_subject(svc), standard=False, dh=legacy.dh
        )
    )
    return legacy.body, headers


# --- the job ----------------------------------------------------------------------------------


def _retry_after(value: str | None) -> timedelta | None:
    if value and value.strip().isdigit():
        return min(timedelta(seconds=max(1, int(value.strip()))), MAX_RETRY_AFTER)
    return None


async def _client(svc: Services) -> httpx.AsyncClient:
    client = svc.extras.get("http")
    if client is None:
        client = svc.extras["http"] = await open_http(svc.config)
    return client  # type: ignore[no-any-return]


async def _post(
    client: httpx.AsyncClient, endpoint: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str | None]:
    """POST and read at most MAX_ANSWER bytes of the answer; (status, Retry-After)."""
    async with (
        asyncio.timeout(TOTAL_SECONDS),
        client.stream("POST", endpoint, content=body, headers=headers, timeout=TIMEOUT) as response,
    ):
        read = 0
        async for chunk in response.aiter_bytes():
            read += len(chunk)
            if read > MAX_ANSWER:
                break
        return response.status_code, response.headers.get("retry-after")


async def deliver_push(svc: Services, job: Job) -> None:
    """Send one push (the `push` job); see the module docstring for the outcomes."""
    data = job.data
    async with svc.db.read() as conn:
        facts = await push_store.get_push_facts(
            conn, int(data["subscription_id"]), int(data["notification_id"])
        )
    if facts is None:
        return  # the subscription, the notification or its sender is gone: nothing to send
    sub = facts.subscription
    try:
        check_url(sub.endpoint, GuardPolicy.from_config(svc.config.federation))
    except Refused as exc:
        raise PermanentFailure(exc.safe_message) from None
    message = push_message(svc, facts, unseal_token(svc, sub.sealed_token))
    body, headers = await encrypted_request(svc, facts, message)
    client = await _client(svc)
    try:
        status, retry_after = await _post(client, sub.endpoint, body, headers)
    except Refused as exc:  # its name resolved to an address we may not contact
        raise PermanentFailure(exc.safe_message) from None
    except (httpx.HTTPError, FetchFailed, TimeoutError) as exc:
        raise RetryLater(f"push service unreachable: {type(exc).__name__}: {exc}") from None
    if 200 <= status < 300:
        logger.info("push sent subscription=%s notification=%s", sub.id, facts.notification.id)
        return
    if status in GONE:
        async with svc.db.write() as tx:
            await push_store.delete_subscription(tx, sub.id)
        logger.info("push subscription gone subscription=%s status=%s", sub.id, status)
        return
    if status in RETRYABLE or status >= 500:
        raise RetryLater(f"push service answered {status}", delay=_retry_after(retry_after))
    raise PermanentFailure(f"push service answered {status} for subscription {sub.id}")


def push_queue(svc: Services) -> Queue:
    """The `push` job kind for the runner (app wiring)."""

    async def handle(job: Job) -> None:
        await deliver_push(svc, job)

    return Queue(kind=PUSH_KIND, handler=handle, max_attempts=MAX_ATTEMPTS, concurrency=8)
