"""Test data builders and browser-session helpers (used through conftest fixtures)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from fedi.accounts.registration import NewAccount, create_local_account
from fedi.accounts.sessions import start_session
from fedi.activitypub.keys import KeyPair
from fedi.context import Services
from fedi.storage.rows import Account, User

KEYS_DIR = Path(__file__).parent / "keys"
PASSWORD = "a long test passphrase"
CSRF_COOKIE_VALUE = "test-csrf-cookie-value-0123456789"


def _load_keys() -> list[KeyPair]:
    pairs = []
    for path in sorted(KEYS_DIR.glob("key*.pem")):
        pem = path.read_text()
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        public = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        pairs.append(KeyPair(private_pem=pem, public_pem=public))
    return pairs


TEST_KEYS = _load_keys()
_key_cycle = itertools.cycle(TEST_KEYS)


def next_test_keypair(bits: int = 2048) -> KeyPair:
    """A pre-generated key pair (key generation is slow), cycling through tests/keys."""
    return next(_key_cycle)


async def make_user(
    svc: Services,
    username: str,
    *,
    role: str = "user",
    email: str | None = None,
    password: str = PASSWORD,
    confirmed: bool = True,
) -> tuple[User, Account]:
    """A confirmed local user through the real create-account use case."""
    return await create_local_account(
        svc,
        NewAccount(
            username=username,
            email=email or f"{username}@example.com",
            password=password,
            role=role,
            confirmed=confirmed,
        ),
    )


def csrf_token_for(svc: Services, cookie_value: str = CSRF_COOKIE_VALUE) -> str:
    """The CSRF token matching a CSRF cookie value (as the server computes it)."""
    return hmac.new(svc.secret_key, b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


async def browser_login(client, svc: Services, account: Account) -> None:  # type: ignore[no-untyped-def]
    """Give a test client a real session cookie for `account` and a CSRF cookie."""
    token = await start_session(svc, account.id, ip="127.0.0.1", user_agent="pytest")
    client.set_cookie("localhost", "fedi_session", token)
    client.set_cookie("localhost", "fedi_csrf", CSRF_COOKIE_VALUE)
