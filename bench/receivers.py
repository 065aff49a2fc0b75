"""Many tiny inboxes in one process: an asyncio HTTP/1.1 server listening on many loopback ports.

`python -m bench.receivers N` listens on N free loopback ports and one control port, prints
`ready CONTROL_PORT PORT...`, and answers every POST on every port with 202 (keep-alive), counting
the requests that carried a `Signature` header. On the control port a line `wait N SECONDS`
answers `<count> <monotonic time of the last request>` as soon as N signed requests have arrived
(or the time is up). `time.monotonic()` is the system's CLOCK_MONOTONIC, so the bench process can
compare it with its own clock.
"""

from __future__ import annotations

import asyncio
import sys
import time

ANSWER = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"


class Tally:
    """Signed requests received so far, and when the last one arrived."""

    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0
        self.changed = asyncio.Event()

    def add(self) -> None:
        self.count += 1
        self.last = time.monotonic()
        self.changed.set()


class Inbox(asyncio.Protocol):
    """One connection: parse requests (head + Content-Length body) and answer 202."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line.startswith(b"content-length:"):
                    length = int(line[15:].strip())
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            signed = b"\r\nsignature:" in head or b"\r\nsignature-input:" in head
            self.buffer = self.buffer[total:]
            if signed:
                self.tally.add()
            assert self.transport is not None
            self.transport.write(ANSWER)


async def control(tally: Tally, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """`wait N SECONDS` → `<count> <last>` once N signed requests arrived (or time ran out)."""
    while line := await reader.readline():
        _, wanted, seconds = line.split()
        deadline = time.monotonic() + float(seconds)
        while tally.count < int(wanted) and time.monotonic() < deadline:
            tally.changed.clear()
            try:
                await asyncio.wait_for(tally.changed.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        writer.write(f"{tally.count} {tally.last!r}\n".encode())
        await writer.drain()
    writer.close()


async def serve(count: int) -> None:
    """Listen on `count` ports (and the control port) until killed."""
    tally = Tally()
    loop = asyncio.get_running_loop()
    servers = [
        await loop.create_server(lambda: Inbox(tally), "127.0.0.1", 0, backlog=256)
        for _ in range(count)
    ]
    control_server = await asyncio.start_server(lambda r, w: control(tally, r, w), "127.0.0.1", 0)
    ports = [server.sockets[0].getsockname()[1] for server in [control_server, *servers]]
    print("ready", *ports, flush=True)
    await asyncio.Event().wait()  # until killed


def main() -> None:
    asyncio.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
