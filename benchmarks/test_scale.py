"""Scale: up to 100,000 calls over 10,000 synthetic files with the ``lazy`` loader.

    pytest benchmarks/test_scale.py -s

Shows that the lazy loader's memory is bounded by its LRU size (the cache never
holds more than ``CACHE_SIZE`` dicts, and RSS growth stays flat from 10k to 100k
calls) and that main-thread time grows linearly with calls (per-call cost at 1k,
10k and 100k calls, in ``extra_info`` and printed).
"""

from __future__ import annotations

from typing import Any

import psutil
import pytest

from exifbench.datasets.folder import Folder, scan
from exifbench.datasets.synth import synthesize
from exifbench.datasets.patterns.pattern import Call, Pattern
from exifbench.harness.plan import plan_replay
from exifbench.harness.replay import replay
from exifbench.strategies.lazy import LazyLoader

FILES = 10_000
CACHE_SIZE = 512
CALLS = (1_000, 10_000, 100_000)


@pytest.fixture(scope="module")
def synthetic_10k(tmp_path_factory: pytest.TempPathFactory) -> Folder:
    folder = tmp_path_factory.mktemp("synth10k")
    synthesize(folder, FILES, seed=3)
    return scan(folder)


def scan_pattern(calls: int) -> Pattern:
    """Scrolling through the folder again and again: image ``i % FILES`` on call ``i``, no pre-load."""
    return Pattern(name=f"scan-{calls}", calls=[Call(i) for i in range(calls)])


@pytest.mark.parametrize("calls", CALLS)
def test_lazy_scales_linearly_with_bounded_cache(benchmark: Any, calls: int, synthetic_10k: Folder) -> None:
    plan = plan_replay(scan_pattern(calls), synthetic_10k)
    process = psutil.Process()
    figures: dict[str, Any] = {}

    def run() -> None:
        rss_before = process.memory_info().rss
        with LazyLoader(workers=4, cache_size=CACHE_SIZE) as loader:
            measured = replay(loader, plan)
            figures["cache_entries"] = len(loader.cache)
        figures["per_call_us"] = sum(measured.blocking_ms) * 1000 / calls
        figures["rss_growth_mb"] = (process.memory_info().rss - rss_before) / 2**20
        figures["not_ready"] = sum(measured.not_ready)

    benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update({"calls": calls, "files": FILES, "cache_size": CACHE_SIZE, **figures})
    print(f"\n{calls:>7} calls: {figures['per_call_us']:.2f} µs/call on the main thread, "
          f"cache {figures['cache_entries']}/{CACHE_SIZE}, RSS +{figures['rss_growth_mb']:.1f} MB")  # fmt: skip
    assert figures["cache_entries"] <= CACHE_SIZE
