"""No leaks: threads and pool workers are back to their count after close() and after a whole run;
50 create / replay / close cycles keep memory bounded; the lazy LRU never exceeds its size under concurrency.

Multiprocessing's forkserver and resource tracker are started once per interpreter and outlive
every pool by design; only pool workers are counted.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from exifbench.datasets.folder import scan
from exifbench.harness.leaks import child_processes, thread_count
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.datasets.patterns.pattern import Call, Pattern
from exifbench.harness.plan import plan_replay
from exifbench.harness.replay import replay
from exifbench.strategies import BUILTIN, create
from exifbench.strategies.cache import LRUCache
from exifbench.strategies.lazy import LazyLoader
from tests.helpers import GatedReader

CYCLES = 50
CLUSTER_CYCLES = 3
"""dask starts a whole LocalCluster per cycle (seconds each): fewer cycles, the same checks."""
MB = 1024 * 1024
RSS_BOUND_MB = 50


def pool_workers() -> set[int]:
    """Live child processes of this test process, without multiprocessing's shared forkserver / tracker."""
    return {child.pid for child in child_processes()}


def rss() -> int:
    """This process's resident memory plus its pool workers'."""
    total = psutil.Process().memory_info().rss
    for pid in pool_workers():
        try:
            total += psutil.Process(pid).memory_info().rss
        except psutil.Error:
            continue
    return total


def small_pattern(files: int) -> Pattern:
    """Pre-load everything, then ask for each file twice: misses, then hits."""
    calls = [Call(i % files) for i in range(2 * files)]
    return Pattern("small", calls, preload=list(range(files)), priority=[0, 1])


def test_a_whole_run_of_every_strategy_leaves_nothing_running(corpus_copy: Path) -> None:
    threads, workers = thread_count(), pool_workers()
    folder = scan(corpus_copy)
    runs = run_bench(BenchConfig(list(BUILTIN), workers=2, repeat=2), folder, small_pattern(len(folder.files)))
    assert [run.strategy for run in runs.runs] == list(BUILTIN) * 2 and all(run.equal for run in runs.runs)
    assert thread_count() == threads
    assert pool_workers() <= workers


def settled_threads(expected: int, within_s: float = 2.0) -> int:
    """The thread count once it is at most ``expected`` or ``within_s`` passed: a joined thread may take a moment to
    exit on a loaded machine (as :class:`~exifbench.harness.leaks.Watch` allows); a leaked one stays. A library's
    idle helper thread started before the count (dask's) may also end meanwhile: fewer is no leak."""
    deadline = time.monotonic() + within_s
    while threading.active_count() > expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return threading.active_count()


@pytest.mark.parametrize("name", list(BUILTIN))
def test_create_replay_close_cycles_keep_threads_workers_and_memory_bounded(name: str, corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    folder.files = folder.files[:8]
    plan = plan_replay(small_pattern(len(folder.files)), folder)

    def cycle() -> None:
        with create(name, workers=2) as loader:
            measured = replay(loader, plan)
        assert measured.complete and len(measured.results) == len(folder.files)

    cycle()  # warm-up: imports, Pillow's plugin registry, the forkserver
    threads, workers, start_rss = threading.active_count(), pool_workers(), rss()
    cycles = CLUSTER_CYCLES if name == "dask" else CYCLES
    for _ in range(cycles):
        cycle()
        assert settled_threads(threads) <= threads
        assert pool_workers() <= workers
    growth_mb = (rss() - start_rss) / MB
    assert growth_mb < RSS_BOUND_MB, f"{name}: RSS grew {growth_mb:.1f} MB over {cycles} cycles"


def test_lazy_lru_never_exceeds_its_size_under_concurrent_use(monkeypatch: pytest.MonkeyPatch) -> None:
    size, paths = 5, [f"/photos/{i:03}.jpg" for i in range(40)]
    sizes: list[int] = []
    add = LRUCache.add

    def observed_add(self: LRUCache, key: str, make: Callable[[], dict]) -> dict:
        kept = add(self, key, make)
        sizes.append(len(self))
        return kept

    monkeypatch.setattr(LRUCache, "add", observed_add)
    with LazyLoader(GatedReader(open_gate=True), workers=4, cache_size=size) as loader:

        def caller(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(200):
                path = rng.choice(paths)
                if rng.random() < 0.5:
                    loader.load_exif(path, blocking=True)
                else:
                    loader.load_exif(path)

        threads = [threading.Thread(target=caller, args=(seed,)) for seed in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
    assert len(sizes) > 100 and max(sizes) == size and len(loader.cache) == size
