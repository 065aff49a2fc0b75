"""Time-sortable 64-bit ids: milliseconds since the epoch in the high bits, a sequence below."""

from __future__ import annotations

import secrets
import threading
import time

_SEQ_BITS = 16
_SEQ_MASK = (1 << _SEQ_BITS) - 1
_lock = threading.Lock()
_last_ms = 0
_seq = 0


def new_id(now_ms: int | None = None) -> int:
    """A fresh id, greater than every id made before it in this process."""
    global _last_ms, _seq
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    with _lock:
        if ms <= _last_ms:
            ms = _last_ms
            _seq += 1
            if _seq > _SEQ_MASK:
                ms += 1
                _seq = secrets.randbelow(256)
        else:
            _seq = secrets.randbelow(256)
        _last_ms = ms
        return (ms << _SEQ_BITS) | _seq


def id_floor(ms: int) -> int:
    """The smallest id that can be made at millisecond `ms` (for time-range queries)."""
    return ms << _SEQ_BITS


def id_time_ms(id_: int) -> int:
    """The millisecond timestamp an id was made at."""
    return id_ >> _SEQ_BITS
