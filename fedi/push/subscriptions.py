"""Push subscriptions (`/api/v1/push/subscription`): one per access token, as Mastodon keeps them.

A subscription names a push service endpoint, the subscriber's `p256dh` key and `auth` secret,
whether it wants RFC 8291 `aes128gcm` (`standard`) or the legacy `aesgcm`, which notification
types to push (`alerts`) and from whom (`policy`). Revoking the token ends it (a trigger in
migration 0014), and so does a push service answering 404/410 (`fedi.push.deliver`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.netguard import GuardPolicy, Refused, check_url
from fedi.push.encrypt import b64url_decode, b64url_encode, load_public_key
from fedi.push.vapid import vapid_public_key
from fedi.storage import push as push_store
from fedi.storage.rows import PushSubscription

ALERT_TYPES = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
)
POLICIES = ("all", "followed", "follower", "none")
NOT_FOUND = "Record not found"
MAX_ENDPOINT = 2048
ACCOUNTS_KEY = "push_accounts"

ENDPOINT_FIELD = "subscription[endpoint]"
P256DH_FIELD = "subscription[keys][p256dh]"
AUTH_FIELD = "subscription[keys][auth]"
POLICY_FIELD = "data[policy]"


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionRequest:
    """What `POST /api/v1/push/subscription` sends."""

    endpoint: str
    p256dh: str
    auth: str
    standard: bool = False
    alerts: Mapping[str, bool] = field(default_factory=dict)
    policy: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionView:
    """A subscription as the WebPushSubscription entity shows it."""

    id: int
    endpoint: str
    standard: bool
    alerts: dict[str, bool]
    policy: str
    server_key: str


# --- which accounts have subscriptions (in-process) -------------------------------------------


@dataclass(slots=True)
class PushAccounts:
    """Account ids that may have push subscriptions, so surfacing a notification to anyone else
    costs nothing. Only ever grows from subscriptions made here (a stale id costs one scan that
    finds nothing and drops it). In-process, like the event broker (DESIGN section 1)."""

    ids: set[int] = field(default_factory=set)
    loaded: bool = False


def push_accounts(svc: Services) -> PushAccounts:
    """The process's PushAccounts (created empty, loaded on first use)."""
    found = svc.extras.get(ACCOUNTS_KEY)
    if not isinstance(found, PushAccounts):
        found = svc.extras[ACCOUNTS_KEY] = PushAccounts()
    return found


async def accounts_with_subscriptions(svc: Services) -> set[int]:
    """The ids of PushAccounts, read from the database the first time."""
    known = push_accounts(svc)
    if not known.loaded:
        async with svc.db.read() as conn:
            known.ids |= await push_store.list_push_account_ids(conn)
        known.loaded = True
    return known.ids


# --- the access token, sealed for the push payload --------------------------------------------


def _token_key(svc: Services) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=16, salt=None, info=b"fedi push access token"
    ).derive(svc.secret_key)


def seal_token(svc: Services, token: str) -> str:
    """The access token encrypted under the instance secret (stored with the subscription)."""
    nonce = os.urandom(12)
    return b64url_encode(nonce + AESGCM(_token_key(svc)).encrypt(nonce, token.encode(), None))


def unseal_token(svc: Services, sealed: str) -> str:
    """The access token back ('' if the instance secret changed since)."""
    raw = b64url_decode(sealed)
    try:
        return AESGCM(_token_key(svc)).decrypt(raw[:12], raw[12:], None).decode()
    except (InvalidTag, ValueError):
        return ""


# --- validation -------------------------------------------------------------------------------


def _check_endpoint(svc: Services, endpoint: str) -> str:
    endpoint = endpoint.strip()
    if not endpoint:
        raise Invalid.field(ENDPOINT_FIELD, "The push endpoint can't be blank.")
    if len(endpoint) > MAX_ENDPOINT:
        raise Invalid.field(ENDPOINT_FIELD, "The push endpoint is too long.")
    try:
        check_url(endpoint, GuardPolicy.from_config(svc.config.federation))
    except Refused as exc:
        raise Invalid.field(
            ENDPOINT_FIELD, "The push endpoint must be an https URL of a push service."
        ) from exc
    return endpoint


def _check_keys(p256dh: str, auth: str) -> tuple[str, str]:
    try:
        load_public_key(b64url_decode(p256dh))
    except (ValueError, TypeError):
        raise Invalid.field(
            P256DH_FIELD, "The p256dh key must be a base64url P-256 public key."
        ) from None
    try:
        secret = b64url_decode(auth)
    except (ValueError, TypeError):
        secret = b""
    if not 1 <= len(secret) <= 64:
        raise Invalid.field(AUTH_FIELD, "The auth secret must be base64url (16 bytes).")
    return p256dh.strip(), auth.strip()


def _check_policy(policy: str | None) -> str | None:
    if policy is not None and policy not in POLICIES:
        raise Invalid.field(POLICY_FIELD, "The policy must be all, followed, follower or none.")
    return policy


def _alerts_text(alerts: Mapping[str, bool]) -> str:
    return " ".join(t for t in ALERT_TYPES if alerts.get(t))


async def _view(svc: Services, sub: PushSubscription) -> SubscriptionView:
    enabled = sub.alert_types
    return SubscriptionView(
        id=sub.id,
        endpoint=sub.endpoint,
        standard=bool(sub.standard),
        alerts={t: t in enabled for t in ALERT_TYPES},
        policy=sub.policy,
        server_key=await vapid_public_key(svc),
    )


# --- use cases --------------------------------------------------------------------------------


async def subscribe(
    svc: Services, *, token_id: int, account_id: int, token: str, request: SubscriptionRequest
) -> SubscriptionView:
    """Create the token's subscription, replacing any it had (writes one row)."""
    endpoint = _check_endpoint(svc, request.endpoint)
    p256dh, auth = _check_keys(request.p256dh, request.auth)
    policy = _check_policy(request.policy) or "all"
    sealed = seal_token(svc, token)
    async with svc.db.write() as tx:
        sub = await push_store.replace_subscription(
            tx,
            token_id=token_id,
            account_id=account_id,
            endpoint=endpoint,
            key_p256dh=p256dh,
            key_auth=auth,
            standard=request.standard,
            alerts=_alerts_text(request.alerts),
            policy=policy,
            sealed_token=sealed,
        )
        tx.on_commit(lambda: push_accounts(svc).ids.add(account_id))
    return await _view(svc, sub)


async def get_subscription(svc: Services, *, token_id: int) -> SubscriptionView:
    """The token's subscription; NotFound ("Record not found") when it has none."""
    async with svc.db.read() as conn:
        sub = await push_store.get_subscription_for_token(conn, token_id)
    if sub is None:
        raise NotFound(NOT_FOUND)
    return await _view(svc, sub)


async def update_subscription(
    svc: Services,
    *,
    token_id: int,
    alerts: Mapping[str, bool] | None,
    policy: str | None,
) -> SubscriptionView:
    """Change which alerts are pushed and the policy (what is not sent stays as it was)."""
    policy = _check_policy(policy)
    async with svc.db.write() as tx:
        sub = await push_store.update_subscription_data(
            tx,
            token_id,
            alerts=None if alerts is None else _alerts_text(alerts),
            policy=policy,
        )
    if sub is None:
        raise NotFound(NOT_FOUND)
    return await _view(svc, sub)


async def unsubscribe(svc: Services, *, token_id: int) -> None:
    """Delete the token's subscription (nothing happens when it has none, as in Mastodon)."""
    async with svc.db.write() as tx:
        await push_store.delete_subscription_for_token(tx, token_id)
