"""Two real fedi instances on loopback ports: the `two_instances` harness for end-to-end tests.

Each `Instance` is `fedi.app.create_app(config)` served by Hypercorn in a background task on its own
127.0.0.1 port, with its own data directory, `[instance] domain = "127.0.0.1:<port>"`, federation
over loopback allowed, and its workers running: delivery and inbox processing are the real ones,
signatures included. The port is held by a socket we own, so it stays ours (and refuses
connections) while the instance is stopped, and `start()` brings a new app up on the same data
directory and port (a restart). With `TLS` the instances serve https and trust the given CA.

Tests act as users through each instance's services (`instance.svc`) or its pages (`page`,
`post_form` with a real session cookie), and wait for the other side with `eventually` (polling
with a deadline) or `Pair.settle` (until no job is left on either instance).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest
import pytest_asyncio
from hypercorn.asyncio import serve
from hypercorn.config import Config as HyperConfig
from quart import Quart

import fedi.context
from fedi.accounts.sessions import Viewer, start_session, viewer_for_token
from fedi.app import create_app
from fedi.config import Config, from_mapping
from fedi.context import Services
from fedi.media.uploads import EXPIRE_KIND
from fedi.outbox.profile import ProfileEdit, update_profile
from fedi.polls.store import POLL_END_JOB
from fedi.posts_view import PostView
from fedi.scheduled import JOB_KIND as SCHEDULED_KIND
from fedi.storage import follows as follow_store
from fedi.storage.clock import now_db
from fedi.storage.db import Database
from fedi.storage.rows import Account, Job
from fedi.timelines import home_timeline
from fedi.webfinger.lookup import lookup_handle
from tests.factories import CSRF_COOKIE_VALUE, csrf_token_for, make_user, next_test_keypair

T = TypeVar("T")
Settings = Mapping[str, Mapping[str, Any]]
"""Config overrides by section, e.g. `{"federation": {"authorized_fetch": True}}`."""

DEADLINE = 15.0
"""How long `eventually` and `settle` wait before failing (a 2-core CI machine, loaded)."""
POLL = 0.02
DB_FILE = "fedi.sqlite3"  # as fedi.context.open_services names it
# Housekeeping jobs that re-schedule themselves; a settled pair may still hold them.
# Housekeeping and jobs scheduled for a later time by design (a poll's end, a scheduled post).
PERIODIC_KINDS = (EXPIRE_KIND, POLL_END_JOB, SCHEDULED_KIND)
WAITING_STATES = ("pending", "running", "retry")


@dataclass(frozen=True, slots=True, kw_only=True)
class TLS:
    """Server certificate and key for 127.0.0.1, and the CA file that signed them."""

    certfile: Path
    keyfile: Path
    cafile: Path


async def eventually(
    check: Callable[[], Awaitable[T]], what: str, *, within: float = DEADLINE
) -> T:
    """Poll `check` until it returns something truthy and return that; fail after `within` s."""
    deadline = time.monotonic() + within
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting until {what}")
        await asyncio.sleep(POLL)


def _port_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to 127.0.0.1:`port`, not yet listening (connections are refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def instance_config(
    name: str, root: Path, port: int, tls: TLS | None, settings: Settings | None = None
) -> Config:
    """The config of a test instance on 127.0.0.1:`port` (https with `tls`), plus `settings`."""
    server: dict[str, Any] = {"bind": f"127.0.0.1:{port}"}
    federation: dict[str, Any] = {"allow_private_addresses": True, "allow_http": tls is None}
    if tls is not None:
        server.update(scheme="https", certfile=str(tls.certfile), keyfile=str(tls.keyfile))
        federation["ca_bundle"] = str(tls.cafile)
    data: dict[str, dict[str, Any]] = {
        "instance": {"domain": f"127.0.0.1:{port}", "name": f"fedi {name}"},
        "server": server,
        "storage": {"data_dir": str(root / "data")},
        "federation": federation,
    }
    for section, values in (settings or {}).items():
        data.setdefault(section, {}).update(values)
    return from_mapping(data, env={})


class Instance:
    """One fedi instance served over real HTTP(S) on a loopback port, workers running."""

    def __init__(
        self, name: str, root: Path, *, tls: TLS | None = None, settings: Settings | None = None
    ) -> None:
        self.name = name
        self.root = root
        self.tls = tls
        self._sock: socket.socket | None = _port_socket()
        self.port: int = self._sock.getsockname()[1]
        self.config = instance_config(name, root, self.port, tls, settings)
        self.app: Quart | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ssl = ssl.create_default_context(cafile=str(tls.cafile)) if tls else None
        self._logger = logging.getLogger(f"tests.instance.{name}")

    def __repr__(self) -> str:
        return f"<Instance {self.name} {self.base_url}>"

    @property
    def domain(self) -> str:
        return self.config.instance.domain

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def svc(self) -> Services:
        """The running app's Services (fails when the instance is stopped)."""
        assert self.app is not None, f"instance {self.name} is not running"
        return self.app.extensions["fedi"]  # type: ignore[no-any-return]

    @property
    def running(self) -> bool:
        return self.app is not None

    # --- serving ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve a new app on this instance's data directory and port; return once healthy."""
        assert self.app is None, f"instance {self.name} is already running"
        sock = self._sock or _port_socket(self.port)
        self._sock = None
        sock.listen(128)
        hyper = HyperConfig()
        hyper.bind = [f"fd://{sock.fileno()}"]
        hyper.accesslog = None
        hyper.errorlog = self._logger
        hyper.graceful_timeout = 0.5
        if self.tls is not None:
            # As `fedi serve` does (fedi/cli.py).
            hyper.certfile = self.config.server.certfile
            hyper.keyfile = self.config.server.keyfile
        self.app = create_app(self.config)
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(
            serve(self.app, hyper, shutdown_trigger=self._stop.wait),  # type: ignore[arg-type]
            name=f"instance-{self.name}",
        )
        self._task.add_done_callback(lambda _t: sock.detach())  # Hypercorn closed the descriptor
        try:
            await eventually(self._healthy, f"{self.name} answers /health")
        except BaseException:
            await self.stop()
            raise

    async def _healthy(self) -> bool:
        if self._task is not None and self._task.done():
            self._task.result()  # startup failed: raise its error
        try:
            async with self.client() as http:
                return (await http.get("/health")).status_code == 200
        except httpx.TransportError:
            return False

    async def stop(self) -> None:
        """Shut the server and its workers down; the port stays reserved and refuses connections."""
        self._stop.set()
        task, self._task = self._task, None
        if task is not None:
            async with asyncio.timeout(DEADLINE):
                await task
        self.app = None
        if self._sock is None:
            self._sock = _port_socket(self.port)

    async def close(self) -> None:
        """Stop (if running) and release the port."""
        if self.running:
            await self.stop()
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    # --- acting as users ----------------------------------------------------------------------

    async def user(self, username: str, *, locked: bool = False) -> Account:
        """A confirmed local account, made through the real sign-up use case (and profile edit)."""
        user, account = await make_user(self.svc, username)
        if locked:
            viewer = Viewer(account=account, user=user)
            account = await update_profile(self.svc, viewer, ProfileEdit(locked=True))
        return account

    async def viewer(self, account: Account) -> Viewer:
        """The Viewer of a local account, loaded through a real session as the web layer does."""
        token = await start_session(self.svc, account.id, ip="127.0.0.1", user_agent="pytest")
        found = await viewer_for_token(self.svc, token)
        assert found is not None
        return found

    async def eventually(
        self, check: Callable[[], Awaitable[T]], what: str, *, within: float = DEADLINE
    ) -> T:
        """`eventually` (poll with a deadline), for tests that hold only the fixture."""
        return await eventually(check, what, within=within)

    async def follow_state(self, follower: Account, target: Account) -> str | None:
        """`accepted`, `pending` or None: whether `follower` follows `target` here."""
        async with self.svc.db.read() as conn:
            follow = await follow_store.get_follow(conn, follower.id, target.id)
        return follow.state if follow is not None else None

    def handle(self, account: Account) -> str:
        """`name@127.0.0.1:<port>` of an account of this instance."""
        return f"{account.username}@{self.domain}"

    async def remote(self, account: Account) -> Account:
        """This instance's copy of an account of another instance, found by its handle."""
        host = urlsplit(account.uri).netloc
        return await lookup_handle(self.svc, f"{account.username}@{host}")

    async def home(self, account: Account) -> list[PostView]:
        """What `account` sees in its home timeline here, newest first."""
        return (await home_timeline(self.svc, account.id, limit=40)).posts

    async def seen_at_home(self, account: Account, uri: str) -> PostView | None:
        """The post with this id in `account`'s home timeline here, if it is there."""
        return next((v for v in await self.home(account) if v.post.uri == uri), None)

    @asynccontextmanager
    async def client(self, account: Account | None = None) -> AsyncIterator[httpx.AsyncClient]:
        """An HTTP client for this instance; with `account`, logged in with a real session."""
        async with httpx.AsyncClient(
            base_url=self.base_url, verify=self._ssl or True, timeout=DEADLINE, trust_env=False
        ) as http:
            http.cookies.set("fedi_csrf", CSRF_COOKIE_VALUE)
            if account is not None:
                token = await start_session(
                    self.svc, account.id, ip="127.0.0.1", user_agent="pytest"
                )
                http.cookies.set("fedi_session", token)
            yield http

    async def page(self, account: Account | None, path: str) -> httpx.Response:
        """GET a page as `account` (or logged out)."""
        async with self.client(account) as http:
            return await http.get(path)

    async def post_form(
        self, account: Account, path: str, data: dict[str, str] | None = None
    ) -> httpx.Response:
        """Submit a form as `account`, with its CSRF token."""
        form = {"csrf_token": csrf_token_for(self.svc), **(data or {})}
        async with self.client(account) as http:
            return await http.post(path, data=form)

    # --- the job queues -----------------------------------------------------------------------

    async def jobs(self, kind: str | None = None, state: str | None = None) -> list[Job]:
        """Jobs of this instance (newest first), optionally of one kind and state."""
        return await self.svc.jobs.list(kind=kind, state=state, limit=1000)

    async def waiting(self) -> list[Job]:
        """Jobs not finished yet: pending, running or waiting to retry (periodic housekeeping,
        such as expiring unattached uploads, is not waiting for anything)."""
        return [
            j
            for state in WAITING_STATES
            for j in await self.jobs(state=state)
            if j.kind not in PERIODIC_KINDS
        ]

    async def make_due(self) -> None:
        """Every job waiting to retry is due now (instead of waiting out its delay)."""
        async with self.svc.db.write() as tx:
            await tx.execute(
                "UPDATE jobs SET next_attempt_at = :now WHERE state IN ('pending', 'retry')",
                {"now": now_db()},
            )
        self.svc.jobs.wake()

    async def expire_leases(self) -> None:
        """While stopped: the leases of jobs the last run had claimed run out now (as after 5 min)."""
        assert not self.running, "leases of a running instance belong to its workers"
        db = Database(self.config.data_path / DB_FILE)
        await db.open()
        try:
            async with db.write() as tx:
                await tx.execute(
                    "UPDATE jobs SET locked_until = :now WHERE state = 'running'", {"now": now_db()}
                )
        finally:
            await db.close()


