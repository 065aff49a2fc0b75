"""Administration of local users: the user list, roles, sign-up approval, invite codes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from fedi.accounts.credentials import mail_values
from fedi.accounts.registration import ROLES
from fedi.accounts.sessions import Viewer
from fedi.context import Services
from fedi.errors import Conflict, Forbidden, Invalid, NotFound
from fedi.mail import compose, queue_mail
from fedi.storage import accounts as account_store
from fedi.storage import tokens as token_store
from fedi.storage import users as user_store
from fedi.storage.clock import db_in
from fedi.storage.rows import Account, User
from fedi.storage.tokens import Invite

INVITE_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_INVITE_USES = 1000
MAX_INVITE_DAYS = 365


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminOverview:
    """What the admin page shows to a staff member."""

    users: list[tuple[User, Account]]
    invites: list[Invite]
    can_change_roles: bool
    registrations: str

    @property
    def pending(self) -> list[tuple[User, Account]]:
        """Sign-ups waiting for approval."""
        return [(u, a) for u, a in self.users if not u.approved]


def _require_staff(viewer: Viewer) -> None:
    if not viewer.is_staff:
        raise Forbidden("Only administrators and moderators can do that.")


def _require_admin(viewer: Viewer) -> None:
    if viewer.role != "admin":
        raise Forbidden("Only administrators can change roles.")


async def admin_overview(svc: Services, viewer: Viewer, *, limit: int = 500) -> AdminOverview:
    """Local users (oldest first) and invite codes, for staff only."""
    _require_staff(viewer)
    async with svc.db.read() as conn:
        users = await user_store.list_user_accounts(conn, limit=limit)
        invites = await token_store.list_invites(conn)
    return AdminOverview(
        users=users,
        invites=invites,
        can_change_roles=viewer.role == "admin",
        registrations=svc.config.instance.registrations,
    )


async def change_role(svc: Services, viewer: Viewer, user_id: int, role: str) -> Account:
    """Give a user another role (admins only); the last administrator cannot be demoted."""
    _require_admin(viewer)
    if role not in ROLES:
        raise Invalid.field("role", f"Role must be one of {', '.join(ROLES)}.")
    async with svc.db.write() as tx:
        found = await user_store.get_user_account(tx, user_id)
        if found is None:
            raise NotFound("There is no such user.")
        user, account = found
        demoting = user.role == "admin" and role != "admin"
        if demoting and await user_store.count_users_with_role(tx, "admin") <= 1:
            who = "You are" if user.id == viewer.id else f"@{account.username} is"
            raise Invalid.field(
                "role", f"{who} the last administrator. Make someone else an administrator first."
            )
        await user_store.update_user(tx, user.id, role=role)
    return account


async def _pending(svc: Services, viewer: Viewer, user_id: int) -> tuple[User, Account]:
    _require_staff(viewer)
    async with svc.db.read() as conn:
        found = await user_store.get_user_account(conn, user_id)
    if found is None:
        raise NotFound("There is no such user.")
    if found[0].approved:
        raise Conflict(f"@{found[1].username} has already been approved.")
    return found


async def approve_sign_up(svc: Services, viewer: Viewer, user_id: int) -> Account:
    """Approve a pending sign-up (staff); mails the person that they can log in."""
    user, account = await _pending(svc, viewer, user_id)
    login = svc.url("/login")
    mail = compose("approved", **mail_values(svc, username=account.username, link=login))
    async with svc.db.write() as tx:
        await user_store.update_user(tx, user.id, approved=1)
        await queue_mail(tx, to=user.email, subject=mail[0], text=mail[1])
        tx.on_commit(svc.jobs.wake)
    return account


async def reject_sign_up(svc: Services, viewer: Viewer, user_id: int) -> Account:
    """Reject a pending sign-up (staff): the account and everything of it is deleted."""
    _user, account = await _pending(svc, viewer, user_id)
    async with svc.db.write() as tx:
        await account_store.delete_account(tx, account.id)
    return account


async def create_invite(
    svc: Services, viewer: Viewer, *, max_uses: int | None, expires_in_days: int | None
) -> Invite:
    """A new invite code (staff); None means unlimited uses / never expires."""
    _require_staff(viewer)
    errors: dict[str, str] = {}
    if max_uses is not None and not 1 <= max_uses <= MAX_INVITE_USES:
        errors["max_uses"] = f"Uses must be between 1 and {MAX_INVITE_USES}, or empty for no limit."
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_INVITE_DAYS:
        errors["expires_in_days"] = f"Choose between 1 and {MAX_INVITE_DAYS} days, or never."
    if errors:
        raise Invalid(field_errors=errors)
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(10))
    expires_at = db_in(timedelta(days=expires_in_days)) if expires_in_days else None
    async with svc.db.write() as tx:
        await token_store.insert_invite(
            tx, code=code, created_by=viewer.id, max_uses=max_uses, expires_at=expires_at
        )
        invite = await token_store.get_invite(tx, code)
    assert invite is not None
    return invite
