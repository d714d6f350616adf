"""Pools start before the replay: creating a loader starts every worker; the cost is its own figure."""

from __future__ import annotations

import threading
from pathlib import Path

from exifbench.datasets.folder import scan
from exifbench.reports.documents.runs import RunResult
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness.leaks import child_processes
from exifbench.strategies.lazy import LazyLoader
from exifbench.strategies.process import ProcessPoolLoader
from exifbench.strategies.threadpool import ThreadPoolLoader
from tests.helpers import PATIENT_S, GatedReader


def worker_pids() -> set[int]:
    return {child.pid for child in child_processes()}


def test_a_process_pool_has_all_its_workers_before_the_first_call(corpus_copy: Path) -> None:
    path = str(sorted(corpus_copy.glob("[A-Z]*.jpg"))[0])
    before = worker_pids()
    with ProcessPoolLoader(workers=3, timeout_s=PATIENT_S) as loader:
        started = worker_pids() - before
        assert len(started) == 3
        loader.preload([path])
        assert loader.load_exif(path, blocking=True)
        assert worker_pids() - before == started  # the first read spawned nothing
    assert worker_pids() <= before


def test_thread_pools_have_all_their_threads_before_the_first_call() -> None:
    def pool_threads(prefix: str) -> int:
        return sum(thread.name.startswith(prefix) for thread in threading.enumerate())

    reader = GatedReader(open_gate=True)
    with ThreadPoolLoader(reader, workers=3), LazyLoader(reader, workers=2):
        assert pool_threads("exif-loader") == 3 and pool_threads("lazy-exif") == 2
    assert reader.calls == []
    assert pool_threads("exif-loader") == pool_threads("lazy-exif") == 0


def test_startup_is_recorded_apart_from_the_replay(corpus_copy: Path) -> None:
    runs = run_bench(BenchConfig(["sync", "process"], workers=2), scan(corpus_copy), startup_pattern(8)).runs
    startup = {run.strategy: run.startup_ms for run in runs}
    assert startup["process"] > 0 and startup["process"] > 10 * startup["sync"]  # spawning processes vs nothing
    assert RunResult.from_dict(runs[1].to_dict()).startup_ms == startup["process"]
