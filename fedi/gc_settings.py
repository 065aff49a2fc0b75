"""The garbage collector's settings for a long-running server (`fedi serve`).

Python's collector walks every object it tracks on a full (oldest-generation) collection. In a
server that is the modules, classes and functions loaded at start-up plus the reader caches:
a few hundred thousand objects and tens of milliseconds, during which no request is answered.
After start-up those objects are moved out of its view (`gc.freeze`: they live as long as the
process anyway), and young objects are collected less often, so full collections come rarely
and walk only what was made since. Reference counting still frees almost everything at once;
the collector is only for reference cycles.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000  # allocations between young collections (Python's default: 700)
OLDER_THRESHOLDS = (10, 10)  # as Python's defaults


def settle_after_start() -> None:
    """Collect once, freeze what is alive (start-up objects), and raise the young threshold."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
