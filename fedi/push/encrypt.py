"""Web Push message encryption: RFC 8291 over RFC 8188 `aes128gcm`, and the legacy `aesgcm`.

Pure code (no I/O): ECDH on P-256, HKDF-SHA-256 and AES-128-GCM from `cryptography`.
- `aes128gcm` (RFC 8188 content coding, keyed as RFC 8291 says): the salt, record size and our
  ephemeral public key travel in the body's header; one record, ended by the 0x02 delimiter.
- `aesgcm` (draft-ietf-webpush-encryption-04, what Mastodon sends to subscriptions that are not
  `standard`): a two-byte padding length before the text; salt and our ephemeral key travel in
  the `Encryption` and `Crypto-Key` headers.
The decrypting halves are here too: the receiving side of RFC 8188's own examples, and what a
push service's subscriber does (tests).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TAG_SIZE = 16
KEY_SIZE = 16
NONCE_SIZE = 12
SALT_SIZE = 16
AUTH_SECRET_SIZE = 16
PUBLIC_KEY_SIZE = 65
DEFAULT_RECORD_SIZE = 4096
LAST_RECORD = b"\x02"
NOT_LAST_RECORD = b"\x01"


class DecryptionError(ValueError):
    """A body that does not decrypt: wrong key, altered bytes, or a malformed header."""


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url, as Web Push keys and VAPID tokens are written."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """base64url with or without padding; the standard alphabet too (some clients send it)."""
    cleaned = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))


def _hkdf(ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def public_key_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    """The 65-byte uncompressed point (0x04 || X || Y)."""
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def load_public_key(raw: bytes) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from its uncompressed point; ValueError when it is not one."""
    if len(raw) != PUBLIC_KEY_SIZE or raw[0] != 4:
        raise ValueError("not an uncompressed P-256 point")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


def private_key_from_scalar(raw: bytes) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from its 32-byte scalar (how VAPID and test keys are written)."""
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def new_private_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key (one per message for the ECDH, one per instance for VAPID)."""
    return ec.generate_private_key(ec.SECP256R1())


def _record_nonce(base: bytes, seq: int) -> bytes:
    return (int.from_bytes(base, "big") ^ seq).to_bytes(NONCE_SIZE, "big")


# --- RFC 8188 aes128gcm -----------------------------------------------------------------------


def _ece_keys(ikm: bytes, salt: bytes) -> tuple[bytes, bytes]:
    cek = _hkdf(ikm, salt=salt, info=b"Content-Encoding: aes128gcm\x00", length=KEY_SIZE)
    nonce = _hkdf(ikm, salt=salt, info=b"Content-Encoding: nonce\x00", length=NONCE_SIZE)
    return cek, nonce


def ece_encrypt(
    plaintext: bytes,
    *,
    ikm: bytes,
    salt: bytes,
    keyid: bytes = b"",
    record_size: int = DEFAULT_RECORD_SIZE,
    padding: int = 0,
) -> bytes:
    """RFC 8188 `aes128gcm`: header (salt, rs, keyid), then records of at most `record_size`.

    `padding` zero bytes go first (after each record's delimiter), filling records in order;
    the text fills the rest of each record, as in RFC 8188's second example.
    """
    if len(salt) != SALT_SIZE or len(keyid) > 255:
        raise ValueError("bad salt or keyid")
    room = record_size - TAG_SIZE - 1
    if room < 1:
        raise ValueError("record size too small")
    cek, base = _ece_keys(ikm, salt)
    aead = AESGCM(cek)
    header = salt + record_size.to_bytes(4, "big") + bytes([len(keyid)]) + keyid
    records: list[bytes] = []
    rest, pad_left, seq = plaintext, padding, 0
    while True:
        pad = min(pad_left, room)
        pad_left -= pad
        chunk, rest = rest[: room - pad], rest[room - pad :]
        last = not rest and not pad_left
        block = chunk + (LAST_RECORD if last else NOT_LAST_RECORD) + b"\x00" * pad
        records.append(aead.encrypt(_record_nonce(base, seq), block, None))
        seq += 1
        if last:
            return header + b"".join(records)


def ece_header(body: bytes) -> tuple[bytes, int, bytes, int]:
    """(salt, record size, keyid, where the records start) of an `aes128gcm` body."""
    if len(body) < SALT_SIZE + 5:
        raise DecryptionError("the body is shorter than its header")
    salt = body[:SALT_SIZE]
    record_size = int.from_bytes(body[SALT_SIZE : SALT_SIZE + 4], "big")
    idlen = body[SALT_SIZE + 4]
    start = SALT_SIZE + 5 + idlen
    if len(body) < start or record_size <= TAG_SIZE + 1:
        raise DecryptionError("malformed header")
    return salt, record_size, body[SALT_SIZE + 5 : start], start


def ece_decrypt(body: bytes, *, ikm: bytes) -> bytes:
    """The text of an RFC 8188 `aes128gcm` body; DecryptionError when it does not decrypt."""
    salt, record_size, _keyid, start = ece_header(body)
    cek, base = _ece_keys(ikm, salt)
    aead = AESGCM(cek)
    records = [body[i : i + record_size] for i in range(start, len(body), record_size)]
    if not records:
        raise DecryptionError("no records")
    out: list[bytes] = []
    for seq, record in enumerate(records):
        try:
            block = aead.decrypt(_record_nonce(base, seq), record, None)
        except InvalidTag:
            raise DecryptionError("a record does not decrypt") from None
        text = block.rstrip(b"\x00")
        last = seq == len(records) - 1
        if not text or text[-1:] != (LAST_RECORD if last else NOT_LAST_RECORD):
            raise DecryptionError("bad record delimiter")
        out.append(text[:-1])
    return b"".join(out)


