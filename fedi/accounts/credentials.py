"""Credentials: log in, confirm the e-mail address, reset or change the password or e-mail.

Links sent by mail carry a random token; only its SHA-256 is stored, each is single use and
expires (confirm 24 h, reset 1 h, e-mail change 24 h). Mail goes out as a durable job queued in
the same transaction as the change it belongs to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from fedi.accounts.passwords import hash_password, password_problem, verify_password
from fedi.accounts.registration import EMAIL_RE, normalise_email
from fedi.accounts.sessions import Viewer, hash_token, start_session
from fedi.context import Services
from fedi.errors import FediError, Gone, Invalid, NotFound
from fedi.mail import compose, queue_mail
from fedi.oauth.tokens import forget_account
from fedi.storage import oauth as oauth_store
from fedi.storage import sessions as session_store
from fedi.storage import tokens as token_store
from fedi.storage import users as user_store
from fedi.storage.clock import db_in, now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Account, EmailToken, LoginEvent, Session, User

CONFIRM_LIFETIME = timedelta(hours=24)
RESET_LIFETIME = timedelta(hours=1)
CHANGE_EMAIL_LIFETIME = timedelta(hours=24)
WRONG_CREDENTIALS = "Wrong username/e-mail or password."
_LINK_NAMES = {
    "confirm": "confirmation link",
    "reset": "password reset link",
    "change_email": "e-mail change link",
}
_dummy_hash: str | None = None


class LoginRefused(FediError):
    """A login was refused; `reason` is credentials | unconfirmed | pending | disabled."""

    status = 401
    default_message = WRONG_CREDENTIALS

    def __init__(
        self, safe_message: str | None = None, *, reason: str = "credentials", status: int = 401
    ) -> None:
        super().__init__(safe_message)
        self.reason = reason
        self.status = status


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginAttempt:
    """What the login form (or a password grant) sends."""

    login: str
    password: str
    ip: str = ""
    user_agent: str = ""
    previous_token: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MailToken:
    """A fresh one-time token: `token` goes into the link, `token_hash` into the database."""

    token: str
    token_hash: str
    expires_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityOverview:
    """The viewer's active sessions and recent login attempts."""

    sessions: list[Session]
    history: list[LoginEvent]
    current_hash: str


def new_mail_token(lifetime: timedelta) -> MailToken:
    """A random token valid for `lifetime`."""
    token = secrets.token_urlsafe(32)
    return MailToken(token=token, token_hash=hash_token(token), expires_at=db_in(lifetime))


def mail_values(svc: Services, **values: str) -> dict[str, str]:
    """Placeholders every mail template may use ($instance, $base_url) plus `values`."""
    return {"instance": svc.config.instance.name, "base_url": svc.base_url, **values}


def confirmation_mail(svc: Services, username: str, token: MailToken) -> tuple[str, str]:
    """Subject and text of the 'confirm your e-mail address' mail."""
    link = svc.url(f"/auth/confirm/{token.token}")
    return compose("confirm", **mail_values(svc, username=username, link=link))


async def queue_token_mail(
    svc: Services,
    tx: Tx,
    token: MailToken,
    *,
    user_id: int,
    purpose: str,
    to: str,
    mail: tuple[str, str],
    new_email: str | None = None,
) -> None:
    """Store a token and queue the mail carrying its link, inside the caller's transaction."""
    await token_store.insert_email_token(
        tx,
        token_hash=token.token_hash,
        user_id=user_id,
        purpose=purpose,
        expires_at=token.expires_at,
        new_email=new_email,
    )
    await queue_mail(tx, to=to, subject=mail[0], text=mail[1])
    tx.on_commit(svc.jobs.wake)


async def _valid_token(conn: Conn, token: str, purpose: str) -> EmailToken:
    name = _LINK_NAMES[purpose]
    found = await token_store.get_email_token(conn, hash_token(token))
    if found is None or found.purpose != purpose:
        raise NotFound(f"This {name} is not valid; it may have been cut short. Ask for a new one.")
    if found.used_at:
        raise Gone(f"This {name} has already been used. Ask for a new one if you still need it.")
    if found.expires_at <= now_db():
        raise Gone(f"This {name} has expired. Ask for a new one.")
    return found


async def _verify_or_waste_time(password: str, stored: str | None) -> bool:
    """Verify a password; with no stored hash, spend the same time and fail (no enumeration)."""
    global _dummy_hash
    if stored is None:
        if _dummy_hash is None:
            _dummy_hash = await hash_password(secrets.token_urlsafe(16))
        await verify_password(password, _dummy_hash)
        return False
    return await verify_password(password, stored)


