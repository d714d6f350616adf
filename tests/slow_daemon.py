"""The storage daemon with a slow FUSE layer: every read request costs ``EXTRA_MS`` more than the model charges.

Run as ``python -m tests.slow_daemon`` in the daemon's place (``test_storage_fuse.py``): a mount whose own cost is
well above a loaded machine's noise, so that taking it off the charges shows in a few reads.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from exifbench.datasets.storage import daemon

EXTRA_MS = 4.0


class SlowPassThrough(daemon.PassThrough):
    def read(self, path: str, size: int, offset: int, fi: Any) -> bytes:
        time.sleep(EXTRA_MS / 1000)
        return super().read(path, size, offset, fi)


daemon.PassThrough = SlowPassThrough  # type: ignore[misc]

if __name__ == "__main__":
    sys.exit(daemon.main(sys.argv[1:]))
