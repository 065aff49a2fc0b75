"""Two fedi instances federating over https, each trusting a throwaway CA made for this test.

Both serve TLS themselves (`[server] certfile/keyfile`, as `fedi serve` does), use https ids, may
not fall back to plain http, and require signed fetches (`authorized_fetch`), so every GET and
POST between them is signed and verified.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import pytest_asyncio
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fedi.accounts.profiles import list_followers_page
from fedi.notifications import list_notifications
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account, like_post
from fedi.outbox.posts import create_post

if TYPE_CHECKING:
    from tests.federation.conftest import Pair, PairFactory

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_tls(folder: Path) -> dict[str, Path]:
    """A throwaway CA and a server certificate it signed for 127.0.0.1: `running_pair` options."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fedi test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "cafile": folder / "ca.pem",
        "certfile": folder / "server.pem",
        "keyfile": folder / "server.key",
    }
    files["cafile"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files["certfile"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files["keyfile"].write_bytes(_pem(key))
    return files


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The CA and server certificate files shared by this module's instances."""
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def https_pair(
    tmp_path_factory: pytest.TempPathFactory, pair_factory: PairFactory, tls_files: dict[str, Path]
) -> AsyncIterator[Pair]:
    """Two instances serving https with the throwaway CA, signed fetches required."""
    root = tmp_path_factory.mktemp("https-instances")
    settings = {"federation": {"authorized_fetch": True}}
    async with pair_factory(root, settings=settings, **tls_files) as pair:
        yield pair


async def test_instances_speak_https_trusting_only_the_test_ca(
    https_pair: Pair, tls_files: dict[str, Path]
) -> None:
    """Ids are https; the server answers TLS verified by the test CA, and not without it."""
    a = https_pair.a
    assert a.base_url == f"https://127.0.0.1:{a.port}"
    trusting = ssl.create_default_context(cafile=str(tls_files["cafile"]))
    async with httpx.AsyncClient(verify=trusting, trust_env=False) as http:
        assert (await http.get(a.base_url + "/health")).status_code == 200
    async with httpx.AsyncClient(trust_env=False) as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(a.base_url + "/health")


async def test_follow_post_and_like_over_https(https_pair: Pair) -> None:
    """Over https with signed fetches: alice follows bob, sees his post, and bob sees her like."""
    a, b = https_pair.a, https_pair.b
    alice, bob = await a.user("alice"), await b.user("bob")

    bob_on_a = await a.remote(bob)
    assert bob_on_a.uri == f"https://{b.domain}/users/bob"
    await follow_account(a.svc, alice, bob_on_a)
    await https_pair.settle()
    followers = await list_followers_page(b.svc, bob.id, "bob")
    assert [c.account.uri for c in followers.cards] == [alice.uri]
    assert alice.uri.startswith("https://")

    post = await create_post(b.svc, bob, PostDraft(text="Hello over TLS"))
    seen = await a.eventually(
        lambda: a.seen_at_home(alice, post.uri), "bob's post reaches alice's home"
    )
    assert "Hello over TLS" in seen.post.content_html
    assert "Hello over TLS" in (await a.page(alice, "/home")).text

    await like_post(a.svc, alice, seen.id)
    await https_pair.settle()
    viewer = await b.viewer(bob)
    found = [(n.type, n.account.account.uri) for n in await list_notifications(b.svc, viewer)]
    assert ("favourite", alice.uri) in found
