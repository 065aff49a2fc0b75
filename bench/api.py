"""`make bench`, client API figures (issue 4): the home timeline through the Mastodon API.

A real `fedi serve` (workers running, `[api] rate_limit = 0`) on the seeded instance (100k
statuses, 10k accounts, the bench user following 500) answers `GET /api/v1/timelines/home?limit=40`
with a bearer token issued by the OAuth services (`fedi.oauth`), from `bench.loadgen` (its own
process) at 50 keep-alive connections: page 1, and page 50 (its `max_id` found by walking the
`Link: rel="next"` headers). The baseline is a bare JSON endpoint of the same server in the same
run, `GET /api/v1/custom_emojis` (an `/api/` route through the same CORS and rate-limit hooks; no
token, no database, `[]`). The server's RSS is sampled while it is under that load.
Goals: at least half the bare endpoint's rate, p99 under 50 ms, page 50 about page 1, RSS at most
200 MB. Repeated reads of an unchanged page are answered from the kept page
(`fedi.api_reads.kept_pages`); a further row shows page 1 built for every read (each request a
cursor of its own), the cost of a page that changed since it was last read.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.loadgen import write_requests
from bench.seed import Seeded
from fedi.context import close_services, open_services
from fedi.oauth.apps import OOB, NewApp, register_app
from fedi.oauth.tokens import issue_token

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 50
REQUESTS = 3000
WARMUP = 300
PAGE_SIZE = 40
DEEP_PAGE = 50
HOME = f"/api/v1/timelines/home?limit={PAGE_SIZE}"
BARE_PATH = "/api/v1/custom_emojis"


def _row(name: str, value: str, baseline: str, goal: str) -> None:
    print(f"  {name:<44} {value:>16}   baseline {baseline:<26} goal {goal}")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_token(seeded: Seeded) -> str:
    """A read token of the bench user, issued by the OAuth services as `POST /oauth/token` does."""

    async def issue() -> str:
        svc = await open_services(seeded.config)
        try:
            app = await register_app(
                svc, NewApp(name="bench", redirect_uris=[OOB], scopes="read write follow")
            )
            async with svc.db.write() as tx:
                token, _ = await issue_token(
                    svc, tx, app=app, account_id=seeded.bench_user_id, scopes=["read"]
                )
            return token
        finally:
            await close_services(svc)

    return asyncio.run(issue())


def start_server(seeded: Seeded) -> subprocess.Popen[bytes]:
    """`fedi serve` on the seeded data directory, with the API's rate limit off."""
    config = seeded.config
    toml = Path(config.storage.data_dir).parent / "instance-api.toml"
    toml.write_text(
        f'[instance]\ndomain = "{config.instance.domain}"\n'
        f'[server]\nbind = "{config.server.bind}"\n'
        f'[storage]\ndata_dir = "{config.storage.data_dir}"\n'
        "[api]\nrate_limit = 0\n"
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


def deep_cursor(base_url: str, token: str, page: int) -> str:
    """The path of home page `page`, found by following `Link: rel="next"` from page 1."""
    path = HOME
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        for _ in range(page - 1):
            response = client.get(path)
            assert response.status_code == 200, response.text
            assert len(response.json()) == PAGE_SIZE, "the home feed is shorter than the bench"
            next_url = response.links["next"]["url"]
            path = next_url.removeprefix(base_url)
        last = client.get(path)
        assert last.status_code == 200 and len(last.json()) == PAGE_SIZE, last.text
    return path


def fresh_cursors(base_url: str, token: str) -> list[str]:
    """`REQUESTS` paths of home page 1, each with a `max_id` of its own above the newest post:
    the same statuses, but a page never read before, so each read builds its page instead of
    reusing a kept one (`fedi.api_reads.kept_pages`)."""
    response = httpx.get(base_url + HOME, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    newest = int(response.json()[0]["id"])
    return [f"{HOME}&max_id={newest + 1 + n}" for n in range(REQUESTS)]


def get_request(host: str, path: str, token: str | None) -> bytes:
    """A raw keep-alive GET, as an app sends it."""
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n"
        f"User-Agent: bench\r\n{auth}\r\n"
    ).encode()


def run_load(
    port: int, pid: int, request: bytes | list[bytes], count: int, work: Path, name: str
) -> dict[str, Any]:
    """`bench.loadgen` (its own process) sending `count` copies of a request (or the first
    `count` of a list of requests); the server's RSS is sampled meanwhile (peak in
    `rss_peak_mb`)."""
    path = work / f"{name}.requests"
    write_requests(path, request[:count] if isinstance(request, list) else [request] * count)
    command = [sys.executable, "-m", "bench.loadgen", "127.0.0.1", str(port), str(CONNECTIONS)]
    with subprocess.Popen(
        [*command, str(path)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    ) as loadgen:
        peak = 0.0
        while loadgen.poll() is None:
            peak = max(peak, _rss_mb(pid))
            time.sleep(0.05)
        output = loadgen.stdout.read() if loadgen.stdout else ""
    if loadgen.returncode != 0:
        raise RuntimeError(f"loadgen failed for {name}")
    result: dict[str, Any] = json.loads(output)
    result["rss_peak_mb"] = peak
    return result


def bench_api(seeded: Seeded) -> None:
    """Home timeline API rate and latency (page 1, page 50) beside a bare JSON endpoint."""
    token = make_token(seeded)
    config = seeded.config
    port = int(config.server.bind.rsplit(":", 1)[1])
    host = config.instance.domain
    process = start_server(seeded)
    try:
        deep = deep_cursor(config.base_url, token, DEEP_PAGE)
        first = get_request(host, HOME, token)
        fiftieth = get_request(host, deep, token)
        bare = get_request(host, BARE_PATH, None)
        fresh = [get_request(host, path, token) for path in fresh_cursors(config.base_url, token)]
        with tempfile.TemporaryDirectory(dir=Path(config.storage.data_dir).parent) as tmp:
            work = Path(tmp)
            run_load(port, process.pid, bare, WARMUP, work, "warm-bare")
            run_load(port, process.pid, first, WARMUP, work, "warm-home")
            baseline = run_load(port, process.pid, bare, REQUESTS, work, "bare")
            page1 = run_load(port, process.pid, first, REQUESTS, work, "page1")
            page50 = run_load(port, process.pid, fiftieth, REQUESTS, work, "page50")
            built = run_load(port, process.pid, fresh, REQUESTS, work, "built")
        after = _rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)
    runs = (("bare", baseline), ("page 1", page1), ("page 50", page50), ("built", built))
    for name, found in runs:
        assert found["statuses"] == {"200": REQUESTS}, (name, found)
    print(
        f"  client API: home timeline, {PAGE_SIZE} statuses a page, bearer token, {CONNECTIONS}"
        f" connections, {REQUESTS} requests each (baseline: GET {BARE_PATH})"
    )
    for label, page in (("page 1", page1), (f"page {DEEP_PAGE}", page50)):
        ratio = page["rps"] / baseline["rps"]
        _row(
            f"home timeline API {label}",
            f"{page['rps']:.0f} req/s",
            f"{baseline['rps']:.0f} req/s (custom_emojis)",
            f">= 50% of baseline ({ratio:.0%})",
        )
        _row(
            f"  {label} latency p50",
            f"{page['p50_ms']:.1f} ms",
            f"{baseline['p50_ms']:.1f} ms (custom_emojis)",
            "-",
        )
        _row(
            f"  {label} latency p99",
            f"{page['p99_ms']:.1f} ms",
            f"{baseline['p99_ms']:.1f} ms (custom_emojis)",
            "p99 < 50 ms",
        )
    _row(
        "  page 1 built for every read",
        f"{built['rps']:.0f} req/s",
        f"{baseline['rps']:.0f} req/s (custom_emojis)",
        f"- ({built['rps'] / baseline['rps']:.0%}; p99 {built['p99_ms']:.0f} ms)",
    )
    _row(
        f"  page {DEEP_PAGE} / page 1 rate",
        f"{page50['rps'] / page1['rps']:.0%}",
        "-",
        "about 100%",
    )
    peak = max(found["rss_peak_mb"] for _, found in runs)
    _row(
        "RSS of fedi serve under API load (peak)",
        f"{peak:.1f} MB",
        f"{after:.1f} MB after",
        "<= 200 MB",
    )
