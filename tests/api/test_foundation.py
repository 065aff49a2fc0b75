"""The client API's cross-cutting rules: parameters as Mastodon reads them, CORS, JSON errors,
rate-limit headers, trailing slashes and the Link header."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from fedi.app import create_app
from fedi.web.api.params import Params, api_params
from fedi.web.api.responses import page_request, paginated
from tests.conftest import make_config

FORM = "application/x-www-form-urlencoded"


async def params_for(app: Any, path: str, **request: Any) -> Params:
    """The parameters the API sees for a request (parsed by the real request machinery)."""
    async with app.test_request_context(path, **request):
        return await api_params()


async def test_brackets_become_nested_values(app):
    """Rails brackets: lists, nested objects, lists of objects, numbered entries."""
    body = (
        "media_ids[]=1&media_ids[]=2&poll[options][]=yes&poll[options][]=no"
        "&poll[expires_in]=300&source[privacy]=private"
        "&fields_attributes[0][name]=Site&fields_attributes[0][value]=x"
        "&fields_attributes[1][name]=Pronouns&media_attributes[][id]=7"
        "&media_attributes[][description]=cat&media_attributes[][id]=8"
        "&home[last_read_id]=99"
    )
    params = await params_for(
        app, "/api/v1/x", method="POST", data=body, headers={"Content-Type": FORM}
    )
    assert params.list("media_ids") == ["1", "2"] and params.ids("media_ids") == [1, 2]
    assert params.sub("poll").list("options") == ["yes", "no"]
    assert params.sub("poll").int("expires_in") == 300
    assert params.sub("source").str("privacy") == "private"
    assert [r["name"] for r in params.records("fields_attributes")] == ["Site", "Pronouns"]
    assert params.records("media_attributes") == [{"id": "7", "description": "cat"}, {"id": "8"}]
    assert params.dict("home") == {"last_read_id": "99"}


async def test_json_bodies_and_query_merge(app):
    """A JSON body is read as is, merged with the query string (Mammoth, masto.js)."""
    params = await params_for(
        app,
        "/api/v1/x?limit=5&id[]=3&id[]=4",
        method="POST",
        json={"status": "hi", "sensitive": True, "poll": {"options": ["a", "b"]}},
    )
    assert params.str("status") == "hi" and params.bool("sensitive") is True
    assert params.sub("poll").list("options") == ["a", "b"]
    assert params.int("limit") == 5 and params.ids("id") == [3, 4]


async def test_multipart_bodies(app):
    """multipart/form-data fields (masto.js: arrays as a[0], a[1]) and files are read."""
    boundary = "XyZ"
    parts = [
        ("display_name", "Alice"),
        ("fields_attributes[0][name]", "Site"),
        ("media_ids[0]", "11"),
        ("media_ids[1]", "12"),
    ]
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in parts
    ]
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nhello\r\n"
    )
    body = "".join(chunks) + f"--{boundary}--\r\n"
    params = await params_for(
        app,
        "/api/v1/x",
        method="PATCH",
        data=body.encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert params.str("display_name") == "Alice"
    assert params.records("fields_attributes") == [{"name": "Site"}]
    assert params.list("media_ids") == ["11", "12"]
    upload = params.file("file")
    assert upload is not None and upload.filename == "a.txt"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("1", True),
        ("on", True),
        ("t", True),
        ("false", False),
        ("0", False),
        ("off", False),
        ("f", False),
        ("junk", None),
        ("", None),
    ],
)
async def test_booleans(app, raw, expected):
    """Booleans read as Mastodon reads them; junk or empty is "not given"."""
    params = await params_for(app, "/api/v1/x", query_string={"flag": raw})
    assert params.opt_bool("flag") is expected
    assert params.bool("flag", default=True) is (True if expected is None else expected)


async def test_json_booleans_and_junk_numbers(app):
    """JSON true/false are booleans; empty or junk numbers are ignored, never an error."""
    params = await params_for(
        app, "/api/v1/x?limit=&max_id=abc", method="POST", json={"a": False, "b": True}
    )
    assert params.bool("a", default=True) is False and params.bool("b") is True
    assert params.int("limit", 20) == 20 and params.id("max_id") is None
    page = page_request(params)
    assert page.limit == 20 and page.max_id is None


async def test_limit_is_clamped(app):
    """limit is clamped to the endpoint's maximum (and to at least 1)."""
    big = page_request(await params_for(app, "/api/v1/x", query_string={"limit": "500"}))
    small = page_request(await params_for(app, "/api/v1/x", query_string={"limit": "-3"}))
    assert big.limit == 40 and small.limit == 1


