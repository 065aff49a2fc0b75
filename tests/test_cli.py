"""The fedi command as an operator uses it: init, user create/list/set-role, migrate, jobs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    config = tmp_path / "instance.toml"
    config.write_text(
        f'[instance]\ndomain = "social.test"\n[storage]\ndata_dir = "{tmp_path / "data"}"\n'
    )
    return config


def fedi(
    config: Path | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "fedi"]
    if config is not None:
        command += ["--config", str(config)]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    full_env.update(env or {})
    return subprocess.run(
        command + list(args),
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        cwd=config.parent if config else None,
    )


def test_init_is_idempotent_and_creates_the_database(instance: Path):
    """`fedi init` creates the data directory and database, and can run twice."""
    first = fedi(instance, "init")
    assert first.returncode == 0, first.stderr
    assert "http://social.test" in first.stdout
    assert (instance.parent / "data" / "fedi.sqlite3").exists()
    assert fedi(instance, "init").returncode == 0
    assert fedi(instance, "migrate").returncode == 0


def test_user_create_list_and_set_role(instance: Path):
    """An operator creates a confirmed admin, lists users and changes a role."""
    created = fedi(
        instance,
        "user",
        "create",
        "alice",
        "--email",
        "alice@example.com",
        "--password",
        "a long passphrase",
        "--role",
        "admin",
    )
    assert created.returncode == 0, created.stderr
    assert "@alice" in created.stdout
    listed = fedi(instance, "user", "list")
    assert "alice" in listed.stdout and "admin" in listed.stdout and "yes" in listed.stdout
    changed = fedi(instance, "user", "set-role", "alice", "moderator")
    assert changed.returncode == 0 and "moderator" in changed.stdout
    assert "moderator" in fedi(instance, "user", "list").stdout


def test_user_create_refuses_bad_input_with_a_clear_message(instance: Path):
    """A duplicate name or a short password is refused, naming the field, exit code 1."""
    fedi(
        instance,
        "user",
        "create",
        "bob",
        "--email",
        "bob@example.com",
        "--password",
        "a long passphrase",
    )
    duplicate = fedi(
        instance,
        "user",
        "create",
        "Bob",
        "--email",
        "other@example.com",
        "--password",
        "a long passphrase",
    )
    assert duplicate.returncode == 1
    assert "username: That username is already taken." in duplicate.stderr
    short = fedi(
        instance, "user", "create", "carol", "--email", "c@example.com", "--password", "short"
    )
    assert short.returncode == 1 and "password:" in short.stderr
    unknown = fedi(instance, "user", "set-role", "nobody", "admin")
    assert unknown.returncode == 1 and "No local user named nobody" in unknown.stderr


def test_bad_configuration_stops_start_up_naming_the_key(instance: Path):
    """An unknown key or a bad value is reported with the key's name, exit code 2."""
    instance.write_text(instance.read_text() + '[server]\nbindd = "x"\n')
    result = fedi(instance, "init")
    assert result.returncode == 2 and "[server] bindd" in result.stderr
    env_bad = fedi(
        None,
        "init",
        env={"FEDI_SERVER_SCHEME": "gopher", "FEDI_STORAGE_DATA_DIR": str(instance.parent / "d2")},
    )
    assert env_bad.returncode == 2 and "[server] scheme" in env_bad.stderr


def test_jobs_list_runs_on_an_empty_instance(instance: Path):
    """`fedi jobs list` prints a table even with nothing queued; retry of an unknown job says so."""
    assert fedi(instance, "jobs", "list").returncode == 0
    retry = fedi(instance, "jobs", "retry", "12345")
    assert retry.returncode == 0 and "not dead or waiting" in retry.stdout
