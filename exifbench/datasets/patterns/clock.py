"""The replay's clock: nanosecond timestamps and sleeping until a deadline."""

from __future__ import annotations

import time

now_ns = time.perf_counter_ns


def sleep_until(deadline_ns: int) -> None:
    """Sleep (releasing the GIL) until ``perf_counter_ns`` reaches ``deadline_ns``."""
    remaining = deadline_ns - now_ns()
    if remaining > 0:
        time.sleep(remaining / 1e9)
