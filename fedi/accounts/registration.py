"""Creating local accounts: the one entry point for the CLI, the sign-up page and the API."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass

from fedi.accounts.passwords import hash_password, password_problem
from fedi.activitypub.keys import generate_keypair
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.errors import Invalid, NotFound
from fedi.storage import accounts as account_store
from fedi.storage import users as user_store
from fedi.storage.db import Tx
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, User

ROLES = ("admin", "moderator", "user")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
RESERVED_USERNAMES = frozenset(
    {
        "about",
        "abuse",
        "actor",
        "admin",
        "administrator",
        "api",
        "auth",
        "favicon",
        "fedi",
        "health",
        "help",
        "home",
        "hostmaster",
        "inbox",
        "instance",
        "local",
        "localhost",
        "login",
        "logout",
        "mod",
        "moderator",
        "nodeinfo",
        "notifications",
        "oauth",
        "outbox",
        "postmaster",
        "root",
        "security",
        "settings",
        "signup",
        "static",
        "support",
        "system",
        "tags",
        "users",
        "webmaster",
        "well_known",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAccount:
    """What a person (or the CLI) asks for when creating an account."""

    username: str
    email: str
    password: str
    role: str = "user"
    confirmed: bool = False
    approved: bool = True
    reason: str = ""


def normalise_email(email: str) -> str:
    return email.strip()


def check_new_account(new: NewAccount) -> dict[str, str]:
    """Field errors for the shape of a new account (no database checks)."""
    errors: dict[str, str] = {}
    username = new.username.strip()
    if not username:
        errors["username"] = "Choose a username."
    elif not USERNAME_RE.match(username):
        errors["username"] = (
            "Usernames may use only letters, digits and underscores, up to 30 characters."
        )
    elif username.lower() in RESERVED_USERNAMES:
        errors["username"] = "That username is reserved; choose another."
    email = normalise_email(new.email)
    if not email:
        errors["email"] = "Enter your e-mail address."
    elif len(email) > 254 or not EMAIL_RE.match(email):
        errors["email"] = "Enter a valid e-mail address, like name@example.com."
    problem = password_problem(new.password, username=username, email=email)
    if problem:
        errors["password"] = problem
    if new.role not in ROLES:
        errors["role"] = f"Role must be one of {', '.join(ROLES)}."
    return errors


async def _check_taken(svc: Services, username: str, email: str) -> dict[str, str]:
    errors = {}
    async with svc.db.read() as conn:
        if await user_store.username_taken(conn, username):
            errors["username"] = "That username is already taken."
        if await user_store.email_taken(conn, email):
            errors["email"] = "An account with that e-mail address already exists."
    return errors


async def create_local_account(
    svc: Services, new: NewAccount, *, tx_hook: object = None
) -> tuple[User, Account]:
    """Validate, hash, make keys, and insert the account and user in one transaction.

    Raises Invalid naming the field for a bad or duplicate username, e-mail or password.
    `tx_hook`, if given, is an async callable(tx, user_id) run inside the same transaction
    (e.g. to queue the confirmation mail).
    """
    errors = check_new_account(new)
    username, email = new.username.strip(), normalise_email(new.email)
    if not errors:
        errors = await _check_taken(svc, username, email)
    if errors:
        raise Invalid(field_errors=errors)
    password_hash, keys = await asyncio.gather(
        hash_password(new.password), asyncio.to_thread(generate_keypair)
    )
    uris = Uris(svc.base_url)
    account_id = new_id()
    try:
        async with svc.db.write() as tx:
            await _insert(tx, uris, account_id, username, keys.public_pem, keys.private_pem)
            await user_store.insert_user(
                tx,
                id=account_id,
                email=email,
                password_hash=password_hash,
                role=new.role,
                confirmed=new.confirmed,
                approved=new.approved,
                sign_up_reason=new.reason,
            )
            if tx_hook is not None:
                await tx_hook(tx, account_id)  # type: ignore[operator]
    except sqlite3.IntegrityError:
        # Interop: a concurrent sign-up took the name or address between check and insert.
        errors = await _check_taken(svc, username, email)
        raise Invalid(
            field_errors=errors or {"username": "That username is already taken."}
        ) from None
    async with svc.db.read() as conn:
        found = await user_store.get_user_account(conn, account_id)
    assert found is not None
    return found


async def _insert(
    tx: Tx, uris: Uris, account_id: int, username: str, public_pem: str, private_pem: str
) -> None:
    collections = uris.actor_collections(username)
    await account_store.insert_local_account(
        tx,
        id=account_id,
        username=username,
        uri=uris.actor(username),
        url=uris.profile(username),
        urls={
            "inbox": collections["inbox"],
            "shared_inbox": collections["shared_inbox"],
            "outbox": collections["outbox"],
            "followers": collections["followers"],
            "following": collections["following"],
            "featured": collections["featured"],
        },
        public_key_pem=public_pem,
        private_key_pem=private_pem,
        public_key_id=uris.key_id(username),
    )


async def set_role(svc: Services, username: str, role: str) -> User:
    """Change a local user's role (admin, moderator, user)."""
    if role not in ROLES:
        raise Invalid.field("role", f"Role must be one of {', '.join(ROLES)}.")
    async with svc.db.write() as tx:
        account = await account_store.get_local_account(tx, username)
        if account is None:
            raise NotFound(f"No local user named {username}.")
        await user_store.update_user(tx, account.id, role=role)
        user = await user_store.get_user(tx, account.id)
    assert user is not None
    return user


async def list_users(
    svc: Services, *, limit: int = 200, offset: int = 0
) -> list[tuple[User, Account]]:
    """Local users with their accounts, oldest first."""
    async with svc.db.read() as conn:
        return await user_store.list_user_accounts(conn, limit=limit, offset=offset)
