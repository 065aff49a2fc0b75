"""JSON responses, Link-header pagination and the cross-cutting API headers."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson
from quart import Quart, Response, g, request

from fedi.web.api.params import Params
from fedi.web.auth import services

API_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo/")
CURSORS = ("max_id", "since_id", "min_id")
NO_STORE = "no-cache, no-store, max-age=0, must-revalidate"

# Mastodon's default: 300 requests per 5 minutes per token (or per IP without one).
RATE_LIMIT = 300
RATE_WINDOW = 300


def json_bytes(data: Any) -> bytes:
    """Compact UTF-8 JSON: orjson (a page of 40 statuses encodes about ten times faster than
    with the standard library), the standard library for what orjson refuses (integers past
    64 bits, lone surrogates)."""
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def api_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response (`{}` for "nothing to return")."""
    response = Response(
        json_bytes(data),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRequest:
    """Cursor parameters of a paginated list (all bounds exclusive)."""

    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int


def page_request(params: Params, *, default: int = 20, maximum: int = 40) -> PageRequest:
    """Read max_id/since_id/min_id/limit; junk cursors are ignored, limit clamped."""
    return PageRequest(
        max_id=params.id("max_id"),
        since_id=params.id("since_id"),
        min_id=params.id("min_id"),
        limit=params.int("limit", default, low=1, high=maximum) or default,
    )


def link_header(newest_id: int | None, oldest_id: int | None) -> str | None:
    """`next` (older, by max_id) then `prev` (newer, by min_id), carrying the other parameters."""
    if newest_id is None or oldest_id is None:
        return None
    carried = [(k, v) for k, v in request.args.items(multi=True) if k not in CURSORS]
    base = services().url(request.path)

    def url(cursor: str, value: int) -> str:
        return base + "?" + urlencode([*carried, (cursor, str(value))])

    return f'<{url("max_id", oldest_id)}>; rel="next", <{url("min_id", newest_id)}>; rel="prev"'


def paginated(items: Sequence[Any], cursor_ids: Sequence[int], *, status: int = 200) -> Response:
    """A JSON list with its Link header; `cursor_ids` are the items' paging ids, newest first."""
    return paginated_json(json_bytes(list(items)), cursor_ids, status=status)


def paginated_json(body: bytes, cursor_ids: Sequence[int], *, status: int = 200) -> Response:
    """`paginated` for a list already encoded (`status_json`)."""
    response = Response(body, status=status, content_type="application/json; charset=utf-8")
    if cursor_ids:
        link = link_header(cursor_ids[0], cursor_ids[-1])
        if link:
            response.headers["Link"] = link
    return response


def is_api_path(path: str) -> bool:
    """Paths with Mastodon's CORS policy and JSON errors."""
    return path.startswith(API_PREFIXES)


class RateLimiter:
    """Fixed-window request counts per token or IP, in this process."""

    def __init__(self, limit: int = RATE_LIMIT, window: int = RATE_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self.counts: dict[str, tuple[int, int]] = {}

    def hit(self, key: str) -> tuple[int, int]:
        """Count a request; return (remaining, window end as epoch seconds)."""
        now = int(time.time())
        start = now - now % self.window
        seen_start, count = self.counts.get(key, (start, 0))
        if seen_start != start:
            if len(self.counts) > 50_000:
                self.counts.clear()
            count = 0
        count += 1
        self.counts[key] = (start, count)
        return self.limit - count, start + self.window


def _reset_text(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(epoch))


def register_api_hooks(app: Quart) -> None:
    """CORS (any origin, no credentials), preflight, no-store caching and rate-limit headers."""
    limit_config = app.extensions["fedi_config"].api.rate_limit
    limiter = RateLimiter(limit=limit_config)
    app.extensions["fedi_api_limiter"] = limiter

    @app.before_request
    async def preflight_and_limit() -> Response | None:
        path = request.path
        if not is_api_path(path):
            return None
        if request.method == "OPTIONS":
            return Response("", status=204)
        if path.startswith("/api/") and limiter.limit > 0:
            auth = request.headers.get("Authorization", "")
            key = auth or ("ip:" + (request.remote_addr or ""))
            remaining, reset = limiter.hit(key)
            g.rate_limit = (max(remaining, 0), reset)
            if remaining < 0:
                response = api_json({"error": "Too many requests"}, 429)
                response.headers["Retry-After"] = str(max(1, reset - int(time.time())))
                return response
        return None

    @app.after_request
    async def api_headers(response: Response) -> Response:
        path = request.path
        if not is_api_path(path):
            return response
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
        wanted = request.headers.get("Access-Control-Request-Headers")
        headers["Access-Control-Allow-Headers"] = (
            wanted or "Authorization, Content-Type, Idempotency-Key"
        )
        headers["Access-Control-Expose-Headers"] = (
            "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
        )
        headers["Access-Control-Max-Age"] = "86400"
        if path.startswith(("/api/", "/oauth/")):
            headers.setdefault("Cache-Control", NO_STORE)
        limit = g.get("rate_limit")
        if limit is not None:
            headers["X-RateLimit-Limit"] = str(limiter.limit)
            headers["X-RateLimit-Remaining"] = str(limit[0])
            headers["X-RateLimit-Reset"] = _reset_text(limit[1])
        return response
