"""`make bench`: seed an instance, then print each figure beside a baseline from the same run.

Figures (issue 2):
- home-timeline HTML page latency (goal: p50 under 20 ms) beside GET /health on the same server;
- posts created per second through the create-post use case (goal: at least 500/s) beside raw
  inserts of the same rows through the same database layer;
- RSS of an idle `fedi serve` (goal: at most 100 MB) beside a bare Python importing the same
  libraries.
Client API (issue 4; bench/api.py): home timeline requests per second, p99 latency and RSS at 50
connections, page 1 and page 50, beside a bare JSON endpoint of the same server.
Federation (issue 3; bench/federation.py lists them): signed activities accepted at the inbox,
activities processed by the inbox worker, one post delivered to 1,000 followers on 200 hosts.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.api import bench_api
from bench.fanout_load import bench_fanout
from bench.inbox_load import bench_inbox_accept, bench_inbox_worker
from bench.media import bench_media
from bench.seed import BENCH_USER, Seeded, bench_config, seed
from fedi.accounts.registration import NewAccount, create_local_account
from fedi.context import close_services, open_services
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage import accounts as account_store
from fedi.storage.clock import now_db
from fedi.storage.ids import new_id

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def row(name: str, value: str, baseline: str, goal: str) -> None:
    print(f"  {name:<44} {value:>16}   baseline {baseline:<26} goal {goal}")


def start_server(seeded: Seeded) -> subprocess.Popen[bytes]:
    config = seeded.config
    toml = Path(config.storage.data_dir).parent / "instance.toml"
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
    url = config.base_url
    for _ in range(300):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("bench server did not start")


def timed_gets(client: httpx.Client, url: str, n: int, **kw: object) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, **kw)  # type: ignore[arg-type]
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def bench_server(seeded: Seeded) -> None:
    process = start_server(seeded)
    try:
        time.sleep(1.0)
        idle = rss_mb(process.pid)
        bare = subprocess.run(
            [
                sys.executable,
                "-c",
                "import quart, hypercorn, aiosqlite, cryptography, httpx, bleach,"
                " markdown, regex, os; print(open('/proc/self/status').read())",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        bare_rss = (
            next(int(x.split()[1]) for x in bare.splitlines() if x.startswith("VmRSS:")) / 1024
        )
        row(
            "RSS of idle fedi serve",
            f"{idle:.1f} MB",
            f"{bare_rss:.1f} MB (bare imports)",
            "<= 100 MB",
        )

        cookies = {"fedi_session": seeded.session_token}
        with httpx.Client(base_url=seeded.config.base_url, cookies=cookies, timeout=10) as client:
            timed_gets(client, "/home", 20)  # warm up
            timed_gets(client, "/health", 20)
            home = timed_gets(client, "/home", 300)
            health = timed_gets(client, "/health", 300)
            first = client.get("/home")
            assert f"@{BENCH_USER}" in first.text or "bench" in first.text.lower()
        row(
            "home timeline HTML p50",
            f"{statistics.median(home):.2f} ms",
            f"{statistics.median(health):.2f} ms (/health)",
            "p50 < 20 ms",
        )
        row(
            "home timeline HTML p99",
            f"{percentile(home, 99):.2f} ms",
            f"{percentile(health, 99):.2f} ms (/health)",
            "-",
        )
        row("RSS after timeline load", f"{rss_mb(process.pid):.1f} MB", "-", "-")
    finally:
        process.terminate()
        process.wait(timeout=10)


async def bench_create_posts(root: Path, n: int = 2000) -> None:
    port = free_port()
    seeded_config = bench_config(root, port)
    svc = await open_services(seeded_config)
    try:
        _, author = await create_local_account(
            svc,
            NewAccount(
                username="writer",
                email="writer@example.com",
                password="a long bench passphrase",
                confirmed=True,
            ),
        )
        followers = []
        for i in range(20):
            _, follower = await create_local_account(
                svc,
                NewAccount(
                    username=f"reader{i}",
                    email=f"reader{i}@example.com",
                    password="a long bench passphrase",
                    confirmed=True,
                ),
            )
            followers.append(follower.id)
        async with svc.db.write() as tx:
            for follower_id in followers:
                await tx.execute(
                    "INSERT INTO follows (id, account_id, target_account_id, state, created_at)"
                    " VALUES (?, ?, ?, 'accepted', ?)",
                    (new_id(), follower_id, author.id, now_db()),
                )
        start = time.perf_counter()
        for i in range(n):
            await create_post(
                svc,
                author,
                PostDraft(text=f"Bench post {i} about #benching and things.", visibility="public"),
            )
        use_case = n / (time.perf_counter() - start)

        start = time.perf_counter()
        for i in range(n):
            post_id = new_id()
            async with svc.db.write() as tx:
                await tx.execute(
                    "INSERT INTO posts (id, uri, url, account_id, local, visibility, source,"
                    " content_html, created_at) VALUES (?, ?, ?, ?, 1, 'public', ?, ?, ?)",
                    (
                        post_id,
                        f"raw:{post_id}",
                        "",
                        author.id,
                        f"raw {i}",
                        f"<p>raw {i}</p>",
                        now_db(),
                    ),
                )
                await tx.execute(
                    "INSERT INTO post_tags (tag, post_id) VALUES ('benching', ?)", (post_id,)
                )
                await tx.executemany(
                    "INSERT INTO home_feed (account_id, post_id, author_id) VALUES (?, ?, ?)",
                    [(a, post_id, author.id) for a in [author.id, *followers]],
                )
        raw = n / (time.perf_counter() - start)
        async with svc.db.read() as conn:
            assert await account_store.get_local_account(conn, "writer") is not None
        row(
            "posts created per second (create_post)",
            f"{use_case:.0f}/s",
            f"{raw:.0f}/s (raw inserts, same rows)",
            ">= 500/s",
        )
    finally:
        await close_services(svc)


def main() -> None:
    print("fedi bench (each figure beside a baseline from the same run)")
    with tempfile.TemporaryDirectory(prefix="fedi-bench-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        seeded = seed(root / "timeline", free_port())
        print(
            f"  seeded {seeded.accounts} accounts, {seeded.posts} posts, user following"
            f" {seeded.following} in {time.perf_counter() - start:.1f} s"
        )
        bench_server(seeded)
        bench_api(seeded)
        asyncio.run(bench_create_posts(root / "posts"))
        bench_media(root / "media")
        bench_inbox_accept(root / "inbox-accept")
        bench_inbox_worker(root / "inbox-worker")
        bench_fanout(root / "fanout")


if __name__ == "__main__":
    main()
