"""Fan-out figure: one post delivered to 1,000 followers spread over 200 hosts, on loopback.

`bench.receivers` (its own process) listens on 200 loopback ports: 200 hosts, each with a shared
inbox and five followers of a local author (1,000 remote accounts, keys and inboxes cached as
after a first fetch). The instance runs in this process with its job loops started, as `fedi
serve` runs them; the time is taken from `create_post` to the moment the last signed POST reaches
its receiver. Fan-out dedupes by shared inbox, so one post is 200 signed deliveries.

The baseline, measured alone in the same run: 200 signatures of the same body with the same key,
plus 200 bare POSTs of it to the same 200 receivers through a client of the same kind (the
deliveries' `PostClient`, its connections warmed by one untimed round as the worker's are), as
many at a time as the delivery worker runs. Deliveries "per CPU
second" (per core) divide by the CPU time this process, every thread, spent from `create_post`
until its jobs were idle; the baseline's by the CPU time of its signatures and POSTs.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.federation import (
    AP_TYPE,
    ROOT,
    fedi_config,
    follow_all,
    free_port,
    insert_remote_actors,
    key_pems,
    remote_actor,
    row,
)
from fedi.accounts.registration import NewAccount, create_local_account
from fedi.activitypub.httpsig import sign_cavage
from fedi.activitypub.keys import load_private_key
from fedi.app import close_runtime, open_runtime
from fedi.context import Services
from fedi.netguard import GuardPolicy, build_ssl_context
from fedi.outbox.commands import PostDraft
from fedi.outbox.fanout import DELIVER_KIND
from fedi.outbox.post_client import PostClient
from fedi.outbox.posts import create_post
from fedi.storage.rows import Account

HOSTS = 200
FOLLOWERS_PER_HOST = 5
ROUNDS = 3
WAIT_SECONDS = 120.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Receivers:
    """The receiver process and the line-protocol control connection to it."""

    process: asyncio.subprocess.Process
    ports: list[int]
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def wait_for(self, count: int) -> tuple[int, float]:
        """Block until `count` signed POSTs arrived in all; (count, monotonic time of the last)."""
        self.writer.write(f"wait {count} {WAIT_SECONDS}\n".encode())
        await self.writer.drain()
        got, last = (await self.reader.readline()).split()
        return int(got), float(last)

    async def close(self) -> None:
        """Stop the receiver process."""
        self.writer.close()
        self.process.terminate()
        await self.process.wait()


async def start_receivers(hosts: int) -> Receivers:
    """Start `bench.receivers` on `hosts` loopback ports (it picks them, and a control port)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.receivers", str(hosts), stdout=subprocess.PIPE, cwd=ROOT
    )
    assert process.stdout is not None
    words = (await process.stdout.readline()).split()
    if not words or words[0] != b"ready":
        process.terminate()
        raise RuntimeError("bench receivers did not start")
    control, *ports = (int(word) for word in words[1:])
    reader, writer = await asyncio.open_connection("127.0.0.1", control)
    return Receivers(process=process, ports=ports, reader=reader, writer=writer)


async def _seed(svc: Services, ports: list[int]) -> Account:
    """The author, and 1,000 remote followers on 200 hosts (5 per host, one shared inbox each)."""
    _, author = await create_local_account(
        svc,
        NewAccount(
            username="author",
            email="author@example.com",
            password="a long bench passphrase",
            confirmed=True,
        ),
    )
    keys = key_pems(1)[0]
    actors = [
        remote_actor(f"http://127.0.0.1:{port}", f"follower{i}", keys)
        for port in ports
        for i in range(FOLLOWERS_PER_HOST)
    ]
    async with svc.db.write() as tx:
        await tx.run(lambda conn: follow_all(conn, insert_remote_actors(conn, actors), [author.id]))
    return author


async def _idle(svc: Services) -> None:
    """Wait until no fan-out or delivery job is left (polling the jobs table)."""
    while True:
        async with svc.db.read() as conn:
            left = await conn.fetchval(
                "SELECT count(*) FROM jobs WHERE kind IN ('fanout', 'deliver')"
                " AND state IN ('pending', 'running', 'retry')"
            )
        if not left:
            return
        await asyncio.sleep(0.01)


@dataclass(frozen=True, slots=True, kw_only=True)
class Round:
    """One measured fan-out."""

    seconds: float  # create_post until the last POST arrived
    cpu: float  # CPU time of this process until its jobs were idle
    deliveries: int


async def _one_post(
    svc: Services, author: Account, receivers: Receivers, before: int, n: int
) -> Round:
    start, cpu = time.monotonic(), time.process_time()
    await create_post(
        svc, author, PostDraft(text=f"Fan-out number {n} to every follower.", visibility="public")
    )
    got, last = await receivers.wait_for(before + HOSTS)
    await _idle(svc)
    cpu = time.process_time() - cpu
    if got < before + HOSTS:
        raise RuntimeError(f"only {got - before} of {HOSTS} deliveries arrived")
    return Round(seconds=last - start, cpu=cpu, deliveries=got - before)


