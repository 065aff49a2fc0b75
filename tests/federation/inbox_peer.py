"""Another server sending to our inbox: a FakeRemote on 127.0.0.1 with actors who sign activities.

`Peer` wraps `tests.fakes.remote.FakeRemote` (someone else's software, over real HTTP): it serves
its actors (with their public keys from `tests.factories.TEST_KEYS`) and the Notes they write, and
records the bodies of the POSTs it receives (our deliveries). `RemoteActor` builds activities and
`deliver` signs them (cavage rsa-sha256, with our httpsig signer) and POSTs them to our app through
the Quart test client.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from quart import request

from fedi import context
from fedi.activitypub import httpsig
from fedi.activitypub.keys import KeyPair
from fedi.config import Config
from fedi.context import Services
from fedi.remote import Resolver, open_http
from tests.conftest import make_config
from tests.factories import TEST_KEYS, next_test_keypair
from tests.fakes.remote import FakeRemote

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = AS + "#Public"
AP_TYPE = "application/activity+json"
CONTEXT: list[Any] = [AS, "https://w3id.org/security/v1"]
OUR_HOST = "localhost"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Peer:
    """A FakeRemote that also keeps the bodies POSTed to it (our deliveries)."""

    def __init__(self, fake: FakeRemote) -> None:
        self.fake = fake
        self.posted: list[tuple[str, dict[str, Any]]] = []
        self.counter = itertools.count(1)
        self._keys = itertools.cycle(TEST_KEYS[3:])

        @fake.app.before_request
        async def keep_body() -> None:
            if request.method == "POST":
                body = await request.get_data()
                self.posted.append((request.path, json.loads(body or b"{}")))

    @property
    def base(self) -> str:
        return self.fake.origin

    def actor(self, name: str, **changes: Any) -> RemoteActor:
        """A new Mastodon-shaped actor on this server with its own key, served at once."""
        actor = RemoteActor(peer=self, name=name, keys=next(self._keys), changes=changes)
        actor.publish()
        for inbox in (f"/users/{name}/inbox", "/inbox"):
            self.fake.add_response(inbox, b"", status=202)
        return actor

    def received(self, kind: str) -> list[dict[str, Any]]:
        """Activities of this type POSTed to this server."""
        return [body for _, body in self.posted if body.get("type") == kind]


@dataclass(slots=True)
class RemoteActor:
    """An actor living on a Peer."""

    peer: Peer
    name: str
    keys: KeyPair
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def uri(self) -> str:
        return f"{self.peer.base}/users/{self.name}"

    @property
    def key_id(self) -> str:
        return self.uri + "#main-key"

    @property
    def followers(self) -> str:
        return self.uri + "/followers"

    def publish(self, **changes: Any) -> None:
        """(Re)serve the actor document, with these changes (name, alsoKnownAs, ...) from now on."""
        self.changes.update(changes)
        self.peer.fake.add_actor(self.name, self.keys, **self.changes)

    def rotate_key(self, keys: KeyPair) -> None:
        """Serve a new key without telling anyone (a "blind" rotation)."""
        self.keys = keys
        self.publish()

    def new_id(self, kind: str) -> str:
        return f"{self.uri}/{kind}/{next(self.peer.counter)}"

    def note(
        self,
        content: str,
        *,
        to: Iterable[str] = (PUBLIC,),
        cc: Iterable[str] | None = None,
        tags: Iterable[dict[str, Any]] = (),
        in_reply_to: str | None = None,
        ident: str | None = None,
        serve: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        """A Note by this actor (public by default), also served under its id."""
        note_id = ident or self.new_id("statuses")
        doc: dict[str, Any] = {
            "id": note_id,
            "type": "Note",
            "attributedTo": self.uri,
            "content": content,
            "published": now_iso(),
            "to": list(to),
            "cc": list(cc) if cc is not None else [self.followers],
            "tag": list(tags),
            "inReplyTo": in_reply_to,
            "url": note_id,
            **extra,
        }
        if serve and note_id.startswith(self.peer.base):
            self.peer.fake.add_document(
                note_id[len(self.peer.base) :], {"@context": CONTEXT, **doc}
            )
        return doc

    def activity(self, kind: str, obj: Any, **extra: Any) -> dict[str, Any]:
        """An activity of this actor around `obj` (an id or an embedded object)."""
        return {
            "@context": CONTEXT,
            "id": self.new_id("activities"),
            "type": kind,
            "actor": self.uri,
            "object": obj,
            **extra,
        }

    def create(self, note: dict[str, Any]) -> dict[str, Any]:
        """Create(note), addressed like the note."""
        return self.activity("Create", note, to=note.get("to", []), cc=note.get("cc", []))


def signed_headers(
    actor: RemoteActor,
    path: str,
    body: bytes,
    *,
    keys: KeyPair | None = None,
    key_id: str | None = None,
    date: datetime | None = None,
) -> dict[str, str]:
    """Headers of a POST of `body` to our `path`, signed (cavage rsa-sha256) by `actor`."""
    when = date or datetime.now(UTC)
    headers = {
        "Host": OUR_HOST,
        "Content-Type": AP_TYPE,
        "Date": format_datetime(when, usegmt=True),
    }
    headers.update(
        httpsig.sign_cavage(
            method="POST",
            url=f"http://{OUR_HOST}{path}",
            headers=headers,
            body=body,
            key_id=key_id or actor.key_id,
            private_key=(keys or actor.keys).private_pem,
            now=when,
        )
    )
    return headers


async def deliver(
    client: Any,
    actor: RemoteActor,
    activity: dict[str, Any],
    *,
    path: str = "/inbox",
    **signing: Any,
) -> Any:
    """Sign `activity` as `actor` and POST it to our inbox at `path`; the response."""
    body = json.dumps(activity).encode()
    return await client.post(path, data=body, headers=signed_headers(actor, path, body, **signing))


def federation_config(tmp_path: Any) -> Config:
    """Our instance, allowed to talk to peers on loopback over plain http (tests only)."""
    return make_config(tmp_path, federation={"allow_private_addresses": True, "allow_http": True})


@pytest.fixture
def config(tmp_path: Any) -> Config:
    return federation_config(tmp_path)


@pytest.fixture(autouse=True)
def fast_instance_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The instance actor gets a pre-generated key too (generating one takes a while)."""
    monkeypatch.setattr(context, "generate_keypair", next_test_keypair)


@pytest.fixture(autouse=True)
async def http(svc: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The shared outbound client and a resolver that honours every key refresh at once."""
    client = await open_http(svc.config)
    svc.extras["http"] = client
    svc.extras["resolver"] = Resolver(svc, http=client, refresh_interval=timedelta(0))
    yield client
    await client.aclose()


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    async with FakeRemote() as fake:
        yield Peer(fake)


@pytest.fixture
async def other_peer() -> AsyncIterator[Peer]:
    """A second server, for objects that claim another origin."""
    async with FakeRemote() as fake:
        yield Peer(fake)
