"""Fedify as an independent peer: it follows us, posts to us (cavage and RFC 9421), verifies us.

One fedi instance (`create_app` under Hypercorn, https with a throwaway CA, on 127.0.0.1) and the
Fedify peer of `tests/peers/fedify/peer.mjs` (Node, a subprocess on 127.0.0.1, https with the same
CA) talk over real loopback sockets with real signatures; handles carry ports
(`acct:erin@127.0.0.1:<port>`), looked up over https WebFinger both ways. The peer's inbox keeps
only what Fedify verified, and the peer notes every request it got or sent with its signature
scheme and status; the tests read that through the peer's test-only `/_test/log` and fedi's state
through its services.
The peer is installed by `scripts/setup-fedify-peer.sh` (`make peers`; run here too, instant when
the install is up to date).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config as HyperConfig
from quart import Quart

import fedi.accounts.registration as registration
from fedi import context
from fedi.activitypub import httpsig, rfc9421
from fedi.activitypub.keys import load_private_key
from fedi.app import create_app
from fedi.context import Services
from fedi.outbox.commands import PostDraft
from fedi.outbox.interactions import follow_account
from fedi.outbox.posts import create_post
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import posts as post_store
from fedi.storage.rows import Account, Post
from fedi.timelines import home_timeline
from fedi.webfinger.lookup import lookup_handle
from tests.conftest import make_config
from tests.factories import TEST_KEYS, make_user, next_test_keypair
from tests.federation.tls import TlsFiles, make_tls

# The servers live for the whole module, so its async tests share one event loop.
shared_loop = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
PEER_DIR = ROOT / "tests" / "peers" / "fedify"
SETUP_SCRIPT = ROOT / "scripts" / "setup-fedify-peer.sh"
SETUP_STAMP = PEER_DIR / "node_modules" / ".fedi-setup"
CAVAGE = "draft-cavage-http-signatures-12"
RFC9421 = "rfc9421"
DEADLINE = 20.0
T = TypeVar("T")


# --- the two servers ----------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class FediServer:
    """Our instance, served over https on 127.0.0.1 with its workers running."""

    app: Quart
    port: int
    stop: asyncio.Event
    task: asyncio.Task[None]

    @property
    def svc(self) -> Services:
        return self.app.extensions["fedi"]  # type: ignore[no-any-return]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass(slots=True, kw_only=True)
class FedifyPeer:
    """The Fedify peer process and a client for its test-only control endpoints."""

    process: asyncio.subprocess.Process
    origin: str
    actor: str
    client: httpx.AsyncClient
    stderr: Path

    @property
    def host(self) -> str:
        return self.origin.split("://", 1)[1]

    async def log(self) -> dict[str, Any]:
        """What the peer's inbox got: verified activities, refusals, requests, errors."""
        response = await self.client.get("/_test/log")
        response.raise_for_status()
        return response.json()  # type: ignore[no-any-return]

    async def command(self, name: str, **data: Any) -> dict[str, Any]:
        """Make the peer act (`follow`, `note`); its JSON answer."""
        response = await self.client.post(f"/_test/{name}", json=data)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def stderr_tail(self, lines: int = 40) -> str:
        text = self.stderr.read_text(errors="replace") if self.stderr.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass(slots=True, kw_only=True)
class World:
    """fedi with its user alice, and the Fedify peer with its actor erin."""

    fedi: FediServer
    peer: FedifyPeer
    alice: Account
    erin_follow_id: str = ""


