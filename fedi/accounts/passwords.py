"""Password hashing with scrypt (memory-hard), run off the event loop."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os

# n=2**15, r=8 -> 32 MiB and ~60-100 ms per hash on our machines.
_N, _R, _P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024
MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON = frozenset(
    {
        "password",
        "password1",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "iloveyou",
        "11111111",
        "00000000",
        "abcdefgh",
        "abc12345",
        "passw0rd",
        "letmein1",
        "sunshine",
        "qwerty123",
        "football",
        "baseball",
        "welcome1",
        "admin123",
        "trustno1",
        "princess",
        "dragon12",
        "monkey12",
        "1q2w3e4r",
        "87654321",
        "superman",
        "starwars",
        "whatever",
    }
)


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """Why a password is not acceptable, or None if it is."""
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters long."
    if len(password) > MAX_LENGTH:
        return f"Password must be at most {MAX_LENGTH} characters long."
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) < 4:
        return "That password is too easy to guess; choose a longer or less common one."
    if username and lowered == username.lower():
        return "Password must not be the same as your username."
    if email and lowered == email.lower():
        return "Password must not be the same as your e-mail address."
    return None


def _hash_sync(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32)


def hash_password_sync(password: str) -> str:
    """scrypt$n$r$p$salt$hash (base64)."""
    salt = os.urandom(16)
    digest = _hash_sync(password, salt, _N, _R, _P)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password_sync(password: str, stored: str) -> bool:
    """True if `password` matches the stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    actual = _hash_sync(password, base64.b64decode(salt), int(n), int(r), int(p))
    return hmac.compare_digest(actual, base64.b64decode(digest))


async def hash_password(password: str) -> str:
    """Hash in a thread so the event loop keeps serving."""
    return await asyncio.to_thread(hash_password_sync, password)


async def verify_password(password: str, stored: str) -> bool:
    """Verify in a thread so the event loop keeps serving."""
    return await asyncio.to_thread(verify_password_sync, password, stored)
