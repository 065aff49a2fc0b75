"""Links to private addresses: with `[federation] allow_private_addresses` off (production), a
post linking a page on loopback gets no card and the page is never requested."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from fedi.config import Config
from fedi.context import Services
from fedi.storage import cards as card_store
from tests.api.statuses_helpers import api_post
from tests.api.tokens import bearer
from tests.conftest import make_config
from tests.fakes.remote import FakeRemote


@pytest.fixture
def config(tmp_path: Path) -> Config:
    # Plain http is allowed so that only the address rule can refuse the fetch.
    return make_config(tmp_path, federation={"allow_http": True, "allow_private_addresses": False})


async def test_a_link_to_a_loopback_address_is_refused(
    svc: Services,
    client: Any,
    site: FakeRemote,
    alice_token: str,
    run_jobs: Callable[[], Awaitable[int]],
) -> None:
    """127.0.0.1 (a literal) and a name resolving to it are refused before any connection."""
    by_name = f"http://localhost:{site.port}/posts/walk"
    literal = site.url("/posts/walk")
    ids = [
        (await api_post(client, alice_token, f"Internal {url}"))["id"] for url in (literal, by_name)
    ]
    await run_jobs()
    for status_id in ids:
        response = await client.get(f"/api/v1/statuses/{status_id}", headers=bearer(alice_token))
        assert response.status_code == 200
        assert (await response.get_json())["card"] is None
    assert site.requests == []
    async with svc.db.read() as conn:
        for url in (literal, by_name):
            card = await card_store.get_card_by_url(conn, url)
            assert card is not None and card.state == "failed"
            assert "loopback address" in card.error