async def log_in(svc: Services, attempt: LoginAttempt) -> str:
    """Check credentials and account state, start a new session; return its cookie token.

    Raises LoginRefused. Records every attempt on a known user in the login history; ends the
    session the browser had before (`previous_token`) so a login always rotates the token.
    """
    user, _ = await check_login(svc, attempt)
    token = await start_session(svc, user.id, ip=attempt.ip, user_agent=attempt.user_agent)
    if attempt.previous_token:
        async with svc.db.write() as tx:
            await session_store.revoke_session(tx, hash_token(attempt.previous_token))
    return token


async def check_login(svc: Services, attempt: LoginAttempt) -> tuple[User, Account]:
    """The user and account these credentials open, or LoginRefused (failures are recorded).

    The check behind the login page and the OAuth password grant; starts no session.
    """
    async with svc.db.read() as conn:
        found = await user_store.get_user_account_by_login(conn, attempt.login.strip())
    if found is not None and found[1].deleted_at:
        found = None
    ok = await _verify_or_waste_time(attempt.password, found[0].password_hash if found else None)
    if found is None:
        raise LoginRefused()
    user, account = found
    refusal: LoginRefused | None = None
    if not ok:
        refusal = LoginRefused()
    elif user.disabled_at or account.suspended_at:
        refusal = LoginRefused("This account has been disabled.", reason="disabled", status=403)
    elif not user.confirmed_at:
        refusal = LoginRefused(
            "You need to confirm your e-mail address first: click the link in the mail we sent"
            f" to {user.email}.",
            reason="unconfirmed",
            status=403,
        )
    elif not user.approved:
        refusal = LoginRefused(
            "Your account is awaiting approval by the moderators. We will e-mail you once it is"
            " approved.",
            reason="pending",
            status=403,
        )
    if refusal is not None:
        async with svc.db.write() as tx:
            await session_store.insert_login_event(
                tx, user_id=user.id, ip=attempt.ip, user_agent=attempt.user_agent, success=False
            )
        raise refusal
    return user, account


async def confirm_email(svc: Services, token: str) -> User:
    """Confirm the address a confirmation link was sent to; raises NotFound/Gone for bad links."""
    async with svc.db.write() as tx:
        found = await _valid_token(tx, token, "confirm")
        await token_store.use_email_token(tx, found.token_hash)
        user = await user_store.get_user(tx, found.user_id)
        assert user is not None
        if not user.confirmed_at:
            await user_store.update_user(tx, user.id, confirmed_at=now_db())
        user = await user_store.get_user(tx, found.user_id)
    assert user is not None
    return user


async def resend_confirmation(svc: Services, login: str) -> None:
    """Send a new confirmation link if such an unconfirmed account exists (silent otherwise)."""
    async with svc.db.read() as conn:
        found = await user_store.get_user_account_by_login(conn, login.strip())
    if found is None or found[0].confirmed_at or found[0].disabled_at:
        return
    user, account = found
    token = new_mail_token(CONFIRM_LIFETIME)
    mail = confirmation_mail(svc, account.username, token)
    async with svc.db.write() as tx:
        await queue_token_mail(
            svc, tx, token, user_id=user.id, purpose="confirm", to=user.email, mail=mail
        )


async def request_password_reset(svc: Services, email: str) -> None:
    """Mail a 1-hour reset link if an account has this address (silent otherwise)."""
    if not email.strip():
        raise Invalid.field("email", "Enter the e-mail address of your account.")
    async with svc.db.read() as conn:
        found = await user_store.get_user_account_by_login(conn, email.strip())
    if found is None or found[0].disabled_at or found[1].deleted_at:
        return
    user, account = found
    token = new_mail_token(RESET_LIFETIME)
    link = svc.url(f"/auth/password/reset/{token.token}")
    mail = compose("reset_password", **mail_values(svc, username=account.username, link=link))
    async with svc.db.write() as tx:
        await queue_token_mail(
            svc, tx, token, user_id=user.id, purpose="reset", to=user.email, mail=mail
        )


async def check_reset_token(svc: Services, token: str) -> None:
    """Raise NotFound/Gone unless this reset link can still be used."""
    async with svc.db.read() as conn:
        await _valid_token(conn, token, "reset")


