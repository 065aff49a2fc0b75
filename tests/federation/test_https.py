"""Two fedi instances federating over https, each trusting a throwaway CA made for this test.

Both serve TLS themselves (`[server] certfile/keyfile`, as `fedi serve` does), use https ids, may
not fall back to plain http, and require signed fetches (`authorized_fetch`), so every GET and
POST between them is signed and verified.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import pytest_asyncio

from fedi.accounts.profiles import list_followers_page
from fedi.notifications import list_notifications
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account, like_post
from fedi.outbox.posts import create_post
from tests.federation.tls import make_tls, pair_options

if TYPE_CHECKING:
    from tests.federation.conftest import Pair, PairFactory

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The CA and server certificate files shared by this module's instances."""
    return pair_options(make_tls(tmp_path_factory.mktemp("tls")))


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
