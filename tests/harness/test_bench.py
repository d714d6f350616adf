"""The replay harness and the storage model, measured on real corpus files."""

from __future__ import annotations

import shutil
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.harness.bench import Bench, BenchConfig, run_bench
from exifbench.datasets.patterns.pattern import Call, Pattern, startup_pattern
from exifbench.harness.plan import plan_replay
from exifbench.harness.replay import replay
from exifbench.strategies import create
from exifbench.strategies.extractors import ExifReader


def _reads(log: Path) -> Counter[str]:
    return Counter(line.split("\t")[1] for line in log.read_text().splitlines())


@pytest.mark.parametrize("name", ["sync", "threadpool", "lazy", "process"])
def test_storage_model_charged_once_per_storage_read(name: str, corpus_copy: Path, tmp_path: Path) -> None:
    log = tmp_path / "reads.log"
    folder = scan(corpus_copy)
    config = BenchConfig([name], workers=2, storage=StorageModel(1.0, read_log=str(log)))
    runs = run_bench(config, folder, startup_pattern(images=60, page=12))
    assert runs.runs[0].equal
    assert _reads(log) == Counter({path: 1 for path in folder.paths})


def test_sync_blocking_is_at_least_one_latency_per_distinct_file(corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    latency_ms = 20.0  # sync's blocking (>= 0.6 s) dwarfs what a loaded machine adds to threadpool's calls
    config = BenchConfig(["sync", "threadpool"], storage=StorageModel(latency_ms))
    runs = run_bench(config, folder, startup_pattern(images=len(folder.files)))
    sync, threadpool = runs.runs
    assert sync.calls == len(folder.files) + 2 and sync.not_ready == 0
    assert sync.blocking.total_s >= len(folder.files) * latency_ms / 1000
    assert threadpool.not_ready > 0
    assert threadpool.blocking.total_s < sync.blocking.total_s / 3


def test_jitter_is_deterministic_per_file_and_bounded() -> None:
    model = StorageModel(23.0, 5.0, seed=1)
    delays = [model.delay_ms(f"/p/{i}.jpg") for i in range(200)]
    assert delays == [StorageModel(23.0, 5.0, seed=1).delay_ms(f"/p/{i}.jpg") for i in range(200)]
    assert all(18.0 <= d <= 28.0 for d in delays) and len(set(delays)) > 150


@pytest.mark.parametrize("policy", ["defaults", "wait", "defer"])
def test_not_ready_policies(policy: str, corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    plan = plan_replay(startup_pattern(images=40, page=40), folder)
    with create("threadpool", ExifReader(storage=StorageModel(2.0)), workers=1) as loader:
        measured = replay(loader, plan, policy)
    assert sum(measured.not_ready) > 0
    assert measured.deferred == (sum(measured.not_ready) if policy == "defer" else 0)
    assert len(measured.results) == len(plan.targets)
    if policy == "wait":  # waiting moves the storage time onto the caller
        assert sum(measured.blocking_ms) >= 2.0 * sum(measured.not_ready) / 4


def test_stop_event_ends_the_replay_early_and_marks_it_incomplete(corpus_copy: Path) -> None:
    stop = threading.Event()
    config = BenchConfig(["sync", "threadpool"], repeat=2)

    def progress(name: str, repeat: int, calls: int) -> None:
        if calls == 10:
            stop.set()

    runs = run_bench(config, scan(corpus_copy), startup_pattern(images=48), progress, stop)
    assert not runs.complete and len(runs.runs) == 1
    assert runs.runs[0].calls == 10 and runs.runs[0].complete is False
    assert runs.runs[0].equal  # what was measured is still checked


def test_repeats_are_interleaved(corpus_copy: Path) -> None:
    config = BenchConfig(["sync", "lazy"], repeat=3)
    runs = run_bench(config, scan(corpus_copy), startup_pattern(images=24))
    assert [(r.strategy, r.repeat) for r in runs.runs] == [
        ("sync", 0), ("lazy", 0), ("sync", 1), ("lazy", 1), ("sync", 2), ("lazy", 2),
    ]  # fmt: skip


def test_the_switch_interval_is_set_during_each_run_and_the_process_own_between_them(corpus_dir: Path, tmp_path: Path) -> None:
    for src in sorted((corpus_dir / "jpg").glob("*.jpg"))[:2]:
        shutil.copyfile(src, tmp_path / src.name)
    own, during, between = sys.getswitchinterval(), [], []
    bench = Bench(BenchConfig(["sync", "threadpool"], repeat=2, tick_ms=1.0, switch_interval_s=own * 3), scan(tmp_path),
                  Pattern("two", [Call(0), Call(1)]), lambda *call: during.append(sys.getswitchinterval()))  # fmt: skip
    for _, measured in bench.steps():
        assert measured.runs and measured.runs[0].environment["switch_interval_s"] == own * 3
        between.append(sys.getswitchinterval())  # the caller holds a run: the harness's interval is not left set
    assert during == [own * 3] * 8 and between == [own] * 4
    assert sys.getswitchinterval() == own
