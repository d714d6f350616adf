"""How long a pool takes to start, ``process`` beside ``threadpool``, the first pool of a fresh interpreter
(the fork server starts with it) and the ones after it.

    pytest benchmarks/test_pool_startup.py --benchmark-autosave
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from exifbench.strategies import create

FIRST_POOL = """
import json, time
from exifbench.strategies import create
if __name__ == "__main__":
    begin = time.perf_counter()
    loader = create({strategy!r}, workers=4)
    started = time.perf_counter() - begin
    loader.close()
    print(json.dumps(started))
"""


def first_pool_s(strategy: str) -> float:
    """Seconds ``create(strategy)`` takes in a fresh interpreter (its imports done before the clock starts)."""
    script = FIRST_POOL.format(strategy=strategy)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300)
    return float(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("strategy", ["threadpool", "process"])
def test_pool_startup(benchmark: Any, strategy: str) -> None:
    benchmark.extra_info["first_pool_s"] = round(first_pool_s(strategy), 4)
    benchmark.pedantic(lambda: create(strategy, workers=4).close(), rounds=5, warmup_rounds=1)
