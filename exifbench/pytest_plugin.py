"""pytest plugin (``pytest11`` entry point): a replay runner for a user's own loader.

    def test_my_loader(exifbench_replay, tmp_path):
        result = exifbench_replay("mypkg.loaders:MyLoader", folder=tmp_path / "photos")
        assert result.equal and result.blocking["total_s"] < result_of_sync...
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from exifbench.datasets.folder import scan
from exifbench.datasets.storage import StorageModel
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness.pattern import load_pattern
from exifbench.harness.result import RunResult

ReplayRunner = Callable[..., RunResult]


def replay_runner(
    strategy: str,
    folder: str | Path,
    pattern: str | None = None,
    io_latency_ms: float = 0.0,
    workers: int = 4,
    on_not_ready: str = "defaults",
) -> RunResult:
    """Replay ``pattern`` (default ``startup-593``) on ``folder`` with one strategy; return its result."""
    config = BenchConfig([strategy], workers=workers, on_not_ready=on_not_ready, storage=StorageModel(io_latency_ms))
    return run_bench(config, scan(folder), load_pattern(pattern)).runs[0]


@pytest.fixture
def exifbench_replay() -> ReplayRunner:
    """A function ``(strategy, folder, pattern=None, io_latency_ms=0, ...) -> RunResult``."""
    return replay_runner
