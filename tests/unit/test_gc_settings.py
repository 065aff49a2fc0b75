"""`fedi serve` settles the garbage collector after start-up (`fedi.gc_settings`): start-up
objects frozen out of full collections, young objects collected less often. Checked in a
fresh interpreter, so the test process's own collector is left alone."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import gc, json
from fedi.gc_settings import YOUNG_THRESHOLD, settle_after_start
before = gc.get_freeze_count()
settle_after_start()
print(json.dumps({"before": before, "frozen": gc.get_freeze_count(),
                  "threshold": gc.get_threshold(), "young": YOUNG_THRESHOLD}))
"""


def test_settling_freezes_start_up_objects_and_raises_the_young_threshold():
    """After settling, what was alive is frozen and young collections come less often."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60
    )
    found = json.loads(done.stdout)
    assert found["before"] == 0 and found["frozen"] > 1000
    assert found["threshold"] == [found["young"], 10, 10]
