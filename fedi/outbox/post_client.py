"""A small HTTP/1.1 client for inbox deliveries: POST a body, read the status, keep the connection.

Deliveries are the server's highest-volume outbound requests (one post to a thousand followers is
hundreds of POSTs), and a general client's per-request bookkeeping costs more CPU than the RSA
signature itself. A delivery needs little: one POST with a small body, no redirects (an inbox
that redirects is misconfigured; Mastodon does not follow them either), the answer's status and
`Retry-After`, at most a few kilobytes of its body, and keep-alive connections per host.

Safety is the shared client's: the URL is checked by `netguard.check_url`, the host resolved by
`netguard.resolve_checked` (special-purpose addresses refused unless allowed) and the connection
made to an address it accepted; TLS verified with the same context as every outbound request
(`[federation] ca_bundle` included). Connection problems raise `Unreachable`; a malformed answer
raises `Unreachable` too (the delivery is retried like any failed one).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass

from fedi.netguard import (
    GuardPolicy,
    Resolve,
    Unreachable,
    check_url,
    host_of,
    resolve_checked,
    system_resolve,
)

logger = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024
IDLE_SECONDS = 30.0
IDLE_PER_HOST = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What an inbox answered (status and the header we act on)."""

    status: int
    retry_after: str | None = None


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0

    def close(self) -> None:
        self.writer.close()


class _Reused(Exception):
    """A kept-alive connection failed before any answer: the peer had closed it; retry fresh."""


class PostClient:
    """Signed deliveries' transport: `post(url, headers, body)` → `Answer`."""

    def __init__(
        self,
        *,
        policy: GuardPolicy,
        ssl_context: ssl.SSLContext,
        user_agent: str,
        resolve: Resolve = system_resolve,
        max_body: int = 64 * 1024,
    ) -> None:
        self.policy = policy
        self.ssl_context = ssl_context
        self.user_agent = user_agent
        self.max_body = max_body
        self._resolve = resolve
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    async def post(
        self,
        url: str,
        headers: dict[str, str],
        body: bytes,
        *,
        connect_timeout: float,
        read_timeout: float,
    ) -> Answer:
        """POST `body` to `url` with `headers`: connecting, and sending then reading the answer,
        each bounded (the caller may bound the whole)."""
        parsed = check_url(url, self.policy)
        scheme = parsed.scheme.lower()
        host = parsed.host
        port = parsed.port or (443 if scheme == "https" else 80)
        key = (scheme, host, port)
        request = self._request(parsed.raw_path.decode("ascii"), host_of(parsed), headers, body)
        reused = self._take(key)
        if reused is not None:
            try:
                return await self._exchange(key, reused, request, read_timeout, fresh=False)
            except _Reused:
                pass
        connection = await self._connect(scheme, host, port, connect_timeout)
        return await self._exchange(key, connection, request, read_timeout, fresh=True)

    async def aclose(self) -> None:
        """Close every kept connection."""
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    # --- internals -----------------------------------------------------------------------------

    def _request(self, target: str, authority: str, headers: dict[str, str], body: bytes) -> bytes:
        names = {name.lower() for name in headers}
        lines = [f"POST {target} HTTP/1.1"]
        if "host" not in names:
            lines.append(f"Host: {authority}")
        if "user-agent" not in names:
            lines.append(f"User-Agent: {self.user_agent}")
        for name, value in headers.items():
            if name.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise Unreachable("Refusing to send a header with a line break.")
            lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def _take(self, key: tuple[str, str, int]) -> _Connection | None:
        kept = self._idle.get(key)
        now = time.monotonic()
        while kept:
            connection = kept.pop()
            if now - connection.idle_since < IDLE_SECONDS and not connection.reader.at_eof():
                return connection
            connection.close()
        return None

    def _keep(self, key: tuple[str, str, int], connection: _Connection) -> None:
        kept = self._idle.setdefault(key, [])
        if len(kept) >= IDLE_PER_HOST:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        kept.append(connection)

    async def _connect(self, scheme: str, host: str, port: int, limit: float) -> _Connection:
        tls = self.ssl_context if scheme == "https" else None
        try:
            async with asyncio.timeout(limit):
                addresses = await resolve_checked(host, port, self.policy, resolve=self._resolve)
                error: Exception | None = None
                for address in addresses:
                    try:
                        reader, writer = await asyncio.open_connection(
                            address,
                            port,
                            ssl=tls,
                            server_hostname=host if tls else None,
                            limit=MAX_HEAD,
                        )
                        return _Connection(reader, writer)
                    except OSError as exc:  # includes ssl.SSLError
                        error = exc
        except TimeoutError:
            raise Unreachable(f"Could not reach {host}: connecting took too long.") from None
        raise Unreachable(f"Could not reach {host}: {error}.", detail=str(error))

    async def _exchange(
        self,
        key: tuple[str, str, int],
        connection: _Connection,
        request: bytes,
        limit: float,
        *,
        fresh: bool,
    ) -> Answer:
        answered = False
        try:
            async with asyncio.timeout(limit):
                connection.writer.write(request)
                await connection.writer.drain()
                status, fields = await self._head(connection.reader)
                answered = True
                reusable = await self._drain_body(connection.reader, status, fields)
        except TimeoutError:
            connection.close()
            raise Unreachable(f"Could not reach {key[1]}: no answer in time.") from None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            connection.close()
            if not fresh and not answered:
                raise _Reused from exc
            raise Unreachable(f"Could not reach {key[1]}: {type(exc).__name__}.") from exc
        except BaseException:
            connection.close()  # cancelled (timeout): the connection is mid-answer
            raise
        if reusable:
            self._keep(key, connection)
        else:
            connection.close()
        return Answer(status=status, retry_after=fields.get("retry-after"))

    async def _head(self, reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
        while True:
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            version, _, rest = lines[0].partition(" ")
            if not version.startswith("HTTP/1."):
                raise ValueError("not an HTTP/1.x answer")
            status = int(rest[:3])
            fields: dict[str, str] = {"_version": version}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    fields[name.strip().lower()] = value.strip()
            if 100 <= status < 200 and status != 101:
                continue  # an interim answer (100 Continue): the real one follows
            return status, fields

    async def _drain_body(
        self, reader: asyncio.StreamReader, status: int, fields: dict[str, str]
    ) -> bool:
        """Read (and drop) the answer's body; True when the connection may be used again."""
        keep = fields.get("connection", "").lower() != "close" and (
            fields["_version"] == "HTTP/1.1" or "keep-alive" in fields.get("connection", "").lower()
        )
        if status in (204, 304):
            return keep
        if "chunked" in fields.get("transfer-encoding", "").lower():
            read = 0
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass  # trailers
                    return keep
                read += size
                if read > self.max_body:
                    return False
                await reader.readexactly(size + 2)
        length = fields.get("content-length")
        if length is not None:
            size = int(length)
            if size > self.max_body:
                return False
            if size:
                await reader.readexactly(size)
            return keep
        # No length: the body runs to the end of the connection.
        await reader.read(self.max_body)
        return False