# --- RFC 8291: Web Push keys over aes128gcm ---------------------------------------------------


def _webpush_ikm(
    private_key: ec.EllipticCurvePrivateKey,
    peer: ec.EllipticCurvePublicKey,
    *,
    ua_public: bytes,
    as_public: bytes,
    auth_secret: bytes,
) -> bytes:
    shared = private_key.exchange(ec.ECDH(), peer)
    info = b"WebPush: info\x00" + ua_public + as_public
    return _hkdf(shared, salt=auth_secret, info=info, length=32)


def webpush_encrypt(
    plaintext: bytes,
    *,
    ua_public: bytes,
    auth_secret: bytes,
    salt: bytes | None = None,
    as_private: ec.EllipticCurvePrivateKey | None = None,
) -> bytes:
    """An `aes128gcm` Web Push body for the subscriber's `p256dh` key and `auth` secret.

    `salt` and `as_private` (our ephemeral key) are fresh for every message unless given (tests).
    """
    as_private = as_private or new_private_key()
    as_public = public_key_bytes(as_private.public_key())
    ikm = _webpush_ikm(
        as_private,
        load_public_key(ua_public),
        ua_public=ua_public,
        as_public=as_public,
        auth_secret=auth_secret,
    )
    return ece_encrypt(plaintext, ikm=ikm, salt=salt or os.urandom(SALT_SIZE), keyid=as_public)


def webpush_decrypt(
    body: bytes, *, ua_private: ec.EllipticCurvePrivateKey, auth_secret: bytes
) -> bytes:
    """The subscriber's side of `webpush_encrypt` (the sender's key is the body's keyid)."""
    _salt, _rs, keyid, _start = ece_header(body)
    try:
        sender = load_public_key(keyid)
    except ValueError:
        raise DecryptionError("the keyid is not a P-256 public key") from None
    ua_public = public_key_bytes(ua_private.public_key())
    ikm = _webpush_ikm(
        ua_private, sender, ua_public=ua_public, as_public=keyid, auth_secret=auth_secret
    )
    return ece_decrypt(body, ikm=ikm)


# --- legacy aesgcm ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyMessage:
    """An `aesgcm` body and what its headers carry: `Encryption: salt=`, `Crypto-Key: dh=`."""

    body: bytes
    salt: bytes
    dh: bytes


def _aesgcm_keys(
    private_key: ec.EllipticCurvePrivateKey,
    peer: ec.EllipticCurvePublicKey,
    *,
    ua_public: bytes,
    as_public: bytes,
    auth_secret: bytes,
    salt: bytes,
) -> tuple[bytes, bytes]:
    shared = private_key.exchange(ec.ECDH(), peer)
    ikm = _hkdf(shared, salt=auth_secret, info=b"Content-Encoding: auth\x00", length=32)
    context = (
        b"P-256\x00"
        + len(ua_public).to_bytes(2, "big")
        + ua_public
        + len(as_public).to_bytes(2, "big")
        + as_public
    )
    cek = _hkdf(ikm, salt=salt, info=b"Content-Encoding: aesgcm\x00" + context, length=KEY_SIZE)
    nonce = _hkdf(ikm, salt=salt, info=b"Content-Encoding: nonce\x00" + context, length=NONCE_SIZE)
    return cek, nonce


def aesgcm_encrypt(
    plaintext: bytes,
    *,
    ua_public: bytes,
    auth_secret: bytes,
    salt: bytes | None = None,
    as_private: ec.EllipticCurvePrivateKey | None = None,
    padding: int = 0,
) -> LegacyMessage:
    """A legacy `aesgcm` Web Push message: one record, two-byte padding length first."""
    if len(plaintext) + 2 + padding + TAG_SIZE > DEFAULT_RECORD_SIZE:
        raise ValueError("the message does not fit in one record")
    as_private = as_private or new_private_key()
    as_public = public_key_bytes(as_private.public_key())
    salt = salt or os.urandom(SALT_SIZE)
    cek, nonce = _aesgcm_keys(
        as_private,
        load_public_key(ua_public),
        ua_public=ua_public,
        as_public=as_public,
        auth_secret=auth_secret,
        salt=salt,
    )
    block = padding.to_bytes(2, "big") + b"\x00" * padding + plaintext
    return LegacyMessage(body=AESGCM(cek).encrypt(nonce, block, None), salt=salt, dh=as_public)


def aesgcm_decrypt(
    message: LegacyMessage, *, ua_private: ec.EllipticCurvePrivateKey, auth_secret: bytes
) -> bytes:
    """The subscriber's side of `aesgcm_encrypt` (one record)."""
    try:
        sender = load_public_key(message.dh)
    except ValueError:
        raise DecryptionError("dh is not a P-256 public key") from None
    cek, nonce = _aesgcm_keys(
        ua_private,
        sender,
        ua_public=public_key_bytes(ua_private.public_key()),
        as_public=message.dh,
        auth_secret=auth_secret,
        salt=message.salt,
    )
    try:
        block = AESGCM(cek).decrypt(nonce, message.body, None)
    except InvalidTag:
        raise DecryptionError("the message does not decrypt") from None
    pad = int.from_bytes(block[:2], "big")
    if len(block) < 2 + pad or any(block[2 : 2 + pad]):
        raise DecryptionError("bad padding")
    return block[2 + pad :]
