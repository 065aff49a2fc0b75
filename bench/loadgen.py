"""A small HTTP/1.1 load generator, run as its own process so its CPU is not the server's.

`python -m bench.loadgen HOST PORT CONNECTIONS FILE` reads pre-built raw requests from FILE
(each a 4-byte big-endian length, then the bytes), sends them over CONNECTIONS keep-alive
connections (each connection takes the next request when its previous answer is complete) and
prints one JSON line: count, seconds, rps, p50_ms, p99_ms and the status codes seen.
Requests are built (and signed) beforehand, so the timed window holds only sending and answering.
"""

from __future__ import annotations

import asyncio
import json
import struct
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path


def write_requests(path: Path, requests: list[bytes]) -> None:
    """Store raw requests for `read_requests` (length-prefixed)."""
    with path.open("wb") as out:
        for raw in requests:
            out.write(struct.pack(">I", len(raw)))
            out.write(raw)


def read_requests(path: Path) -> list[bytes]:
    """The raw requests written by `write_requests`."""
    data = path.read_bytes()
    found, offset = [], 0
    while offset < len(data):
        (size,) = struct.unpack_from(">I", data, offset)
        offset += 4
        found.append(data[offset : offset + size])
        offset += size
    return found


async def _read_answer(reader: asyncio.StreamReader) -> int:
    """Read one response (Content-Length or chunked body); return its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = -1
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length > 0:
        await reader.readexactly(length)
    return status


async def _connection(
    host: str, port: int, jobs: Iterator[bytes], latencies: list[float], statuses: Counter[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for raw in jobs:
            start = time.perf_counter()
            writer.write(raw)
            status = await _read_answer(reader)
            latencies.append(time.perf_counter() - start)
            statuses[status] += 1
    finally:
        writer.close()


async def run(host: str, port: int, connections: int, requests: list[bytes]) -> dict[str, object]:
    """Send every request over `connections` keep-alive connections; return the figures."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    jobs = iter(requests)  # shared: each connection takes the next request
    start = time.perf_counter()
    await asyncio.gather(
        *(_connection(host, port, jobs, latencies, statuses) for _ in range(connections))
    )
    seconds = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    return {
        "count": len(latencies),
        "seconds": seconds,
        "rps": len(latencies) / seconds if seconds else 0.0,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def main() -> None:
    host, port, connections, path = sys.argv[1:5]
    requests = read_requests(Path(path))
    result = asyncio.run(run(host, int(port), int(connections), requests))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
