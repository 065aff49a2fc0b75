"""FakeRemote: a small *other* server (a Quart app under Hypercorn on 127.0.0.1, a free port).

It stands for someone else's software: it serves Mastodon- and GoToSocial-shaped actor and Note
documents with its own origin substituted, answers WebFinger for its users, can require signed
GETs (checked by its own small cavage verifier, independent of fedi's), can redirect, can serve
oversize, slow or non-ActivityPub answers, and records every request it got.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig
from quart import Quart, Response, request

from fedi.activitypub.keys import KeyPair

PLACEHOLDER = "https://remote.example"
AP_TYPE = "application/activity+json"
LD_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AS_CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
_SIG_PARAM = re.compile(r'(\w+)="([^"]*)"')


def substitute(value: Any, origin: str) -> Any:
    """A fixture document with PLACEHOLDER replaced by a real origin, everywhere."""
    if isinstance(value, str):
        return value.replace(PLACEHOLDER, origin)
    if isinstance(value, list):
        return [substitute(v, origin) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, origin) for k, v in value.items()}
    return value


def mastodon_actor(username: str, public_pem: str) -> dict[str, Any]:
    """A Mastodon-shaped Person fixture (key id `<actor>#main-key`) on PLACEHOLDER."""
    actor = f"{PLACEHOLDER}/users/{username}"
    return {
        "@context": AS_CONTEXT,
        "id": actor,
        "type": "Person",
        "preferredUsername": username,
        "name": f"{username.title()} Example",
        "summary": "<p>Hello from <a href='https://remote.example/tags/x'>#x</a></p>",
        "url": f"{PLACEHOLDER}/@{username}",
        "inbox": f"{actor}/inbox",
        "outbox": f"{actor}/outbox",
        "followers": f"{actor}/followers",
        "following": f"{actor}/following",
        "featured": f"{actor}/collections/featured",
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "endpoints": {"sharedInbox": f"{PLACEHOLDER}/inbox"},
        "icon": {"type": "Image", "mediaType": "image/png", "url": f"{PLACEHOLDER}/a.png"},
        "image": {"type": "Image", "mediaType": "image/png", "url": f"{PLACEHOLDER}/h.png"},
        "attachment": [{"type": "PropertyValue", "name": "Site", "value": "<b>bold</b>"}],
        "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": public_pem},
    }


def gotosocial_actor(username: str, public_pem: str) -> dict[str, Any]:
    """A GoToSocial-shaped Person: key id `<actor>/main-key`, no shared inbox."""
    doc = mastodon_actor(username, public_pem)
    actor = doc["id"]
    del doc["endpoints"]
    doc["publicKey"] = {"id": f"{actor}/main-key", "owner": actor, "publicKeyPem": public_pem}
    return doc


def gotosocial_key_stub(actor_doc: dict[str, Any]) -> dict[str, Any]:
    """What GoToSocial serves at a key id: a minimal actor carrying only its key."""
    return {
        "@context": AS_CONTEXT,
        "id": actor_doc["id"],
        "type": actor_doc["type"],
        "preferredUsername": actor_doc["preferredUsername"],
        "publicKey": actor_doc["publicKey"],
    }


def note(path: str, author: str, content: str = "<p>Hi</p>") -> dict[str, Any]:
    """A public Note fixture at PLACEHOLDER + path."""
    return {
        "@context": AS_CONTEXT,
        "id": f"{PLACEHOLDER}{path}",
        "type": "Note",
        "attributedTo": f"{PLACEHOLDER}/users/{author}",
        "content": content,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": "2026-11-22T10:00:00Z",
    }


@dataclass
class Recorded:
    """One request the fake received; `signature` is "ok", "missing" or the failure reason."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    signature: str


@dataclass
class _Route:
    status: int = 200
    body: bytes | Callable[[], AsyncIterator[bytes]] = b""
    content_type: str = AP_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    slow: bool = False


