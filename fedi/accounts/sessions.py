"""Browser sessions: start one at login, find the viewer for a cookie, revoke."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from fedi.context import Services
from fedi.oauth.tokens import forget_account
from fedi.storage import oauth as oauth_store
from fedi.storage import sessions as session_store
from fedi.storage import users as user_store
from fedi.storage.clock import from_db, utcnow
from fedi.storage.rows import Account, User

SESSION_TOUCH_EVERY = timedelta(minutes=10)


@dataclass(frozen=True, slots=True, kw_only=True)
class Viewer:
    """The logged-in person looking at a page: their account and user rows."""

    account: Account
    user: User
    session_hash: str = ""

    @property
    def id(self) -> int:
        return self.account.id

    @property
    def username(self) -> str:
        return self.account.username

    @property
    def display_name(self) -> str:
        return self.account.name

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def is_staff(self) -> bool:
        return self.user.role in ("admin", "moderator")

    @property
    def profile_path(self) -> str:
        return f"/@{self.account.username}"


def hash_token(token: str) -> str:
    """The stored form of a session or mail token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(svc: Services, user_id: int, *, ip: str, user_agent: str) -> str:
    """Create a session and record a successful login; return the cookie token."""
    token = secrets.token_urlsafe(32)
    async with svc.db.write() as tx:
        await session_store.insert_session(
            tx, token_hash=hash_token(token), user_id=user_id, ip=ip, user_agent=user_agent
        )
        await session_store.insert_login_event(
            tx, user_id=user_id, ip=ip, user_agent=user_agent, success=True
        )
    return token


async def viewer_for_token(svc: Services, token: str) -> Viewer | None:
    """The viewer a session cookie belongs to, or None (revoked, unknown, disabled)."""
    token_hash = hash_token(token)
    async with svc.db.read() as conn:
        session = await session_store.get_session(conn, token_hash)
        if session is None:
            return None
        found = await user_store.get_user_account(conn, session.user_id)
    if found is None:
        return None
    user, account = found
    if user.disabled_at or account.suspended_at or account.deleted_at:
        return None
    last_seen = from_db(session.last_seen_at)
    if last_seen is None or utcnow() - last_seen > SESSION_TOUCH_EVERY:
        async with svc.db.write() as tx:
            await session_store.touch_session(tx, token_hash)
    return Viewer(account=account, user=user, session_hash=token_hash)


async def end_session(svc: Services, token: str) -> None:
    """Log out this session."""
    async with svc.db.write() as tx:
        await session_store.revoke_session(tx, hash_token(token))


async def end_all_sessions(svc: Services, viewer: Viewer, *, keep_current: bool = False) -> int:
    """Log out everywhere (optionally keeping the current session); return how many ended.

    Apps' access tokens are revoked too: they are "elsewhere" in either case.
    """
    async with svc.db.write() as tx:
        ended = await session_store.revoke_user_sessions(
            tx, viewer.user.id, except_hash=viewer.session_hash if keep_current else None
        )
        await oauth_store.revoke_account_tokens(tx, viewer.user.id)
    forget_account(svc, viewer.user.id)
    return ended


async def list_sessions(svc: Services, viewer: Viewer) -> list[session_store.Session]:
    """The viewer's active sessions."""
    async with svc.db.read() as conn:
        return await session_store.list_user_sessions(conn, viewer.user.id)


async def login_history(svc: Services, viewer: Viewer) -> list[session_store.LoginEvent]:
    """The viewer's recent login attempts (time, IP, user agent, success)."""
    async with svc.db.read() as conn:
        return await session_store.list_login_events(conn, viewer.user.id)
