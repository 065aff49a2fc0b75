"""Seed a benchmark instance: 10k accounts, 100k posts, one user following 500 accounts.

Rows are written with plain sqlite3 executemany (fast, and the schema is the migrated one);
the benchmarks then go through the real server and use cases.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from fedi.accounts.passwords import hash_password_sync
from fedi.activitypub.uris import Uris
from fedi.config import Config, from_mapping
from fedi.context import close_services, open_services
from fedi.storage.clock import to_db
from fedi.storage.ids import new_id

KEY_PEM = (Path(__file__).resolve().parent.parent / "tests" / "keys" / "key1.pem").read_text()
BENCH_USER = "bench"
SESSION_TOKEN = "bench-session-token-not-secret"


@dataclass(frozen=True, slots=True, kw_only=True)
class Seeded:
    config: Config
    db_path: Path
    bench_user_id: int
    session_token: str
    accounts: int
    posts: int
    following: int


def bench_config(root: Path, port: int) -> Config:
    return from_mapping(
        {
            "instance": {"domain": f"127.0.0.1:{port}", "require_email_confirmation": False},
            "server": {"bind": f"127.0.0.1:{port}"},
            "storage": {"data_dir": str(root / "data")},
        },
        env={},
    )


def seed(
    root: Path, port: int, *, accounts: int = 10_000, posts: int = 100_000, following: int = 500
) -> Seeded:
    """Create and fill a data directory; return what the benchmarks need."""
    config = bench_config(root, port)

    async def init() -> None:
        svc = await open_services(config)
        await close_services(svc)

    asyncio.run(init())
    db_path = config.data_path / "fedi.sqlite3"
    uris = Uris(config.base_url)
    rng = random.Random(42)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys=ON")
    now = to_db(datetime.now(UTC))
    base_ms = int(time.time() * 1000) - posts * 1000
    public_pem = _public_pem()

    account_ids = [new_id(now_ms=base_ms - accounts + i) for i in range(accounts)]
    names = [BENCH_USER] + [f"user{i:05d}" for i in range(1, accounts)]
    rows = []
    for account_id, name in zip(account_ids, names, strict=True):
        cols = uris.actor_collections(name)
        rows.append(
            (
                account_id,
                name,
                uris.actor(name),
                uris.profile(name),
                name.title(),
                cols["inbox"],
                cols["shared_inbox"],
                cols["outbox"],
                cols["followers"],
                cols["following"],
                cols["featured"],
                uris.key_id(name),
                public_pem,
                KEY_PEM,
                now,
                now,
            )
        )
    conn.executemany(
        "INSERT INTO accounts (id, username, domain, uri, url, display_name, inbox_uri,"
        " shared_inbox_uri, outbox_uri, followers_uri, following_uri, featured_uri, public_key_id,"
        " public_key_pem, private_key_pem, created_at, updated_at)"
        " VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    bench_id = account_ids[0]
    conn.execute(
        "INSERT INTO users (id, email, password_hash, role, confirmed_at, created_at)"
        " VALUES (?, ?, ?, 'admin', ?, ?)",
        (bench_id, "bench@example.com", hash_password_sync("a long bench passphrase"), now, now),
    )
    followed = rng.sample(account_ids[1:], following)
    conn.executemany(
        "INSERT INTO follows (id, account_id, target_account_id, state, created_at)"
        " VALUES (?, ?, ?, 'accepted', ?)",
        [(new_id(), bench_id, target, now) for target in followed],
    )
    followed_set = set(followed) | {bench_id}
    post_rows, feed_rows = [], []
    for i in range(posts):
        post_id = new_id(now_ms=base_ms + i * 1000)
        author_index = rng.randrange(accounts)
        author = account_ids[author_index]
        name = names[author_index]
        created = to_db(datetime.fromtimestamp((base_ms + i * 1000) / 1000, UTC))
        text = f"Post number {i} about #topic{i % 50} with some words to read."
        html = f"<p>Post number {i} about #topic{i % 50} with some words to read.</p>"
        post_rows.append(
            (
                post_id,
                uris.status(name, post_id),
                uris.status_page(name, post_id),
                author,
                text,
                html,
                created,
            )
        )
        if author in followed_set:
            feed_rows.append((bench_id, post_id, author))
    conn.executemany(
        "INSERT INTO posts (id, uri, url, account_id, local, visibility, source, content_html,"
        " created_at) VALUES (?, ?, ?, ?, 1, 'public', ?, ?, ?)",
        post_rows,
    )
    conn.executemany(
        "INSERT INTO home_feed (account_id, post_id, author_id) VALUES (?, ?, ?)", feed_rows
    )
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
        (hashlib.sha256(SESSION_TOKEN.encode()).hexdigest(), bench_id, now, now),
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return Seeded(
        config=config,
        db_path=db_path,
        bench_user_id=bench_id,
        session_token=SESSION_TOKEN,
        accounts=accounts,
        posts=posts,
        following=following,
    )


def _public_pem() -> str:
    key = serialization.load_pem_private_key(KEY_PEM.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
