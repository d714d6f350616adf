"""Start-up CPU time of ``exifbench --version`` and ``exifbench -h`` (the issue's budget: 0.3 s each).

    pytest benchmarks/test_startup.py -s

CPU time (user + system of the child), not wall time: a loaded machine stretches the wall clock, not the
work done. Each command runs 5 times; the median is asserted and printed.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys

import pytest

BUDGET_S = 0.3


def cpu_seconds(args: list[str]) -> float:
    """User + system CPU seconds of one ``python -m exifbench.cli``-like run of the entry point with ``args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", "from exifbench.cli import app; app()", *args], check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@pytest.mark.parametrize("args", [["--version"], ["-h"]], ids=["version", "help"])
def test_startup_cpu(args: list[str]) -> None:
    median = statistics.median(cpu_seconds(args) for _ in range(5))
    print(f"exifbench {' '.join(args)}: {median * 1000:.0f} ms CPU (median of 5)")
    assert median < BUDGET_S
