"""Inbox figures: signed activities accepted per second at `POST /inbox`, and worker throughput.

Accepting: a real `fedi serve` (workers running, as in production) on 127.0.0.1 gets distinct,
validly signed Like and Create activities from four remote actors whose keys it already holds,
from `bench.loadgen` (another process) at 50 connections; the baseline is a bare JSON endpoint of
the same server (`GET /.well-known/nodeinfo`: no database), same client and connections. The requests are signed beforehand.

Processing: an instance opened in this process holds 5,000 verified inbox rows of realistic
activities (Create Note from followed actors, Like and Announce of local posts, Follow of local
accounts); the job loops `fedi serve` runs drain them. The baseline is the same number of no-op jobs through
the same engine (insert, claim, complete: the engine's own overhead).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.federation import (
    ROOT,
    LocalSide,
    RemoteActor,
    activity_body,
    announce,
    bare_get_request,
    create_note,
    fedi_config,
    follow,
    follow_all,
    free_port,
    insert_remote_actors,
    key_pems,
    like,
    remote_actor,
    row,
    seed_local,
    signed_inbox_request,
)
from bench.loadgen import write_requests
from fedi.activitypub.uris import Uris
from fedi.app import close_runtime, open_runtime
from fedi.config import Config
from fedi.context import Services, close_services, open_services
from fedi.inbox.receive import INBOX_JOB
from fedi.storage import jobs as job_store
from fedi.storage.rows import Job
from fedi.workers import Queue

CONNECTIONS = 50
ACCEPT_REQUESTS = 4000
WARMUP_REQUESTS = 300
WORKER_ACTIVITIES = 5000
NOOP_KIND = "bench-noop"
# The cheapest existing JSON endpoint (no database): the baseline of the accepting figure.
BARE_PATH = "/.well-known/nodeinfo"


def _init_database(config: Config) -> Path:
    async def init() -> None:
        await close_services(await open_services(config))

    asyncio.run(init())
    return config.data_path / "fedi.sqlite3"


# --- accepting: a real server under load --------------------------------------------------------


def _start_server(config: Config, root: Path) -> subprocess.Popen[bytes]:
    toml = root / "instance.toml"
    toml.write_text(
        f'[instance]\ndomain = "{config.instance.domain}"\n'
        f'[server]\nbind = "{config.server.bind}"\n[storage]\ndata_dir = "{config.storage.data_dir}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    env["FEDI_LOG_LEVEL"] = "WARNING"
    process = subprocess.Popen(
        [sys.executable, "-m", "fedi", "--config", str(toml), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            if httpx.get(config.base_url + "/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("bench server did not start")


def _load(port: int, requests: list[bytes], work: Path, name: str) -> dict[str, Any]:
    """Run `bench.loadgen` (its own process) over the requests; return its figures."""
    path = work / f"{name}.requests"
    write_requests(path, requests)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.loadgen",
            "127.0.0.1",
            str(port),
            str(CONNECTIONS),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _inbox_requests(
    host: str, actors: list[RemoteActor], posts: list[str], start: int, n: int
) -> list[bytes]:
    """`n` distinct signed activities: each actor alternates Creates and Likes of distinct posts."""
    requests = []
    for i in range(start, start + n):
        actor = actors[i % len(actors)]
        seq = i // len(actors)
        doc = like(actor, seq, posts[seq % len(posts)]) if seq % 2 else create_note(actor, seq)
        requests.append(signed_inbox_request(host, "/inbox", actor, activity_body(doc)))
    return requests


def bench_inbox_accept(root: Path) -> None:
    """Signed activities accepted per second at the inbox, beside a bare JSON endpoint."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = fedi_config(root, port)
    db_path = _init_database(config)
    actors = [
        remote_actor(f"http://remote{i}.bench.example", f"actor{i}", keys)
        for i, keys in enumerate(key_pems(4))
    ]
    conn = sqlite3.connect(db_path)
    local = seed_local(conn, config.base_url, ["alice"], ACCEPT_REQUESTS // len(actors) + 100)
    insert_remote_actors(conn, actors)
    conn.commit()
    conn.close()

    host = config.instance.domain
    total = WARMUP_REQUESTS + ACCEPT_REQUESTS
    signing = time.perf_counter()
    inbox = _inbox_requests(host, actors, local.post_uris, 0, total)
    signing = time.perf_counter() - signing
    bare_requests = [bare_get_request(host, BARE_PATH)] * total
    process = _start_server(config, root)
    try:
        with tempfile.TemporaryDirectory(dir=root) as work:
            where = Path(work)
            _load(port, bare_requests[:WARMUP_REQUESTS], where, "warm-bare")
            warm = _load(port, inbox[:WARMUP_REQUESTS], where, "warm-inbox")
            assert warm["statuses"] == {"202": WARMUP_REQUESTS}, warm
            bare = _load(port, bare_requests[WARMUP_REQUESTS:], where, "bare")
            signed = _load(port, inbox[WARMUP_REQUESTS:], where, "inbox")
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert bare["statuses"] == {"200": ACCEPT_REQUESTS}, bare
    assert signed["statuses"] == {"202": ACCEPT_REQUESTS}, signed
    print(
        f"  inbox: {ACCEPT_REQUESTS} distinct signed Like/Create from {len(actors)} actors"
        f" (pre-signed in {signing:.1f} s), {CONNECTIONS} connections"
    )
    ratio = signed["rps"] / bare["rps"]
    row(
        "signed activities accepted at /inbox",
        f"{signed['rps']:.0f} req/s",
        f"{bare['rps']:.0f} req/s ({BARE_PATH})",
        f">= 50% of baseline ({ratio:.0%})",
    )
    row(
        "  inbox POST latency p50",
        f"{signed['p50_ms']:.1f} ms",
        f"{bare['p50_ms']:.1f} ms (nodeinfo)",
        "-",
    )
    row(
        "  inbox POST latency p99",
        f"{signed['p99_ms']:.1f} ms",
        f"{bare['p99_ms']:.1f} ms (nodeinfo)",
        "p99 < 50 ms",
    )


# --- processing: the inbox worker ---------------------------------------------------------------


def _worker_activities(
    actors: list[RemoteActor], local: LocalSide, base_url: str, n: int
) -> list[dict[str, Any]]:
    """`n` activities: 50% Create, 25% Like, 15% Announce, 10% Follow, all distinct."""
    uris = Uris(base_url)
    targets = [uris.actor(name) for name in local.accounts]
    docs = []
    posts = local.post_uris
    for i in range(n):
        index, seq = i % len(actors), i // len(actors)
        actor, slot = actors[index], seq % 20
        if slot < 10:
            docs.append(create_note(actor, i))
        elif slot < 15:
            docs.append(like(actor, i, posts[(index * 13 + seq) % len(posts)]))
        elif slot < 18:
            docs.append(announce(actor, i, posts[(index * 17 + seq + 500) % len(posts)]))
        else:
            docs.append(follow(actor, i, targets[(seq // 20 * 2 + slot - 18) % len(targets)]))
    return docs


async def _noop(job: Job) -> None:
    del job


async def _run_loops(svc: Services, kind: str, count: int) -> int:
    """Run the server's job loops (as `fedi serve` does) until `count` jobs of `kind` are done."""
    svc.jobs.start()
    try:
        while True:
            async with svc.db.read() as conn:
                done = await conn.fetchval(
                    "SELECT count(*) FROM jobs WHERE kind = ? AND state IN ('done', 'dead')",
                    (kind,),
                )
            if done >= count:
                return int(done)
            await asyncio.sleep(0.02)
    finally:
        await svc.jobs.stop()


async def _worker(root: Path) -> tuple[float, float, dict[str, int]]:
    config = fedi_config(root, free_port())
    svc = await open_runtime(config)
    try:
        names = [f"local{i}" for i in range(20)]
        actors = [
            remote_actor(f"http://remote{i % 10}.bench.example", f"actor{i}", keys)
            for i, keys in enumerate(key_pems(50))
        ]

        def seed(conn: sqlite3.Connection) -> LocalSide:
            local = seed_local(conn, config.base_url, names, 1000)
            remote_ids = insert_remote_actors(conn, actors)
            follow_all(conn, list(local.accounts.values()), remote_ids)
            return local

        async with svc.db.write() as tx:
            local = await tx.run(seed)
        docs = _worker_activities(actors, local, config.base_url, WORKER_ACTIVITIES)
        items = [
            (
                {
                    "body": json.dumps(doc, separators=(",", ":")),
                    "signer": doc["actor"],
                    "key_id": doc["actor"] + "#main-key",
                    "inbox": None,
                },
                "inbox:" + doc["id"],
            )
            for doc in docs
        ]
        async with svc.db.write() as tx:
            await job_store.enqueue_many(tx, INBOX_JOB, items)
        start = time.perf_counter()
        ran = await _run_loops(svc, INBOX_JOB, WORKER_ACTIVITIES)
        processed = time.perf_counter() - start
        assert ran == WORKER_ACTIVITIES, ran

        async with svc.db.read() as conn:
            counts = {
                "remote posts": await conn.fetchval(
                    "SELECT count(*) FROM posts WHERE local = 0 AND reblog_of_id IS NULL"
                ),
                "boosts": await conn.fetchval(
                    "SELECT count(*) FROM posts WHERE reblog_of_id IS NOT NULL"
                ),
                "likes": await conn.fetchval("SELECT count(*) FROM likes"),
                "follows": await conn.fetchval(
                    "SELECT count(*) FROM follows WHERE target_account_id IN"
                    " (SELECT id FROM accounts WHERE domain IS NULL)"
                ),
                "home feed rows": await conn.fetchval("SELECT count(*) FROM home_feed"),
                "dead or retrying": await conn.fetchval(
                    "SELECT count(*) FROM jobs WHERE kind = ? AND state IN ('dead', 'retry')",
                    (INBOX_JOB,),
                ),
            }

        svc.jobs.register(Queue(kind=NOOP_KIND, handler=_noop, max_attempts=1, concurrency=8))
        async with svc.db.write() as tx:
            await job_store.enqueue_many(tx, NOOP_KIND, [({"n": i}, None) for i in range(ran)])
        start = time.perf_counter()
        await _run_loops(svc, NOOP_KIND, ran)
        bare = time.perf_counter() - start
    finally:
        await close_runtime(svc)
    return processed, bare, counts


def bench_inbox_worker(root: Path) -> None:
    """Activities processed per second by the inbox worker, beside the engine's bare overhead."""
    root.mkdir(parents=True, exist_ok=True)
    # The Follows' Accepts are queued to the actors' made-up hosts and refused (plain http): the
    # delivery loop runs as in production, its expected failures need not fill the report.
    logging.getLogger("fedi.workers").setLevel(logging.ERROR)
    processed, bare, counts = asyncio.run(_worker(root))
    n = WORKER_ACTIVITIES
    print("  inbox worker: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    row(
        "activities processed by the inbox worker",
        f"{n / processed:.0f}/s",
        f"{n / bare:.0f}/s (no-op jobs, same engine)",
        ">= 500/s",
    )
