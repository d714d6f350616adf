"""Each strategy's replay of the scaled start-up pattern, through pytest-benchmark.

    pytest benchmarks/ --benchmark-autosave
    pytest benchmarks/ --benchmark-compare --benchmark-compare-fail=median:10%

pytest-benchmark times each round's whole replay (think time included; loader
creation, starting its pool and ``close()`` not), after a warm-up round, over
``ROUNDS`` rounds, so that the median of unchanged code stays within 10% from one
session to the next (a single round flagged +57% on unchanged code); exifbench's own figures — main-thread blocking,
not-ready calls, background completion, EXIF equality — go into ``extra_info``
(medians over the rounds) and so into the saved JSON.
"""

from __future__ import annotations

from typing import Any

import pytest

from exifbench.datasets.storage.model import StorageModel
from exifbench.strategies.extractors import ExifReader
from exifbench.harness.equality import compare
from exifbench.harness.calls import Replay
from exifbench.harness.plan import ReplayPlan
from exifbench.harness.replay import replay
from exifbench.reports.statistics import median, percentile
from exifbench.strategies import BUILTIN, create
from exifbench.strategies.base import BackgroundWork, ExifLoader

IO_LATENCY_MS = 40.0
ROUNDS = 8
WARMUP_ROUNDS = 1


def start_pool(loader: ExifLoader, paths: list[str]) -> None:
    """Start a background loader's workers (and their imports) before the timed replay: reads of files outside it."""
    if isinstance(loader, BackgroundWork):
        loader.preload(paths)
        loader.wait_idle(timeout=60)


@pytest.mark.parametrize("strategy", list(BUILTIN))
def test_replay(
    benchmark: Any, strategy: str, plan: ReplayPlan, expected: dict[str, dict[str, Any]], warm_up_paths: list[str]
) -> None:
    reader = ExifReader(storage=StorageModel(IO_LATENCY_MS))
    open_loaders: list[ExifLoader] = []
    replays: list[Replay] = []

    def setup() -> tuple[tuple[ExifLoader], dict[str, Any]]:
        loader = create(strategy, reader, workers=4)
        open_loaders.append(loader)
        start_pool(loader, warm_up_paths)
        return (loader,), {}

    def run(loader: ExifLoader) -> None:
        replays.append(replay(loader, plan))

    def teardown(loader: ExifLoader) -> None:
        open_loaders.remove(loader)
        loader.close()

    benchmark.group = f"{plan.pattern}, {IO_LATENCY_MS:g} ms storage"
    try:
        benchmark.pedantic(run, setup=setup, teardown=teardown, rounds=ROUNDS, warmup_rounds=WARMUP_ROUNDS)
    finally:
        for loader in open_loaders:  # --benchmark-disable runs once without teardown
            loader.close()

    replays = replays[WARMUP_ROUNDS:] or replays  # the figures of the measured rounds only
    reports = [compare(expected, measured.results) for measured in replays]
    benchmark.extra_info.update(
        {
            "calls": len(plan.calls),
            "images": plan.images,
            "io_latency_ms": IO_LATENCY_MS,
            "blocking_total_s": median([sum(m.blocking_ms) / 1000 for m in replays]),
            "blocking_p99_ms": median([percentile(m.blocking_ms, 99) for m in replays]),
            "not_ready": median([float(sum(m.not_ready)) for m in replays]),
            "background_s": median([m.background_s for m in replays]),
            "equal": all(report.ok for report in reports),
            "mismatches": sum(len(report.mismatches) for report in reports),
        }
    )
    assert benchmark.extra_info["equal"], reports[0].mismatches[:3]
