"""The harness's own cost per replayed call (a loader that answers at once, through the whole replay loop).

    .venv/bin/pytest benchmarks/test_harness_overhead.py -s

What every run's environment block records as ``harness_overhead_us`` (exifbench/harness/overhead.py), here
best of 5 rounds of 20,000 calls, printed with the load average.
"""

from __future__ import annotations

import os

from exifbench.harness.overhead import harness_overhead_us


def test_harness_overhead_per_call() -> None:
    per_call = harness_overhead_us(calls=20_000, rounds=5)
    print(f"\nharness overhead {per_call:.2f} µs per call (best of 5 × 20,000 calls); load average {os.getloadavg()[0]:.1f}")
    assert per_call >= 0
