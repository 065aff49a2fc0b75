"""Sign-up from the web form (and later the API): modes open, approval, invite, closed.

The account, its confirmation token and mail, the invite use and the moderators' notifications
are written in one transaction through `create_local_account(..., tx_hook=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedi.accounts.credentials import (
    CONFIRM_LIFETIME,
    confirmation_mail,
    new_mail_token,
    queue_token_mail,
)
from fedi.accounts.registration import (
    NewAccount,
    check_new_account,
    create_local_account,
    normalise_email,
)
from fedi.accounts.sessions import start_session
from fedi.context import Services
from fedi.errors import Forbidden, Invalid
from fedi.events import surface_notifications
from fedi.storage import notifications as notification_store
from fedi.storage import tokens as token_store
from fedi.storage import users as user_store
from fedi.storage.clock import now_db
from fedi.storage.db import Tx
from fedi.storage.rows import Account, User

MAX_REASON = 1000
CLOSED_MESSAGE = "Sign-ups are closed on this instance."
INVITE_INVALID = "This invite code is not valid, used up or expired."


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUp:
    """What the sign-up form sends, plus where it came from."""

    username: str
    email: str
    password: str
    password_confirmation: str
    reason: str = ""
    invite: str = ""
    ip: str = ""
    user_agent: str = ""
    start_session: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUpResult:
    """The new account and what stands between it and the first login."""

    user: User
    account: Account
    needs_confirmation: bool
    needs_approval: bool
    session_token: str | None = None


async def _form_errors(svc: Services, form: SignUp, new: NewAccount, mode: str) -> dict[str, str]:
    errors = check_new_account(new)
    if form.password != form.password_confirmation:
        errors["password_confirmation"] = "The two passwords do not match."
    if mode == "approval" and len(form.reason) > MAX_REASON:
        errors["reason"] = f"Please keep this under {MAX_REASON} characters."
    async with svc.db.read() as conn:
        if mode == "invite":
            invite = await token_store.get_invite(conn, form.invite.strip())
            if not form.invite.strip():
                errors["invite"] = "Enter your invite code."
            elif invite is None or not invite.usable(now_db()):
                errors["invite"] = INVITE_INVALID
        if "username" not in errors and await user_store.username_taken(conn, new.username):
            errors["username"] = "That username is already taken."
        if "email" not in errors and await user_store.email_taken(conn, new.email):
            errors["email"] = "An account with that e-mail address already exists."
    return errors


async def sign_up(svc: Services, form: SignUp) -> SignUpResult:
    """Create an account from the sign-up form; raises Invalid (per field) or Forbidden (closed).

    Side effects in one transaction: account + user rows, a confirmation token and its mail job
    (when confirmation is required), the invite use (invite mode), `admin.sign_up`
    notifications to staff (approval mode). Starts a session when nothing else is needed.
    """
    instance = svc.config.instance
    mode = instance.registrations
    if mode == "closed":
        raise Forbidden(CLOSED_MESSAGE)
    needs_confirmation = instance.require_email_confirmation
    needs_approval = mode == "approval"
    new = NewAccount(
        username=form.username.strip(),
        email=normalise_email(form.email),
        password=form.password,
        confirmed=not needs_confirmation,
        approved=not needs_approval,
        reason=form.reason.strip() if needs_approval else "",
    )
    errors = await _form_errors(svc, form, new, mode)
    if errors:
        raise Invalid(field_errors=errors)
    token = new_mail_token(CONFIRM_LIFETIME) if needs_confirmation else None
    mail = confirmation_mail(svc, new.username, token) if token else None

    async def in_transaction(tx: Tx, user_id: int) -> None:
        if mode == "invite" and not await token_store.use_invite(tx, form.invite.strip()):
            raise Invalid.field("invite", INVITE_INVALID)
        if token is not None and mail is not None:
            await queue_token_mail(
                svc, tx, token, user_id=user_id, purpose="confirm", to=new.email, mail=mail
            )
        if needs_approval:
            for staff_id in await user_store.list_staff_ids(tx):
                await notification_store.insert_notification(
                    tx, account_id=staff_id, from_account_id=user_id, type="admin.sign_up"
                )
                surface_notifications(svc, tx, [staff_id])

    user, account = await create_local_account(svc, new, tx_hook=in_transaction)
    session_token = None
    if form.start_session and not needs_confirmation and not needs_approval:
        session_token = await start_session(svc, user.id, ip=form.ip, user_agent=form.user_agent)
    return SignUpResult(
        user=user,
        account=account,
        needs_confirmation=needs_confirmation,
        needs_approval=needs_approval,
        session_token=session_token,
    )
