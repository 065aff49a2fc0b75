"""Shared fixtures: config on a temp data dir, the app, a test client, services, job draining."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

import fedi.accounts.registration as registration
from fedi.app import create_app
from fedi.config import Config, from_mapping
from fedi.context import Services
from tests import factories


@pytest.fixture(autouse=True)
def fast_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts get pre-generated RSA keys (generation is slow); everything else is real."""
    monkeypatch.setattr(registration, "generate_keypair", factories.next_test_keypair)


def make_config(tmp_path: Path, **sections: dict[str, Any]) -> Config:
    data: dict[str, dict[str, Any]] = {
        "instance": {"domain": "localhost"},
        "storage": {"data_dir": str(tmp_path / "data")},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return from_mapping(data, env={})


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
async def app(config: Config) -> AsyncIterator[Any]:
    application = create_app(config, start_workers=False)
    async with application.test_app():
        yield application


@pytest.fixture
def svc(app: Any) -> Services:
    return app.extensions["fedi"]  # type: ignore[no-any-return]


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def run_jobs(svc: Services) -> Callable[[], Awaitable[int]]:
    """Drain every queue until idle (deterministic background work, no sleeps)."""

    async def run() -> int:
        return await svc.jobs.run_until_idle()

    return run


@pytest.fixture
def csrf(svc: Services) -> str:
    """The CSRF token for the test CSRF cookie set by `factories.browser_login`/`anon_csrf`."""
    return factories.csrf_token_for(svc)


@pytest.fixture
def anon_client(client: Any) -> Any:
    """A logged-out client that carries the test CSRF cookie."""
    client.set_cookie("localhost", "fedi_csrf", factories.CSRF_COOKIE_VALUE)
    return client