async def test_broken_json_is_a_400_json_error(client):
    """A body that is not JSON is a 400 with a JSON error."""
    response = await client.post(
        "/api/v1/apps", data="{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "error" in await response.get_json()


async def test_preflight_allows_idempotency_key(client):
    """Preflight answers 204 for any origin and allows the requested headers (Phanpy's
    Idempotency-Key)."""
    response = await client.options(
        "/api/v1/statuses",
        headers={
            "Origin": "https://phanpy.social",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert response.status_code == 204
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "idempotency-key" in headers["Access-Control-Allow-Headers"].lower()
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in headers


async def test_cors_and_cache_headers_on_responses(client):
    """Every API response has CORS, exposes Link and rate-limit headers, and is not cached."""
    response = await client.get("/api/v1/instance", headers={"Origin": "https://elk.zone"})
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == "*"
    exposed = headers["Access-Control-Expose-Headers"]
    for name in ("Link", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert name in exposed
    assert "no-store" in headers["Cache-Control"]


async def test_cors_on_discovery_documents(client):
    """Browser clients can read the OAuth metadata and NodeInfo too."""
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/nodeinfo"):
        response = await client.get(path)
        assert response.headers["Access-Control-Allow-Origin"] == "*"


async def test_unknown_api_path_is_a_json_404(client):
    """A missing API endpoint is a JSON 404, not an HTML page."""
    response = await client.get("/api/v1/no_such_thing")
    assert response.status_code == 404
    assert response.content_type.startswith("application/json")
    assert (await response.get_json())["error"]


async def test_wrong_method_is_a_json_405(client):
    """A wrong method on an API path is a JSON 405."""
    response = await client.delete("/api/v1/instance")
    assert response.status_code == 405
    assert response.content_type.startswith("application/json")
    assert (await response.get_json())[
        "error"
    ] == "This address does not accept that kind of request."


async def test_trailing_slashes_are_accepted(client):
    """Mastodon.py calls /api/v1/instance/ and /api/v2/instance/; toot opens /oauth/authorize/."""
    for path in ("/api/v1/instance/", "/api/v2/instance/", "/api/v1/custom_emojis/"):
        assert (await client.get(path)).status_code == 200
    response = await client.get("/oauth/authorize/", query_string={"client_id": "x"})
    assert response.status_code == 400


async def test_rate_limit_headers_and_429(tmp_path: Path):
    """Responses count down X-RateLimit-Remaining; past the limit a 429 carries Reset."""
    app = create_app(make_config(tmp_path, api={"rate_limit": 2}), start_workers=False)
    async with app.test_app():
        client = app.test_client()
        first = await client.get("/api/v1/instance")
        second = await client.get("/api/v1/instance")
        third = await client.get("/api/v1/instance")
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert second.headers["X-RateLimit-Remaining"] == "0"
    assert third.status_code == 429
    assert (await third.get_json())["error"] == "Too many requests"
    reset = third.headers["X-RateLimit-Reset"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", reset)
    assert datetime.fromisoformat(reset.replace("Z", "+00:00")).second == 0
    assert int(third.headers["Retry-After"]) >= 1


async def test_link_header_format(app):
    """next (max_id, older) first, then prev (min_id), absolute, filters carried, exact syntax."""
    async with app.test_request_context(
        "/api/v1/notifications?limit=2&types[]=mention&types[]=follow&max_id=99"
    ):
        response = paginated([{"id": "9"}, {"id": "5"}], [9, 5])
    base = "http://localhost/api/v1/notifications?"
    expected_next = base + "limit=2&types%5B%5D=mention&types%5B%5D=follow&max_id=5"
    expected_prev = base + "limit=2&types%5B%5D=mention&types%5B%5D=follow&min_id=9"
    assert (
        response.headers["Link"] == f'<{expected_next}>; rel="next", <{expected_prev}>; rel="prev"'
    )
    assert await response.get_json() == [{"id": "9"}, {"id": "5"}]


async def test_no_link_header_on_empty_pages(app):
    """An empty page has no Link header."""
    async with app.test_request_context("/api/v1/timelines/home?max_id=3"):
        response = paginated([], [])
    assert "Link" not in response.headers
    assert await response.get_json() == []
