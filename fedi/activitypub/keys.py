"""RSA keys for actors: generate, serialise, load (load once and keep the object)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyPair:
    private_pem: str
    public_pem: str


def generate_keypair(bits: int = KEY_BITS) -> KeyPair:
    """A new RSA key pair as PKCS#8 / SPKI PEM text (takes ~50-200 ms)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem=private_pem, public_pem=public_pem)


@lru_cache(maxsize=4096)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """Parse a private key PEM once (parsing costs ~30 ms; the object is cached)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@lru_cache(maxsize=4096)
def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Parse a public key PEM once."""
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def key_id(actor_uri: str) -> str:
    """The id of an actor's main key, Mastodon style."""
    return f"{actor_uri}#main-key"
