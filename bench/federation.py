"""What the federation figures of `make bench` (issue 3) share.

The figures, each beside a baseline measured in the same run:
- signed activities accepted per second at `POST /inbox` of a running `fedi serve`, at 50
  connections, beside `GET /health` of the same server (`inbox_load.bench_inbox_accept`);
- activities processed per second by the inbox worker beside the job engine's own overhead
  (`inbox_load.bench_inbox_worker`);
- one post delivered to 1,000 followers on 200 hosts (loopback receivers), beside 200 signatures
  plus 200 bare POSTs to the same receivers (`fanout_load.bench_fanout`).

Shared here: remote actors with keys (cached, as after a first fetch), the activities they send,
signed raw requests, local accounts and posts to act on, ports and the figure printer.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fedi.activitypub.httpsig import sign_cavage
from fedi.activitypub.keys import load_private_key
from fedi.activitypub.uris import Uris
from fedi.config import Config, from_mapping
from fedi.storage.clock import to_db
from fedi.storage.ids import new_id

ROOT = Path(__file__).resolve().parent.parent
"""The repository: the working directory of the helper processes (`python -m bench.…`)."""
KEYS_DIR = ROOT / "tests" / "keys"
AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = AS + "#Public"
AP_TYPE = "application/activity+json"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def row(name: str, value: str, baseline: str, goal: str) -> None:
    """One figure beside its baseline (the same layout as the other bench figures)."""
    print(f"  {name:<44} {value:>16}   baseline {baseline:<26} goal {goal}")


def fedi_config(root: Path, port: int, **federation: Any) -> Config:
    """An instance on 127.0.0.1:`port` with its data under `root`."""
    return from_mapping(
        {
            "instance": {"domain": f"127.0.0.1:{port}", "require_email_confirmation": False},
            "server": {"bind": f"127.0.0.1:{port}"},
            "storage": {"data_dir": str(root / "data")},
            "federation": federation,
        },
        env={},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoteActor:
    """An actor of another server as we hold it after fetching it (key cached, fresh)."""

    uri: str
    username: str
    domain: str
    inbox: str
    shared_inbox: str
    private_pem: str
    public_pem: str

    @property
    def key_id(self) -> str:
        return self.uri + "#main-key"

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        return load_private_key(self.private_pem)


def key_pems(count: int) -> list[tuple[str, str]]:
    """(private, public) PEM pairs from the pre-generated test keys (generating is slow)."""
    files = sorted(KEYS_DIR.glob("key*.pem"))
    pairs = []
    for i in range(count):
        private = files[i % len(files)].read_text()
        key = serialization.load_pem_private_key(private.encode(), password=None)
        public = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        pairs.append((private, public))
    return pairs


def remote_actor(
    base: str, username: str, keys: tuple[str, str], *, shared_inbox: str | None = None
) -> RemoteActor:
    """An actor `username` on the server at `base` (`http://host:port`)."""
    uri = f"{base}/users/{username}"
    return RemoteActor(
        uri=uri,
        username=username,
        domain=base.split("://", 1)[1],
        inbox=uri + "/inbox",
        shared_inbox=shared_inbox if shared_inbox is not None else base + "/inbox",
        private_pem=keys[0],
        public_pem=keys[1],
    )


def insert_remote_actors(conn: sqlite3.Connection, actors: Iterable[RemoteActor]) -> list[int]:
    """Store the actors as remote accounts fetched just now; return their account ids."""
    now = to_db(datetime.now(UTC))
    rows = [
        {
            "id": new_id(),
            "username": a.username,
            "domain": a.domain,
            "uri": a.uri,
            "url": a.uri,
            "inbox": a.inbox,
            "shared": a.shared_inbox,
            "followers": a.uri + "/followers",
            "key_id": a.key_id,
            "pem": a.public_pem,
            "now": now,
        }
        for a in actors
    ]
    conn.executemany(
        "INSERT INTO accounts (id, username, domain, uri, url, inbox_uri, shared_inbox_uri,"
        " followers_uri, public_key_id, public_key_pem, created_at, updated_at, fetched_at)"
        " VALUES (:id, :username, :domain, :uri, :url, :inbox, :shared, :followers, :key_id,"
        " :pem, :now, :now, :now)",
        rows,
    )
    return [r["id"] for r in rows]


def signed_inbox_request(host: str, path: str, actor: RemoteActor, body: bytes) -> bytes:
    """A raw HTTP/1.1 POST of `body`, signed by `actor` (cavage rsa-sha256 with Digest)."""
    headers = {"Host": host, "Content-Type": AP_TYPE}
    headers.update(
        sign_cavage(
            method="POST",
            url=f"http://{host}{path}",
            headers=headers,
            body=body,
            key_id=actor.key_id,
            private_key=actor.private_key,
        )
    )
    headers["Content-Length"] = str(len(body))
    head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


def bare_get_request(host: str, path: str) -> bytes:
    """A raw HTTP/1.1 GET (keep-alive)."""
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode()


# --- activities ---------------------------------------------------------------------------------


def _now_ap() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def like(actor: RemoteActor, n: int, object_uri: str) -> dict[str, Any]:
    """A Like of a (local) post."""
    return {
        "@context": AS,
        "id": f"{actor.uri}#likes/{n}",
        "type": "Like",
        "actor": actor.uri,
        "object": object_uri,
    }


def create_note(actor: RemoteActor, n: int) -> dict[str, Any]:
    """A public Create(Note) with its Note embedded, as Mastodon sends it."""
    note_id = f"{actor.uri}/statuses/{n}"
    audience = {"to": [PUBLIC], "cc": [actor.uri + "/followers"]}
    return {
        "@context": [AS, {"sensitive": "as:sensitive"}],
        "id": note_id + "/activity",
        "type": "Create",
        "actor": actor.uri,
        "published": _now_ap(),
        **audience,
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": actor.uri,
            "content": f"<p>Remote post number {n}, with a few words to store.</p>",
            "published": _now_ap(),
            "url": note_id,
            "sensitive": False,
            **audience,
        },
    }


def announce(actor: RemoteActor, n: int, object_uri: str) -> dict[str, Any]:
    """A public Announce (boost) of a post by its id."""
    return {
        "@context": AS,
        "id": f"{actor.uri}/statuses/{n}/activity",
        "type": "Announce",
        "actor": actor.uri,
        "published": _now_ap(),
        "to": [PUBLIC],
        "cc": [actor.uri + "/followers"],
        "object": object_uri,
    }


def follow(actor: RemoteActor, n: int, object_uri: str) -> dict[str, Any]:
    """A Follow of a local account."""
    return {
        "@context": AS,
        "id": f"{actor.uri}#follows/{n}",
        "type": "Follow",
        "actor": actor.uri,
        "object": object_uri,
    }


def activity_body(doc: dict[str, Any]) -> bytes:
    """An activity as sent: compact JSON."""
    return json.dumps(doc, separators=(",", ":")).encode()


# --- seeding ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalSide:
    """Local accounts (username → account id) and their public posts (ids, uris)."""

    accounts: dict[str, int]
    post_uris: list[str]


def seed_local(conn: sqlite3.Connection, base_url: str, names: list[str], posts: int) -> LocalSide:
    """Local accounts (sharing one key pair) with `posts` public posts among them."""
    uris = Uris(base_url)
    private, public = key_pems(1)[0]
    now = to_db(datetime.now(UTC))
    accounts = {name: new_id() for name in names}
    conn.executemany(
        "INSERT INTO accounts (id, username, domain, uri, url, display_name, inbox_uri,"
        " shared_inbox_uri, outbox_uri, followers_uri, following_uri, featured_uri,"
        " public_key_id, public_key_pem, private_key_pem, created_at, updated_at)"
        " VALUES (:id, :name, NULL, :uri, :url, :name, :inbox, :shared, :outbox, :followers,"
        " :following, :featured, :key_id, :public, :private, :now, :now)",
        [
            {
                "id": account_id,
                "name": name,
                "uri": uris.actor(name),
                "url": uris.profile(name),
                **{
                    key: value
                    for key, value in uris.actor_collections(name).items()
                    if key != "shared_inbox"
                },
                "shared": uris.shared_inbox(),
                "key_id": uris.key_id(name),
                "public": public,
                "private": private,
                "now": now,
            }
            for name, account_id in accounts.items()
        ],
    )
    post_rows = []
    for i in range(posts):
        name = names[i % len(names)]
        post_id = new_id()
        post_rows.append(
            (
                post_id,
                uris.status(name, post_id),
                uris.status_page(name, post_id),
                accounts[name],
                f"Local post {i}",
                f"<p>Local post {i}</p>",
                now,
            )
        )
    conn.executemany(
        "INSERT INTO posts (id, uri, url, account_id, local, visibility, source, content_html,"
        " created_at) VALUES (?, ?, ?, ?, 1, 'public', ?, ?, ?)",
        post_rows,
    )
    return LocalSide(accounts=accounts, post_uris=[r[1] for r in post_rows])


def follow_all(conn: sqlite3.Connection, followers: list[int], targets: list[int]) -> None:
    """Every follower follows every target (accepted)."""
    now = to_db(datetime.now(UTC))
    conn.executemany(
        "INSERT INTO follows (id, account_id, target_account_id, state, created_at)"
        " VALUES (?, ?, ?, 'accepted', ?)",
        [(new_id(), f, t, now) for f in followers for t in targets],
    )
