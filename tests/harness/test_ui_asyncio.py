"""``run --ui asyncio``: the replay inside a real asyncio event loop, with the probe's fields."""

from __future__ import annotations

import shutil
from pathlib import Path

from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.datasets.patterns.pattern import FRAME_MS, startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench

FILES = 6


def test_sync_misses_frames_in_proportion_to_its_blocking_and_threadpool_shows_placeholders(
    corpus_dir: Path, tmp_path: Path
) -> None:
    for src in sorted((corpus_dir / "jpg").glob("*.jpg"))[:FILES]:
        shutil.copyfile(src, tmp_path / src.name)
    config = BenchConfig(["sync", "threadpool"], storage=StorageModel(120), ui="asyncio")
    runs = {run.strategy: run for run in run_bench(config, scan(tmp_path), startup_pattern(2 * FILES, page=3)).runs}
    for run in runs.values():
        assert run.config.ui == run.responsiveness.ui == "asyncio"
        assert run.responsiveness.ticks > 0
        assert run.equality.checked == run.equality.equal == FILES
    sync, threadpool = runs["sync"], runs["threadpool"]
    expected = sync.blocking.total_s * 1000 / FRAME_MS  # ~43 frames for 6 reads of 120 ms
    assert 0.6 * expected <= sync.responsiveness.frames_missed <= 1.5 * expected + 3
    assert sync.responsiveness.long_tasks >= 1 and sync.not_ready == 0
    assert threadpool.responsiveness.frames_missed < sync.responsiveness.frames_missed / 2
    assert threadpool.not_ready > 0 and threadpool.responsiveness.ui_work_stretch > 0
