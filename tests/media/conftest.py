"""Fixtures of the media tests: a logged-in author, and helpers to post files through the form."""

from __future__ import annotations

import html
import io
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage

from fedi.context import Services
from fedi.storage.rows import Account
from tests.factories import browser_login, make_user


def upload(
    data: bytes, filename: str, content_type: str = "application/octet-stream"
) -> FileStorage:
    """A file as a browser sends it (the name and type are the client's claim, nothing more)."""
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


async def text_of(response: Any) -> str:
    """The response body with HTML entities decoded."""
    return html.unescape(await response.get_data(as_text=True))


async def compose(client: Any, csrf: str, files: dict[str, FileStorage], **fields: str) -> Any:
    """POST the compose form with files in its numbered slots."""
    form = {"status": "", "spoiler_text": "", "visibility": "public", "csrf_token": csrf}
    form.update(fields)
    return await client.post("/compose", form=form, files=files)


@pytest.fixture
async def alice(svc: Services) -> Account:
    _, account = await make_user(svc, "alice")
    return account


@pytest.fixture
async def alice_client(app: Any, svc: Services, alice: Account) -> Any:
    client = app.test_client()
    await browser_login(client, svc, alice)
    return client