@dataclass(slots=True)
class Pair:
    """Two instances that federate with each other."""

    a: Instance
    b: Instance

    async def settle(self, *, within: float = DEADLINE) -> None:
        """Wait until neither instance has a job left (both seen idle twice in a row)."""
        quiet = 0

        async def idle() -> bool:
            nonlocal quiet
            busy = [j for inst in (self.a, self.b) for j in await inst.waiting()]
            quiet = 0 if busy else quiet + 1
            return quiet >= 2

        try:
            await eventually(idle, "both instances are idle", within=within)
        except AssertionError:
            left = [
                f"{inst.name}: {j.kind} {j.state} attempts={j.attempts} {j.last_error[:120]}"
                for inst in (self.a, self.b)
                for j in await inst.waiting()
            ]
            raise AssertionError("jobs still waiting:\n" + "\n".join(left)) from None

    async def close(self) -> None:
        """Stop both instances and release their ports.

        Their outbound clients close first, so neither server waits at shutdown for idle
        keep-alive connections of the other (over TLS those would outlast Hypercorn's grace time).
        """
        for inst in (self.a, self.b):
            if inst.running:
                await inst.svc.jobs.stop()
                await inst.svc.extras["http"].aclose()
        await self.a.close()
        await self.b.close()


@asynccontextmanager
async def running_pair(
    root: Path,
    *,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    cafile: Path | None = None,
    settings: Settings | None = None,
) -> AsyncIterator[Pair]:
    """Instances `a` and `b` under `root`, both started; stopped and released afterwards.

    With `certfile`, `keyfile` (a certificate for 127.0.0.1) and `cafile` (its CA) both serve https
    and trust that CA; `settings` overrides config keys of both.
    """
    tls = None
    if certfile is not None or keyfile is not None or cafile is not None:
        assert certfile and keyfile and cafile, "https needs certfile, keyfile and cafile"
        tls = TLS(certfile=certfile, keyfile=keyfile, cafile=cafile)
    pair = Pair(
        a=Instance("a", root / "a", tls=tls, settings=settings),
        b=Instance("b", root / "b", tls=tls, settings=settings),
    )
    with pytest.MonkeyPatch.context() as patch:
        # The instance actor gets a pre-generated key too (generating one takes a while).
        patch.setattr(fedi.context, "generate_keypair", next_test_keypair)
        try:
            await pair.a.start()
            await pair.b.start()
            yield pair
        finally:
            await pair.close()


PairFactory = Callable[..., AbstractAsyncContextManager[Pair]]


@pytest.fixture(scope="session")
def pair_factory() -> PairFactory:
    """`running_pair`, for tests that need their own instances (https, restarts)."""
    return running_pair


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def two_instances(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pair]:
    """Two running instances over plain http, shared by a module's tests (distinct users each)."""
    async with running_pair(tmp_path_factory.mktemp("two-instances")) as pair:
        yield pair
