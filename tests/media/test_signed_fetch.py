"""Remote media is fetched with GETs signed by the instance actor, so servers that refuse unsigned
requests (authorized fetch) still serve us their files.

The other server is a FakeRemote on 127.0.0.1 that requires signatures and checks them with its
own verifier, knowing only our instance actor's public key.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from fedi import context
from fedi.activitypub.keys import key_id as main_key_id
from fedi.activitypub.vocab import Attachment
from fedi.config import Config
from fedi.context import Services
from fedi.media.remote import cache_remote_media
from fedi.media.remote_attach import add_remote_attachments
from fedi.media.remote_images import remote_account_image
from fedi.storage import media as media_storage
from fedi.storage import posts as post_store
from fedi.storage import remote_accounts
from fedi.storage.clock import now_db
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Post
from tests.conftest import make_config
from tests.factories import next_test_keypair
from tests.fakes.remote import FakeRemote
from tests.media.files import jpeg, png

SETTINGS = {"federation": {"allow_http": True, "allow_private_addresses": True}}
_SIGNED_HEADERS = re.compile(r'headers="([^"]*)"')


@pytest.fixture(autouse=True)
def fast_instance_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The instance actor gets a pre-generated key too (generating one takes a while)."""
    monkeypatch.setattr(context, "generate_keypair", next_test_keypair)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, **SETTINGS)


@pytest.fixture
async def remote(svc: Services) -> AsyncIterator[FakeRemote]:
    """A server that answers only signed GETs, and trusts our instance actor's key."""
    async with FakeRemote(require_signatures=True) as fake:
        assert svc.instance_keys is not None
        fake.trust(main_key_id(svc.base_url + "/actor"), svc.instance_keys.public_pem)
        yield fake


async def _carol(svc: Services, remote: FakeRemote, **changes: Any) -> Account:
    async with svc.db.write() as tx:
        return await remote_accounts.upsert_remote_account(
            tx,
            remote_accounts.RemoteAccountFields(
                uri=remote.url("/users/carol"),
                username="carol",
                domain=remote.host,
                inbox_uri=remote.url("/users/carol/inbox"),
                **changes,
            ),
        )


async def _remote_post(svc: Services, author: Account) -> Post:
    uri = author.uri + f"/statuses/{new_id()}"
    post = Post(
        id=new_id(),
        uri=uri,
        url=uri,
        account_id=author.id,
        local=0,
        visibility="public",
        content_html="<p>look</p>",
        created_at=now_db(),
    )
    async with svc.db.write() as tx:
        await post_store.insert_post(tx, post)
    return post


def _signed_names(remote: FakeRemote, path: str) -> list[str]:
    [request] = [r for r in remote.requests_to(path) if r.method == "GET"]
    assert request.signature == "ok", request.signature
    found = _SIGNED_HEADERS.search(request.headers["signature"])
    assert found is not None
    return found.group(1).split()


async def test_attachments_are_fetched_with_a_signed_get(
    svc: Services, remote: FakeRemote, run_jobs: Callable[[], Awaitable[int]]
) -> None:
    """A post's image on a server that requires signatures is fetched (signed by /actor, covering
    request target, host, date and accept) and cached here."""
    remote.add_response("/files/cat.jpg", jpeg(300, 200), content_type="image/jpeg")
    carol = await _carol(svc, remote)
    post = await _remote_post(svc, carol)
    attachment = Attachment(
        type="Image", media_type="image/jpeg", url=remote.url("/files/cat.jpg"), name="A cat"
    )
    async with svc.db.write() as tx:
        [row] = await add_remote_attachments(
            svc, tx, post_id=post.id, account_id=carol.id, attachments=[attachment]
        )

    await run_jobs()

    async with svc.db.read() as conn:
        media = await media_storage.get_media(conn, row.id)
    assert media is not None and media.state == "ready" and media.file_key
    assert _signed_names(remote, "/files/cat.jpg") == ["(request-target)", "host", "date", "accept"]


async def test_avatars_are_fetched_with_a_signed_get(svc: Services, remote: FakeRemote) -> None:
    """A remote avatar on a server that requires signatures is fetched and served from here."""
    remote.add_response("/files/avatar.png", png(120, 120), content_type="image/png")
    carol = await _carol(svc, remote, avatar_url=remote.url("/files/avatar.png"))

    served = await remote_account_image(svc, carol.id, "avatar")

    assert served is not None
    assert _signed_names(remote, "/files/avatar.png")[:3] == ["(request-target)", "host", "date"]


async def test_each_redirect_is_signed_for_its_own_url(svc: Services, remote: FakeRemote) -> None:
    """A file behind a redirect: the second request carries a signature for the new path."""
    remote.add_redirect("/media/old.png", "/media/new.png")
    remote.add_response("/media/new.png", png(64, 64), content_type="image/png")
    carol = await _carol(svc, remote)

    media = await cache_remote_media(
        svc,
        url=remote.url("/media/old.png"),
        owner=carol,
        kind_hint="image",
        description="moved",
        blurhash=None,
        post_id=None,
        position=0,
    )

    assert media.state == "ready"
    assert [r.signature for r in remote.requests_to("/media/old.png")] == ["ok"]
    assert [r.signature for r in remote.requests_to("/media/new.png")] == ["ok"]


async def test_a_server_that_does_not_know_our_key_refuses_the_file(
    svc: Services, remote: FakeRemote
) -> None:
    """When the other server cannot verify us (401), the file is not cached and the post keeps
    its link to the original."""
    remote.trusted_keys.clear()
    remote.add_response("/files/secret.png", png(64, 64), content_type="image/png")
    carol = await _carol(svc, remote)

    media = await cache_remote_media(
        svc,
        url=remote.url("/files/secret.png"),
        owner=carol,
        kind_hint="image",
        description="",
        blurhash=None,
        post_id=None,
        position=0,
    )

    assert media.state == "failed" and not media.file_key
    assert [r.signature for r in remote.requests_to("/files/secret.png")] == [
        f"unknown key {main_key_id(svc.base_url + '/actor')!r}"
    ]
