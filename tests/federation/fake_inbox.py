"""A fake remote inbox server for delivery tests: someone else's software on 127.0.0.1:<port>.

`FakeInbox` accepts POSTs on any path, checks our draft-cavage signature by hand (its own code, not
ours: signing string, RSA PKCS#1 v1.5 SHA-256, `Digest`, Date window) with the sender's public key,
and records every delivery. A test sets how it answers: a status, a `Retry-After`, a delay (a slow
server), or "RFC 9421 only" (401 to cavage; RFC 9421 checked with our verifier). The socket is bound
at once, so the port is known (and refuses connections) before the server starts listening.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import socket
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig
from quart import Quart, Response, request

from fedi.activitypub import httpsig
from fedi.config import Config
from fedi.context import Services
from fedi.storage import follows as follow_store
from fedi.storage import jobs as job_store
from fedi.storage.clock import now_db
from fedi.storage.ids import new_id
from fedi.storage.remote_accounts import RemoteAccountFields, upsert_remote_account
from fedi.storage.rows import Account, Job
from tests.conftest import make_config
from tests.factories import TEST_KEYS

_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(slots=True)
class Received:
    """One POST the fake received, with what its checks found."""

    path: str
    headers: dict[str, str]
    body: bytes
    scheme: str  # "cavage", "rfc9421" or "" (unsigned)
    verified: bool
    reason: str
    at: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


def verify_cavage(
    method: str, path: str, headers: dict[str, str], body: bytes, public_pem: str
) -> str:
    """'' when a cavage rsa-sha256 signature with a right Digest verifies, else the reason."""
    lower = {k.lower(): v for k, v in headers.items()}
    params = dict(_PARAM.findall(lower.get("signature", "")))
    if params.get("algorithm") != "rsa-sha256":
        return "algorithm is not rsa-sha256"
    names = params.get("headers", "").split()
    for needed in ("(request-target)", "host", "date", "digest", "content-type"):
        if needed not in names:
            return f"{needed} not signed"
    expected = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    if lower.get("digest") != expected:
        return "digest does not match the body"
    if abs(parsedate_to_datetime(lower["date"]).timestamp() - time.time()) > 300:
        return "date too far off"
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        else:
            lines.append(f"{name}: {lower[name]}")
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(
            base64.b64decode(params["signature"]),
            "\n".join(lines).encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        return "bad signature"
    return ""


class FakeInbox:
    """A remote server's inboxes on a loopback port; `keys` maps keyId → public key PEM."""

    def __init__(self, keys: dict[str, str] | None = None) -> None:
        self.keys: dict[str, str] = dict(keys or {})
        self.received: list[Received] = []
        self.status = 202
        self.retry_after: str | None = None
        self.delay = 0.0
        self.rfc9421_only = False
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._started = asyncio.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"http://{self.host}"
        self.app = self._build_app()

    def _check(self, path: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
        """(scheme, reason): reason '' when the signature verifies with a known key."""
        lower = {k.lower(): v for k, v in headers.items()}
        if "signature-input" in lower:
            key_id = httpsig.key_id_of(lower) or ""
            if key_id not in self.keys:
                return "rfc9421", f"unknown key {key_id}"
            verdict = httpsig.verify(
                method="POST",
                path_with_query=path,
                headers=lower,
                body=body,
                public_key=self.keys[key_id],
                scheme="http",
            )
            return "rfc9421", "" if verdict.ok else verdict.reason
        if "signature" not in lower:
            return "", "unsigned"
        key_id = dict(_PARAM.findall(lower["signature"])).get("keyId", "")
        if key_id not in self.keys:
            return "cavage", f"unknown key {key_id}"
        return "cavage", verify_cavage("POST", path, lower, body, self.keys[key_id])

    def _build_app(self) -> Quart:
        app = Quart(f"fake-inbox-{self.port}")

        @app.before_serving
        async def started() -> None:
            self._started.set()

        @app.post("/<path:path>")
        async def inbox(path: str) -> Response:
            body = await request.get_data()
            headers = dict(request.headers.items())
            full = request.full_path.rstrip("?")
            scheme, reason = self._check(full, headers, body)
            self.received.append(Received(full, headers, body, scheme, not reason, reason))
            if self.delay:
                await asyncio.sleep(self.delay)  # a slow server, not test synchronisation
            if reason:
                return Response(reason, status=401)
            if self.rfc9421_only and scheme != "rfc9421":
                return Response("RFC 9421 signatures only", status=401)
            response = Response("", status=self.status)
            if self.retry_after is not None:
                response.headers["Retry-After"] = self.retry_after
            return response

        return app

    def inbox(self, path: str = "/inbox") -> str:
        """The URL of an inbox on this server."""
        return self.base + path

    @property
    def verified(self) -> list[Received]:
        """Deliveries whose signature verified."""
        return [r for r in self.received if r.verified]

    async def start(self) -> None:
        """Listen and serve (until `stop`); returns once the server is up."""
        self._sock.listen(64)
        config = HypercornConfig()
        config.bind = [f"fd://{self._sock.fileno()}"]
        config.accesslog = None
        config.errorlog = None
        config.graceful_timeout = 0.1
        self._task = asyncio.create_task(
            serve(self.app, config, shutdown_trigger=self._stop.wait)  # type: ignore[arg-type]
        )
        async with asyncio.timeout(10):
            await self._started.wait()

    async def stop(self) -> None:
        """Shut the server down and release the port."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None
            self._sock.detach()  # Hypercorn served from this descriptor and closed it
        else:
            self._sock.close()


# --- test data helpers --------------------------------------------------------------------------


def federation_config(tmp_path: Any) -> Config:
    """Our instance, allowed to deliver to peers on loopback over plain http (tests only)."""
    return make_config(tmp_path, federation={"allow_private_addresses": True, "allow_http": True})


async def remote_account(
    svc: Services, fake: FakeInbox, name: str, *, shared_inbox: bool = True
) -> Account:
    """A remote account living on `fake` (personal inbox, and the server's shared inbox if any)."""
    uri = f"{fake.base}/users/{name}"
    fields = RemoteAccountFields(
        uri=uri,
        username=name,
        domain=fake.host,
        inbox_uri=uri + "/inbox",
        shared_inbox_uri=fake.inbox() if shared_inbox else "",
        followers_uri=uri + "/followers",
        public_key_id=uri + "#main-key",
        public_key_pem=TEST_KEYS[-1].public_pem,
    )
    async with svc.db.write() as tx:
        return await upsert_remote_account(tx, fields)


async def add_follower(svc: Services, follower: Account, target: Account) -> None:
    """An accepted follow row (as the inbox would store a remote Follow it accepted)."""
    async with svc.db.write() as tx:
        await follow_store.insert_follow(
            tx,
            id=new_id(),
            account_id=follower.id,
            target_account_id=target.id,
            state="accepted",
            uri=f"{follower.uri}/follows/{new_id()}",
        )


async def jobs_of(svc: Services, kind: str) -> list[Job]:
    """Every job of a kind, oldest first."""
    async with svc.db.read() as conn:
        return sorted(await job_store.list_jobs(conn, kind=kind, limit=1000), key=lambda j: j.id)


async def make_due(svc: Services) -> None:
    """Every waiting job is due now (instead of sleeping until its retry time)."""
    async with svc.db.write() as tx:
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = :now WHERE state IN ('pending', 'retry')",
            {"now": now_db()},
        )
