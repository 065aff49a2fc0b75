"""Fixtures of the preview-card tests: a fake web site on 127.0.0.1 (someone else's site, over real
HTTP) serving a page with OpenGraph tags and its picture, and local authors with API tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fedi import context
from fedi.config import Config
from fedi.context import Services
from fedi.storage.rows import Account
from tests.api.tokens import make_token
from tests.conftest import make_config
from tests.factories import make_user, next_test_keypair
from tests.fakes.remote import FakeRemote
from tests.media.files import jpeg

# Tests reach the fake site on loopback over plain http; production refuses both.
LOOPBACK_SETTINGS: dict[str, dict[str, Any]] = {
    "federation": {"allow_http": True, "allow_private_addresses": True},
}
ARTICLE = """<!doctype html>
<html lang="en-GB"><head>
<meta charset="utf-8">
<title>Fallback title | Walking Blog</title>
<meta property="og:title" content="A Walk in the Park">
<meta property="og:description" content="Photos and notes from a long walk around the lake.">
<meta property="og:site_name" content="Walking Blog">
<meta property="og:image" content="/images/park.jpg">
<meta property="og:image:alt" content="Trees by a lake">
<meta property="og:url" content="/posts/walk">
<meta property="article:published_time" content="2026-11-20T10:00:00Z">
<meta name="author" content="Robin Walker">
</head><body><h1>A Walk in the Park</h1><p>It was a long walk.</p></body></html>
"""


@pytest.fixture(autouse=True)
def fast_instance_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The instance actor gets a pre-generated key too (generating one takes a while)."""
    monkeypatch.setattr(context, "generate_keypair", next_test_keypair)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, **LOOPBACK_SETTINGS)


@pytest.fixture
async def site() -> AsyncIterator[FakeRemote]:
    """Someone else's web site: an article with OpenGraph tags and its picture."""
    async with FakeRemote() as fake:
        fake.add_response("/posts/walk", ARTICLE.encode(), content_type="text/html; charset=utf-8")
        fake.add_response("/images/park.jpg", jpeg(1200, 630), content_type="image/jpeg")
        yield fake


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
async def alice_token(svc: Services, alice: Account) -> str:
    return await make_token(svc, alice)