def _new_password_errors(
    password: str, confirmation: str, *, username: str, email: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    problem = password_problem(password, username=username, email=email)
    if problem:
        errors["password"] = problem
    if password != confirmation:
        errors["password_confirmation"] = "The two passwords do not match."
    return errors


async def reset_password(
    svc: Services, token: str, *, password: str, password_confirmation: str
) -> None:
    """Set a new password from a reset link; ends every session; the link stops working."""
    async with svc.db.read() as conn:
        found = await _valid_token(conn, token, "reset")
        pair = await user_store.get_user_account(conn, found.user_id)
    assert pair is not None
    user, account = pair
    errors = _new_password_errors(
        password, password_confirmation, username=account.username, email=user.email
    )
    if errors:
        raise Invalid(field_errors=errors)
    password_hash = await hash_password(password)
    mail = compose("password_changed", **mail_values(svc, username=account.username))
    async with svc.db.write() as tx:
        if not await token_store.use_email_token(tx, found.token_hash):
            raise Gone("This password reset link has already been used. Ask for a new one.")
        await token_store.use_user_email_tokens(tx, user.id, "reset")
        changes: dict[str, object] = {"password_hash": password_hash}
        if not user.confirmed_at:
            changes["confirmed_at"] = now_db()  # the link proved the address
        await user_store.update_user(tx, user.id, **changes)
        await session_store.revoke_user_sessions(tx, user.id)
        await oauth_store.revoke_account_tokens(tx, user.id)
        await queue_mail(tx, to=user.email, subject=mail[0], text=mail[1])
        tx.on_commit(svc.jobs.wake)
    forget_account(svc, user.id)


async def change_password(
    svc: Services,
    viewer: Viewer,
    *,
    current_password: str,
    password: str,
    password_confirmation: str,
) -> int:
    """Change the viewer's password; ends their other sessions (returns how many); mails a notice."""
    async with svc.db.read() as conn:
        user = await user_store.get_user(conn, viewer.user.id)
    assert user is not None
    errors = _new_password_errors(
        password, password_confirmation, username=viewer.username, email=user.email
    )
    if not current_password or not await verify_password(current_password, user.password_hash):
        errors["current_password"] = "That is not your current password."
    elif not errors and current_password == password:
        errors["password"] = "The new password must differ from the current one."
    if errors:
        raise Invalid(field_errors=errors)
    password_hash = await hash_password(password)
    mail = compose("password_changed", **mail_values(svc, username=viewer.username))
    async with svc.db.write() as tx:
        await user_store.update_user(tx, user.id, password_hash=password_hash)
        ended = await session_store.revoke_user_sessions(
            tx, user.id, except_hash=viewer.session_hash or None
        )
        await oauth_store.revoke_account_tokens(tx, user.id)
        await queue_mail(tx, to=user.email, subject=mail[0], text=mail[1])
        tx.on_commit(svc.jobs.wake)
    forget_account(svc, user.id)
    return ended


async def change_email(svc: Services, viewer: Viewer, *, new_email: str, password: str) -> None:
    """Mail a confirmation link to the new address (it changes when clicked); notify the old one."""
    new_email = normalise_email(new_email)
    async with svc.db.read() as conn:
        user = await user_store.get_user(conn, viewer.user.id)
        taken = bool(new_email) and await user_store.email_taken(conn, new_email)
    assert user is not None
    errors: dict[str, str] = {}
    if not new_email:
        errors["email"] = "Enter the new e-mail address."
    elif len(new_email) > 254 or not EMAIL_RE.match(new_email):
        errors["email"] = "Enter a valid e-mail address, like name@example.com."
    elif new_email.lower() == user.email.lower():
        errors["email"] = "That is already your e-mail address."
    elif taken:
        errors["email"] = "An account with that e-mail address already exists."
    if not password or not await verify_password(password, user.password_hash):
        errors["current_password"] = "That is not your current password."
    if errors:
        raise Invalid(field_errors=errors)
    token = new_mail_token(CHANGE_EMAIL_LIFETIME)
    values = mail_values(svc, username=viewer.username, new_email=new_email, old_email=user.email)
    confirm = compose("change_email", **values, link=svc.url(f"/auth/email/confirm/{token.token}"))
    notice = compose("email_change_requested", **values)
    async with svc.db.write() as tx:
        await token_store.use_user_email_tokens(tx, user.id, "change_email")
        await queue_token_mail(
            svc,
            tx,
            token,
            user_id=user.id,
            purpose="change_email",
            to=new_email,
            mail=confirm,
            new_email=new_email,
        )
        await queue_mail(tx, to=user.email, subject=notice[0], text=notice[1])


async def confirm_email_change(svc: Services, token: str) -> User:
    """Switch to the new address of an e-mail change link; NotFound/Gone/Invalid when it cannot."""
    async with svc.db.write() as tx:
        found = await _valid_token(tx, token, "change_email")
        new_email = found.new_email or ""
        other = await user_store.get_user_by_email(tx, new_email)
        if other is not None and other.id != found.user_id:
            raise Invalid.field(
                "email", "Another account now uses that e-mail address; choose a different one."
            )
        await token_store.use_email_token(tx, found.token_hash)
        await user_store.update_user(tx, found.user_id, email=new_email)
        user = await user_store.get_user(tx, found.user_id)
        assert user is not None
        if not user.confirmed_at:
            await user_store.update_user(tx, user.id, confirmed_at=now_db())
    return user


async def security_overview(svc: Services, viewer: Viewer) -> SecurityOverview:
    """The viewer's active sessions (most recent first) and login history (newest first)."""
    async with svc.db.read() as conn:
        active = await session_store.list_user_sessions(conn, viewer.user.id)
        history = await session_store.list_login_events(conn, viewer.user.id, limit=50)
    return SecurityOverview(sessions=active, history=history, current_hash=viewer.session_hash)
