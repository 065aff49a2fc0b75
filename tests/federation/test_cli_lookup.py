"""`fedi lookup` shows an operator what another server says about an account."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.factories import TEST_KEYS
from tests.fakes.remote import FakeRemote


async def run_fedi(config: Path, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fedi",
        "--config",
        str(config),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_lookup_by_handle_and_unknown_handle(tmp_path: Path):
    """A handle with a port resolves through WebFinger; an unknown one exits 1 with a reason."""
    config = tmp_path / "instance.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n'
        "[federation]\nallow_private_addresses = true\nallow_http = true\n"
    )
    async with FakeRemote() as fake:
        fake.add_actor("rita", TEST_KEYS[2])
        code, out, err = await run_fedi(config, "lookup", f"rita@{fake.host}")
        assert code == 0, err
        assert f"rita@{fake.host}" in out and fake.url("/users/rita") in out
        assert "#main-key" in out
        code, _, err = await run_fedi(config, "lookup", f"nobody@{fake.host}")
        assert code == 1 and "fedi: " in err and "was not found" in err
