"""Access tokens: issue, authenticate a bearer token (cached briefly), revoke."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from fedi.context import Services
from fedi.storage import oauth as oauth_store
from fedi.storage.db import Tx
from fedi.storage.rows import Account, OAuthApp, User

# A bearer token is checked on every API request; a short in-process cache saves two database
# hops per request. Revocation through this process drops the entry at once.
CACHE_SECONDS = 30.0
CACHE_MAX = 10_000
CACHE_KEY = "oauth_grants"


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """What a bearer token allows: the app, the scopes and (for user tokens) who."""

    token_id: int
    token_hash: str
    app: OAuthApp
    scopes: tuple[str, ...]
    account: Account | None
    user: User | None
    created_at: str

    @property
    def is_user(self) -> bool:
        return self.account is not None


def hash_secret(value: str) -> str:
    """The stored form of a token or code."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    """A fresh unguessable token, code or client secret."""
    return secrets.token_urlsafe(32)


def _cache(svc: Services) -> dict[str, tuple[float, Grant]]:
    cache: dict[str, tuple[float, Grant]] | None = svc.extras.get(CACHE_KEY)
    if cache is None:
        cache = {}
        svc.extras[CACHE_KEY] = cache
    return cache


def forget(svc: Services, token_hashes: list[str]) -> None:
    """Drop cached grants (after revocation or a change to the account)."""
    cache = _cache(svc)
    for h in token_hashes:
        cache.pop(h, None)


def forget_account(svc: Services, account_id: int) -> None:
    """Drop every cached grant of an account (disabled, deleted, password changed)."""
    cache = _cache(svc)
    for h in [h for h, (_, g) in cache.items() if g.account and g.account.id == account_id]:
        cache.pop(h, None)


async def issue_token(
    svc: Services, tx: Tx, *, app: OAuthApp, account_id: int | None, scopes: list[str]
) -> tuple[str, str]:
    """Create an access token inside the caller's transaction; return (token, created_at)."""
    token = new_secret()
    row = await oauth_store.insert_token(
        tx,
        token_hash=hash_secret(token),
        app_id=app.id,
        account_id=account_id,
        scopes=" ".join(scopes),
    )
    return token, row.created_at


async def authenticate(svc: Services, token: str) -> Grant | None:
    """The grant of a live bearer token, or None (unknown, revoked, account unusable)."""
    if not token:
        return None
    token_hash = hash_secret(token)
    cache = _cache(svc)
    now = time.monotonic()
    hit = cache.get(token_hash)
    if hit is not None and hit[0] > now:
        return hit[1]
    async with svc.db.read() as conn:
        found = await oauth_store.get_token_grant(conn, token_hash)
    if found is None:
        cache.pop(token_hash, None)
        return None
    row, app, account, user = found
    if account is not None and (
        account.deleted_at or account.suspended_at or user is None or user.disabled_at
    ):
        return None
    grant = Grant(
        token_id=row.id,
        token_hash=token_hash,
        app=app,
        scopes=tuple(row.scopes.split()),
        account=account,
        user=user,
        created_at=row.created_at,
    )
    if len(cache) >= CACHE_MAX:
        cache.clear()
    cache[token_hash] = (now + CACHE_SECONDS, grant)
    if hit is None:
        async with svc.db.write() as tx:
            await oauth_store.touch_token(tx, row.id)
    return grant