def free_socket() -> socket.socket:
    """A listening socket on 127.0.0.1 and a free port (bound first, so no race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def peer_node() -> str:
    """The Node binary chosen by the setup script (run each time: instant when up to date)."""
    subprocess.run([str(SETUP_SCRIPT)], check=True, timeout=900)
    node = SETUP_STAMP.read_text().splitlines()[1]
    assert Path(node).exists(), f"{node} is gone: run {SETUP_SCRIPT}"
    return node


async def eventually(check: Callable[[], Awaitable[T | None]], *, what: str, world: World) -> T:
    """Poll `check` until it returns something truthy, or fail after DEADLINE seconds."""
    deadline = time.monotonic() + DEADLINE
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            log = await world.peer.log()
            raise AssertionError(
                f"timed out waiting for {what}\npeer log: {json.dumps(log, indent=1)[:6000]}\n"
                f"peer stderr:\n{world.peer.stderr_tail()}"
            )
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
def node_binary() -> str:
    return peer_node()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def fast_module_keys() -> Iterator[None]:
    """Accounts and the instance actor get pre-generated RSA keys for the whole module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registration, "generate_keypair", next_test_keypair)
        patch.setattr(context, "generate_keypair", next_test_keypair)
        yield


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fedi_server(
    tls: TlsFiles, tmp_path_factory: pytest.TempPathFactory, fast_module_keys: None
) -> AsyncIterator[FediServer]:
    sock = free_socket()
    port = sock.getsockname()[1]
    config = make_config(
        tmp_path_factory.mktemp("fedi"),
        instance={"domain": f"127.0.0.1:{port}"},
        server={
            "bind": f"127.0.0.1:{port}",
            "scheme": "https",
            "certfile": str(tls.cert),
            "keyfile": str(tls.key),
        },
        federation={"allow_private_addresses": True, "ca_bundle": str(tls.ca)},
    )
    app = create_app(config)
    hyper = HyperConfig()
    hyper.bind = [f"fd://{sock.detach()}"]
    hyper.certfile, hyper.keyfile = str(tls.cert), str(tls.key)
    hyper.accesslog = None
    hyper.graceful_timeout = 1.0
    stop = asyncio.Event()
    task = asyncio.create_task(hypercorn_serve(app, hyper, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    server = FediServer(app=app, port=port, stop=stop, task=task)
    try:
        async with httpx.AsyncClient(verify=tls.client_context(), trust_env=False) as client:
            deadline = time.monotonic() + DEADLINE
            while True:
                assert not task.done(), "fedi stopped while starting"
                try:
                    if (await client.get(f"https://{server.host}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "fedi did not start"
                await asyncio.sleep(0.05)
        yield server
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fedify_peer(
    tls: TlsFiles, node_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FedifyPeer]:
    stderr_path = tmp_path_factory.mktemp("fedify") / "peer.stderr"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "NODE_EXTRA_CA_CERTS": str(tls.ca),
        "TLS_CERT": str(tls.cert),
        "TLS_KEY": str(tls.key),
        "PEER_HOST": "127.0.0.1",
        "PEER_PORT": "0",
        "PEER_USERNAME": "erin",
        "PEER_DEBUG": os.environ.get("FEDIFY_PEER_DEBUG", "0"),
    }
    with stderr_path.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            node_binary,
            str(PEER_DIR / "peer.mjs"),
            cwd=str(PEER_DIR),
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        assert line, f"the Fedify peer did not start:\n{stderr_path.read_text()}"
        ready = json.loads(line)
        async with httpx.AsyncClient(
            base_url=ready["origin"], verify=tls.client_context(), trust_env=False, timeout=30
        ) as client:
            yield FedifyPeer(
                process=process,
                origin=ready["origin"],
                actor=ready["actor"],
                client=client,
                stderr=stderr_path,
            )
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(fedi_server: FediServer, fedify_peer: FedifyPeer) -> World:
    _, alice = await make_user(fedi_server.svc, "alice")
    return World(fedi=fedi_server, peer=fedify_peer, alice=alice)


# --- steps shared by the tests (each idempotent, so any test may run alone) ---------------------


def _entries(log: dict[str, Any], kind: str, **match: Any) -> list[dict[str, Any]]:
    return [e for e in log[kind] if all(e.get(k) == v for k, v in match.items())]


async def erin_follows_alice(world: World) -> str:
    """The peer follows alice by her handle (https WebFinger with a port); the Follow's id."""
    if not world.erin_follow_id:
        sent = await world.peer.command("follow", target=f"acct:alice@{world.fedi.host}")
        assert sent["actor"] == world.alice.uri
        world.erin_follow_id = sent["id"]

    async def accepted() -> dict[str, Any] | None:
        log = await world.peer.log()
        found = _entries(log, "received", type="Accept", object=world.erin_follow_id)
        return found[0] if found else None

    await eventually(accepted, what="fedi's Accept at the peer", world=world)
    return world.erin_follow_id


async def erin_account(world: World) -> Account | None:
    async with world.fedi.svc.db.read() as conn:
        return await account_store.get_account_by_uri(conn, world.peer.actor)


async def alice_follows_erin(world: World) -> Account:
    """alice follows erin by handle; returns erin's account once the peer's Accept arrived."""
    svc = world.fedi.svc
    erin = await lookup_handle(svc, f"erin@{world.peer.host}")
    await follow_account(svc, world.alice, erin)

    async def accepted() -> bool:
        async with svc.db.read() as conn:
            follow = await follow_store.get_follow(conn, world.alice.id, erin.id)
        return follow is not None and follow.state == "accepted"

    await eventually(accepted, what="the peer's Accept of alice's follow", world=world)
    # Fedify's Accept reached fedi at its first knock, RFC 9421, and was taken.
    accepts = _entries(await world.peer.log(), "sent", type="Accept")
    assert accepts and all((k["scheme"], k["status"]) == (RFC9421, 202) for k in accepts)
    return erin


async def stored_post(world: World, uri: str) -> Post | None:
    async with world.fedi.svc.db.read() as conn:
        return await post_store.get_post_by_uri(conn, uri)


async def in_home_timeline(world: World, post: Post) -> bool:
    page = await home_timeline(world.fedi.svc, world.alice.id)
    return any(view.post.id == post.id for view in page.posts)


async def peer_posts(world: World, spec: str, text: str) -> Post:
    """erin posts `text` to alice's inbox signed with `spec`; the post once fedi stored it."""
    sent = await world.peer.command("note", to=world.alice.uri, text=text, spec=spec)
    assert sent["sentScheme"] == spec
    assert sent["status"] == 202, sent

    async def stored() -> Post | None:
        return await stored_post(world, sent["note"])

    return await eventually(stored, what=f"erin's {spec} post stored by fedi", world=world)


# --- the tests ----------------------------------------------------------------------------------


@shared_loop
async def test_fedify_follows_a_fedi_user_and_verifies_our_accept(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Fedify follows alice by handle; fedi stores the follower and Fedify verifies its Accept."""
    caplog.set_level(logging.INFO, logger="fedi")

    follow_id = await erin_follows_alice(world)

    erin = await erin_account(world)
    assert erin is not None and not erin.local
    async with world.fedi.svc.db.read() as conn:
        follow = await follow_store.get_follow(conn, erin.id, world.alice.id)
        followers = await follow_store.count_followers(conn, world.alice.id)
    assert follow is not None and follow.state == "accepted"
    assert followers >= 1
    log = await world.peer.log()
    # Fedify knocked first with RFC 9421, and fedi took it: no second knock with cavage.
    assert [(k["scheme"], k["status"]) for k in _entries(log, "sent", id=follow_id)] == [
        (RFC9421, 202)
    ]
    accept = _entries(log, "received", type="Accept", object=follow_id)[0]
    assert accept["actor"] == world.alice.uri
    # The Accept was verified by Fedify at the first knock: draft-cavage, answered 202.
    knocks = _entries(log, "requests", id=accept["id"])
    assert [(k["scheme"], k["status"]) for k in knocks] == [(CAVAGE, 202)]
    assert knocks[0]["keyId"] == world.alice.public_key_id
    assert log["unverified"] == []
    # Every signature Fedify made on the way (its Follow, and its signed GETs of alice's key
    # while checking the Accept) verified at once in fedi.
    assert not [r.getMessage() for r in caplog.records if "signature failed" in r.getMessage()]


@shared_loop
async def test_fedify_post_signed_with_cavage_reaches_the_follower(world: World) -> None:
    """A post from Fedify signed with draft-cavage is stored and shows in its follower's home."""
    erin = await alice_follows_erin(world)

    post = await peer_posts(world, CAVAGE, "Hello from Fedify, signed the cavage way")

    assert post.account_id == erin.id
    assert "signed the cavage way" in post.content_html
    assert post.visibility == "public"
    assert await in_home_timeline(world, post)


@shared_loop
async def test_fedify_post_signed_with_rfc9421_reaches_the_follower(world: World) -> None:
    """A post from Fedify signed with RFC 9421 (Content-Digest) is stored and shows in the home."""
    erin = await alice_follows_erin(world)

    post = await peer_posts(world, RFC9421, "Hello from Fedify, signed per RFC 9421")

    assert post.account_id == erin.id
    assert "signed per RFC 9421" in post.content_html
    assert await in_home_timeline(world, post)


@shared_loop
async def test_a_fedi_post_reaches_fedify_and_passes_its_verification(world: World) -> None:
    """alice's public post is delivered to her Fedify follower, whose signature check accepts it."""
    await erin_follows_alice(world)

    post = await create_post(
        world.fedi.svc, world.alice, PostDraft(text="Hello Fedify, from fedi", visibility="public")
    )

    async def delivered() -> dict[str, Any] | None:
        found = _entries(await world.peer.log(), "received", type="Create", object=post.uri)
        return found[0] if found else None

    create = await eventually(delivered, what="alice's Create at the peer", world=world)
    assert create["actor"] == world.alice.uri
    assert create["attributedTo"] == world.alice.uri
    assert "Hello Fedify, from fedi" in create["content"]
    log = await world.peer.log()
    knocks = _entries(log, "requests", id=create["id"])
    assert [(k["scheme"], k["status"]) for k in knocks] == [(CAVAGE, 202)]
    assert log["unverified"] == []
    assert log["errors"] == []


def test_rfc9421_get_signed_over_a_fragment_like_fedify_verifies() -> None:
    """A GET signed as Fedify signs key fetches (`@target-uri` ending `#main-key`) verifies."""
    keys = TEST_KEYS[0]
    headers = {
        "host": "127.0.0.1:8443",
        "date": format_datetime(datetime.now(UTC), usegmt=True),
        "accept": "application/activity+json",
    }
    components: list[rfc9421.Item] = [
        (name, {}) for name in ("@method", "@target-uri", "@authority", "host", "date")
    ]
    params: dict[str, rfc9421.BareItem] = {
        "alg": "rsa-v1_5-sha256",
        "keyid": "https://127.0.0.1:9443/users/erin#main-key",
        "created": int(time.time()),
    }
    # Interop: Fedify 2.3.6 puts the fragment of the URL it fetched into `@target-uri`.
    fetched = rfc9421.Target(
        scheme="https", authority="127.0.0.1:8443", path_with_query="/users/alice#main-key"
    )
    base = rfc9421.signature_base(
        components=components, params=params, method="GET", target=fetched, headers=headers
    )
    signature = load_private_key(keys.private_pem).sign(
        rfc9421.encode_base(base), padding.PKCS1v15(), hashes.SHA256()
    )
    headers["signature-input"] = f"sig1={rfc9421.serialize_inner_list(components, params)}"
    headers["signature"] = f"sig1={rfc9421.serialize_bare_item(signature)}"

    def check(path: str) -> httpsig.Verdict:
        return httpsig.verify(
            method="GET",
            path_with_query=path,
            headers=headers,
            body=b"",
            public_key=keys.public_pem,
        )

    assert check("/users/alice").ok
    assert check("/users/bob").reason == "bad signature"
