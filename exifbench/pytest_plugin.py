"""pytest plugin (``pytest11`` entry point): a replay runner for a user's own loader.

    def test_my_loader(exifbench_replay, photos):
        mine = exifbench_replay("mypkg.loaders:MyLoader", photos, io_latency_ms=5)
        sync = exifbench_replay("sync", photos, io_latency_ms=5)
        assert mine.equal and mine.blocking["total_s"] < sync.blocking["total_s"]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exifbench.datasets import open_dataset
from exifbench.datasets.storage.model import StorageChoice
from exifbench.errors import ExifbenchError
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.datasets.patterns.builtin import load_pattern
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.reports.documents.runs import RunResult

ReplayRunner = Callable[..., RunResult]


def replay_runner(
    strategy: str,
    folder: str | Path,
    pattern: str | Pattern | None = None,
    io_latency_ms: float = 0.0,
    workers: int | None = None,
    on_not_ready: str = "defaults",
) -> RunResult:
    """Replay ``pattern`` (a name, a file, a :class:`Pattern`; default ``startup-593``) on ``folder`` once.

    ``io_latency_ms`` is charged per file open through the FUSE mount where FUSE is available (so a loader
    that reads files itself pays it too), else in-process (``run.config["storage_charged"]`` says whether it did).
    """
    dataset = open_dataset(folder, StorageChoice(latency_ms=io_latency_ms))
    config = BenchConfig([strategy], workers=workers, on_not_ready=on_not_ready, storage=dataset.storage,
                         storage_via=dataset.via)  # fmt: skip
    replayed = pattern if isinstance(pattern, Pattern) else load_pattern(pattern)
    runs = run_bench(config, dataset.folder, replayed)
    for failure in runs.failed:
        raise ExifbenchError(f"strategy {failure.strategy!r} failed: {failure.error}")
    return runs.runs[0]


@pytest.fixture
def exifbench_replay() -> ReplayRunner:
    """A function ``(strategy, folder, pattern=None, io_latency_ms=0, ...) -> RunResult``."""
    return replay_runner