@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline:
    """200 signatures and 200 bare POSTs, each measured alone: wall and CPU seconds."""

    sign: float
    sign_cpu: float
    post: float
    post_cpu: float

    @property
    def seconds(self) -> float:
        return self.sign + self.post

    @property
    def cpu(self) -> float:
        return self.sign_cpu + self.post_cpu


async def _baseline(svc: Services, author: Account, ports: list[int], body: bytes) -> Baseline:
    """Sign the delivered body 200 times, then POST it bare to the 200 receivers."""
    key = load_private_key(author.private_key_pem or "")
    inboxes = [f"http://127.0.0.1:{port}/inbox" for port in ports]
    start, cpu = time.perf_counter(), time.process_time()
    for inbox in inboxes:
        sign_cavage(
            method="POST",
            url=inbox,
            headers={"Content-Type": AP_TYPE},
            body=body,
            key_id=author.public_key_id,
            private_key=key,
        )
    sign, sign_cpu = time.perf_counter() - start, time.process_time() - cpu

    concurrency = svc.jobs.queues[DELIVER_KIND].concurrency
    client = PostClient(
        policy=GuardPolicy.from_config(svc.config.federation),
        ssl_context=build_ssl_context(),
        user_agent="fedi-bench",
    )
    slots = asyncio.Semaphore(concurrency)

    async def post(inbox: str) -> None:
        async with slots:
            answer = await client.post(
                inbox,
                {"Content-Type": AP_TYPE, "Signature": "bench"},
                body,
                connect_timeout=5.0,
                read_timeout=10.0,
            )
            assert answer.status == 202, answer.status

    try:
        # Warm, as the delivery worker's connections are after its warm-up round.
        await asyncio.gather(*(post(inbox) for inbox in inboxes))
        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(post(inbox) for inbox in inboxes))
        posted, post_cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        await client.aclose()
    return Baseline(sign=sign, sign_cpu=sign_cpu, post=posted, post_cpu=post_cpu)


async def _fanout(root: Path) -> tuple[list[Round], Baseline]:
    receivers = await start_receivers(HOSTS)
    config = fedi_config(root, free_port(), allow_private_addresses=True, allow_http=True)
    svc = await open_runtime(config)
    try:
        author = await _seed(svc, receivers.ports)
        svc.jobs.start()
        received = 0
        warm = await _one_post(svc, author, receivers, received, 0)  # connections, caches
        received += warm.deliveries
        rounds = []
        for n in range(1, ROUNDS + 1):
            done = await _one_post(svc, author, receivers, received, n)
            received += done.deliveries
            rounds.append(done)
        await svc.jobs.stop()
        async with svc.db.read() as conn:
            failed = await conn.fetchval(
                "SELECT count(*) FROM jobs WHERE kind = ? AND state != 'done'", (DELIVER_KIND,)
            )
            payload = await conn.fetchval(
                "SELECT payload FROM jobs WHERE kind = ? ORDER BY id DESC LIMIT 1", (DELIVER_KIND,)
            )
        assert failed == 0, f"{failed} deliveries did not finish"
        body = str(json.loads(payload)["body"]).encode()
        baseline = await _baseline(svc, author, receivers.ports, body)
    finally:
        await close_runtime(svc)
        await receivers.close()
    return rounds, baseline


def bench_fanout(root: Path) -> None:
    """One post to 1,000 followers on 200 hosts, beside 200 signatures + 200 bare POSTs."""
    root.mkdir(parents=True, exist_ok=True)
    rounds, base = asyncio.run(_fanout(root))
    seconds = statistics.median(r.seconds for r in rounds)
    cpu = statistics.median(r.cpu for r in rounds)
    print(
        f"  fan-out: 1 post, {HOSTS * FOLLOWERS_PER_HOST} followers on {HOSTS} hosts ="
        f" {HOSTS} signed deliveries; median of {ROUNDS} after a warm-up"
    )
    row(
        "one post to 1,000 followers on 200 hosts",
        f"{seconds * 1000:.0f} ms",
        f"{base.seconds * 1000:.0f} ms (sign {base.sign * 1000:.0f} + POST {base.post * 1000:.0f})",
        f"<= 2x baseline ({seconds / base.seconds:.1f}x)",
    )
    row(
        "  signed deliveries per CPU second",
        f"{HOSTS / cpu:.0f}/s",
        f"{HOSTS / base.cpu:.0f}/s (sign + POST alone)",
        ">= 1,000/s/core",
    )
    row(
        "  signatures alone per CPU second",
        f"{HOSTS / base.sign_cpu:.0f}/s",
        "-",
        "(the ceiling of the line above)",
    )
