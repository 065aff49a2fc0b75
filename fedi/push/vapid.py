"""VAPID (RFC 8292): the instance's P-256 key pair and the signed token every push carries.

The key pair is made once, stored with the other instance secrets (the `settings` table), and
kept loaded in memory. Its public key (uncompressed point, base64url) is what clients pass to the
browser's `pushManager.subscribe` as `applicationServerKey`: `/api/v2/instance`
`configuration.vapid.public_key`, the apps' `vapid_key` and every subscription's `server_key`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from fedi.context import Services
from fedi.push.encrypt import (
    b64url_decode,
    b64url_encode,
    new_private_key,
    private_key_from_scalar,
    public_key_bytes,
)
from fedi.storage import settings as settings_store

VAPID_PRIVATE_KEY = "vapid_private_key"
"""Settings key: the private scalar, 32 bytes, base64url."""
EXTRAS_KEY = "vapid_keys"
TOKEN_SECONDS = 12 * 3600
"""How long a VAPID token is valid (RFC 8292 allows at most 24 hours)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VapidKeys:
    """The instance's VAPID key pair, loaded."""

    private_key: ec.EllipticCurvePrivateKey
    public_key: str
    """Uncompressed point, base64url without padding (87 characters)."""

    @classmethod
    def from_scalar(cls, private_b64: str) -> VapidKeys:
        """Load the pair from the stored private scalar."""
        key = private_key_from_scalar(b64url_decode(private_b64))
        return cls(private_key=key, public_key=b64url_encode(public_key_bytes(key.public_key())))


def new_scalar() -> str:
    """A fresh private scalar, base64url (what is stored)."""
    value = new_private_key().private_numbers().private_value
    return b64url_encode(value.to_bytes(32, "big"))


async def vapid_keys(svc: Services) -> VapidKeys:
    """The instance's VAPID keys, made and stored on first use, then kept in memory."""
    cached = svc.extras.get(EXTRAS_KEY)
    if isinstance(cached, VapidKeys):
        return cached
    async with svc.db.read() as conn:
        stored = await settings_store.get_setting(conn, VAPID_PRIVATE_KEY)
    if stored is None:
        async with svc.db.write() as tx:
            await settings_store.insert_setting_if_missing(tx, VAPID_PRIVATE_KEY, new_scalar())
            stored = await settings_store.get_setting(tx, VAPID_PRIVATE_KEY)
    assert stored is not None
    keys = VapidKeys.from_scalar(stored)
    svc.extras[EXTRAS_KEY] = keys
    return keys


async def vapid_public_key(svc: Services) -> str:
    """The public key clients subscribe with (`vapid_key`, `server_key`)."""
    return (await vapid_keys(svc)).public_key


def audience_of(endpoint: str) -> str:
    """The push service's origin, the token's `aud`: `https://host[:port]`."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def vapid_token(keys: VapidKeys, *, audience: str, subject: str, now: float | None = None) -> str:
    """A compact ES256 JWT `{aud, exp, sub}` signed with the instance key."""
    issued = int(time.time() if now is None else now)
    header = b64url_encode(json.dumps({"typ": "JWT", "alg": "ES256"}).encode())
    claims = {"aud": audience, "exp": issued + TOKEN_SECONDS, "sub": subject}
    payload = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    r, s = decode_dss_signature(keys.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{header}.{payload}.{b64url_encode(signature)}"


def authorization_headers(
    keys: VapidKeys, *, endpoint: str, subject: str, standard: bool, dh: bytes = b""
) -> dict[str, str]:
    """The VAPID headers of one push: RFC 8292 `vapid t=, k=` for `aes128gcm`; for legacy
    `aesgcm`, `WebPush <token>` with the key in `Crypto-Key` beside our ephemeral `dh`."""
    token = vapid_token(keys, audience=audience_of(endpoint), subject=subject)
    if standard:
        return {"Authorization": f"vapid t={token}, k={keys.public_key}"}
    # Interop: Mastodon's non-standard subscriptions (and older browsers' push services) expect
    # the draft-01 VAPID form alongside the aesgcm content coding.
    return {
        "Authorization": f"WebPush {token}",
        "Crypto-Key": f"dh={b64url_encode(dh)};p256ecdsa={keys.public_key}",
    }