def verify_cavage(method: str, target: str, headers: dict[str, str], keys: dict[str, str]) -> str:
    """This fake's own check of a draft-cavage signature: "ok", "missing" or a reason."""
    value = headers.get("signature")
    if not value:
        return "missing"
    params = dict(_SIG_PARAM.findall(value))
    pem = keys.get(params.get("keyId", ""))
    if pem is None:
        return f"unknown key {params.get('keyId')!r}"
    names = params.get("headers", "date").split()
    if not {"(request-target)", "host", "date"} <= set(names):
        return f"signed too little: {names}"
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name in headers:
            lines.append(f"{name}: {headers[name]}")
        else:
            return f"signed header {name} is absent"
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(
            base64.b64decode(params.get("signature", "")),
            "\n".join(lines).encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return "bad signature"
    return "ok"


class FakeRemote:
    """Another server on 127.0.0.1:<free port>; use `async with FakeRemote() as remote:`."""

    def __init__(self, *, require_signatures: bool = False) -> None:
        self.require_signatures = require_signatures
        self.trusted_keys: dict[str, str] = {}
        self.requests: list[Recorded] = []
        self.port = 0
        self.actors: dict[str, dict[str, Any]] = {}
        self._routes: dict[str, _Route] = {}
        self._release = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.app = self._build_app()

    # --- addresses ------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return f"http://{self.host}"

    def url(self, path: str) -> str:
        return self.origin + path

    def requests_to(self, path: str) -> list[Recorded]:
        """The recorded requests for one path (query string ignored)."""
        return [r for r in self.requests if r.path == path]

    # --- content --------------------------------------------------------------------------

    def trust(self, key_id: str, public_pem: str) -> None:
        """Accept signatures made with this key (the fake's view of our instance actor)."""
        self.trusted_keys[key_id] = public_pem

    def add_document(
        self, path: str, doc: dict[str, Any], *, content_type: str = AP_TYPE, status: int = 200
    ) -> dict[str, Any]:
        """Serve a JSON document (PLACEHOLDER substituted) at `path`; return it as served."""
        served = substitute(doc, self.origin)
        self.add_response(
            path, json.dumps(served).encode(), content_type=content_type, status=status
        )
        return served  # type: ignore[no-any-return]

    def add_actor(
        self, username: str, keys: KeyPair, *, style: str = "mastodon", **changes: Any
    ) -> dict[str, Any]:
        """Serve an actor at /users/<name> (and, GoToSocial style, its key stub); WebFinger too."""
        make = gotosocial_actor if style == "gotosocial" else mastodon_actor
        doc = {**make(username, keys.public_pem), **changes}
        served = self.add_document(f"/users/{username}", doc)
        if style == "gotosocial":
            self.add_document(f"/users/{username}/main-key", gotosocial_key_stub(served))
        self.actors[username] = served
        return served

    def add_response(
        self,
        path: str,
        body: bytes | Callable[[], AsyncIterator[bytes]],
        *,
        content_type: str = AP_TYPE,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve raw bytes (or a chunk generator, sent without Content-Length) at `path`."""
        self._routes[path] = _Route(
            status=status, body=body, content_type=content_type, headers=headers or {}
        )

    def add_redirect(self, path: str, location: str, *, status: int = 302) -> None:
        """Answer `path` with a redirect to `location` (absolute, or a path on this server)."""
        self._routes[path] = _Route(status=status, headers={"Location": location})

    def add_slow(self, path: str) -> None:
        """Answer `path` only when the fake stops (a peer that never finishes answering)."""
        self._routes[path] = _Route(slow=True)

    # --- serving --------------------------------------------------------------------------

    def _build_app(self) -> Quart:
        app = Quart("fake_remote")

        @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
        @app.route("/<path:path>", methods=["GET", "POST"])
        async def handle(path: str) -> Any:
            full = "/" + path
            query = request.query_string.decode()
            headers = {k.lower(): v for k, v in request.headers.items()}
            target = full + (f"?{query}" if query else "")
            verdict = verify_cavage(request.method, target, headers, self.trusted_keys)
            self.requests.append(Recorded(request.method, full, query, headers, verdict))
            # Like Mastodon in secure mode and Threads: everything but WebFinger is signed.
            if self.require_signatures and verdict != "ok" and not full.startswith("/.well-known/"):
                return Response(f"signature: {verdict}", status=401)
            if full == "/.well-known/webfinger":
                return self._webfinger(request.args.get("resource", ""))
            route = self._routes.get(full)
            if route is None:
                return Response("not found", status=404)
            if route.slow:
                await self._release.wait()
            body = route.body() if callable(route.body) else route.body
            return Response(
                body, status=route.status, content_type=route.content_type, headers=route.headers
            )

        return app

    def _webfinger(self, resource: str) -> Response:
        username, _, host = resource.removeprefix("acct:").rpartition("@")
        actor = self.actors.get(username)
        if host != self.host or actor is None:
            return Response("no such account", status=404)
        jrd = {
            "subject": f"acct:{username}@{self.host}",
            "aliases": [actor["id"]],
            "links": [
                {
                    "rel": "http://webfinger.net/rel/profile-page",
                    "type": "text/html",
                    "href": actor.get("url", ""),
                },
                {"rel": "self", "type": AP_TYPE, "href": actor["id"]},
            ],
        }
        return Response(json.dumps(jrd), content_type="application/jrd+json")

    async def start(self) -> None:
        """Listen on a free loopback port (bound before serving, so no race) and serve."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        config = HypercornConfig()
        config.bind = [f"fd://{sock.detach()}"]
        config.graceful_timeout = 1.0
        config.accesslog = None
        config.errorlog = None
        self._task = asyncio.create_task(serve(self.app, config, shutdown_trigger=self._stop.wait))

    async def stop(self) -> None:
        """Release slow answers, shut the server down and wait for it."""
        self._release.set()
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=10)
            self._task = None

    async def __aenter__(self) -> FakeRemote:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
