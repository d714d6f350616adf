"""Clock and statistics helpers: nanosecond timing, percentiles, blocking summaries."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

now_ns = time.perf_counter_ns


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def summarize_blocking(per_call_ms: Sequence[float]) -> dict[str, float]:
    """Total (s) and p50/p99/max (ms) of per-call main-thread blocking."""
    return {
        "total_s": sum(per_call_ms) / 1000,
        "p50_ms": percentile(per_call_ms, 50),
        "p99_ms": percentile(per_call_ms, 99),
        "max_ms": max(per_call_ms, default=0.0),
    }


def sleep_until(deadline_ns: int) -> None:
    """Sleep (releasing the GIL) until ``perf_counter_ns`` reaches ``deadline_ns``."""
    remaining = deadline_ns - now_ns()
    if remaining > 0:
        time.sleep(remaining / 1e9)
