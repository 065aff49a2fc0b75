"""A real `fedi serve` process on a free loopback port, and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_path() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if not found:
        raise RuntimeError(
            "chromium is not installed: run `make test` (it installs it) or apt-get install chromium"
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    config: Path
    process: subprocess.Popen[bytes]
    log: Path

    def fedi(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a `fedi` CLI command against this instance."""
        return subprocess.run(
            [sys.executable, "-m", "fedi", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=_clean_env(),
        )

    def mails(self) -> list[str]:
        """The text of every mail written by the file backend, oldest first."""
        folder = self.data_dir / "mail"
        return [p.read_text() for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`fedi serve` in a subprocess with its own data directory, stopped after the module."""
    root = tmp_path_factory.mktemp("live")
    port = free_port()
    config = root / "instance.toml"
    config.write_text(
        f'[instance]\ndomain = "127.0.0.1:{port}"\nname = "Test Social"\n'
        f'[server]\nbind = "127.0.0.1:{port}"\n[storage]\ndata_dir = "{root / "data"}"\n'
    )
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "fedi", "--config", str(config), "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_clean_env(),
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError("fedi serve exited:\n" + log.read_text())
        time.sleep(0.1)
    else:
        process.terminate()
        raise RuntimeError("fedi serve did not become healthy:\n" + log.read_text())
    server = LiveServer(url=url, data_dir=root / "data", config=config, process=process, log=log)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Headless Debian Chromium (never a downloaded browser)."""
    instance = playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield instance
    instance.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Save a screenshot under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
