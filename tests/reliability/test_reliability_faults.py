"""Worker faults: a process-pool worker dies, a loader thread raises, a read hangs past the blocking timeout.

Faults are injected through the storage layer (picklable, so they fire inside pool
workers too) or by killing a busy worker with psutil. A fault may cost a file its EXIF,
never the run: every other file still equals the baseline and the fault is an error entry.
"""

from __future__ import annotations

import contextlib
import errno
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from exifbench.datasets.folder import Folder, scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.strategies.extractors import POOL_DEFAULT, ExifRead, ExifReader
from exifbench.harness.leaks import child_processes
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness.equality import compare
from exifbench.strategies.extractors.error_log import ErrorCollector
from exifbench.datasets.patterns.pattern import Call, Pattern, startup_pattern
from exifbench.harness.plan import plan_replay
from exifbench.harness.replay import replay
from exifbench.strategies import create
from exifbench.strategies.lazy import LazyLoader
from exifbench.strategies.process import ProcessPoolLoader
from exifbench.strategies.threadpool import ThreadPoolLoader

GENEROUS_S = 60.0  # an upper bound against hangs only; nothing here is timed


@dataclass(frozen=True)
class CrashingStorage(StorageModel):
    """Storage whose read of ``crash`` kills the pool worker reading it (never the test's own process).

    With ``once`` (a marker file) only the read that manages to delete the marker crashes.
    """

    crash: str = ""
    once: str | None = None

    def charge(self, path: str) -> None:
        super().charge(path)
        if path == self.crash and multiprocessing.parent_process() is not None and _take(self.once):
            os._exit(70)


def _take(marker: str | None) -> bool:
    if marker is None:
        return True
    try:
        os.unlink(marker)
    except FileNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class RaisingReader(ExifReader):
    """A reader with a bug: raises (instead of returning ``{}`` + error) for one path."""

    bad: str = ""

    def __call__(self, path: str) -> ExifRead:
        if path == self.bad:
            raise RuntimeError("reader bug")
        return super().__call__(path)


def pool_workers() -> set[int]:
    """Live child processes of this test process, without multiprocessing's shared forkserver / tracker."""
    return {child.pid for child in child_processes()}


def reads(log: Path) -> Counter[str]:
    return Counter(line.split("\t", 1)[1] for line in log.read_text().splitlines()) if log.exists() else Counter()


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + GENEROUS_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def baseline(paths: list[str]) -> dict[str, dict]:
    return {path: ExifReader()(path).exif for path in paths}


def test_worker_crash_mid_run_is_retried_once_and_reported(corpus_copy: Path, tmp_path: Path) -> None:
    """End to end through ``run_bench``: the pool is rebuilt, the crashed read retried, the run complete and equal."""
    folder = scan(corpus_copy)
    victim = folder.paths[3]
    marker = tmp_path / "crash-once"
    marker.touch()
    log = tmp_path / "reads.log"
    before = pool_workers()
    storage = CrashingStorage(read_log=str(log), crash=victim, once=str(marker))
    pattern = startup_pattern(len(folder.files))
    config = BenchConfig(["process"], workers=2, storage=storage, options={"timeout_s": GENEROUS_S})
    run = run_bench(config, folder, pattern).runs[0]

    assert not marker.exists(), "the worker crash was injected"
    assert run.complete and run.calls == len(pattern.calls)
    assert run.equality.checked == run.equality.equal == len(folder.files)
    errors = {error.path: error.error for error in run.errors}
    assert errors[victim] == "retried after a worker crash: read on retry"
    retried = {path for path, error in errors.items() if error.startswith("retried after a worker crash")}
    counts = reads(log)
    assert counts[victim] == 2
    assert all(counts[path] == 1 for path in folder.paths if path not in retried)
    assert all(counts[path] <= 2 for path in retried)
    assert pool_workers() <= before


def test_worker_killed_by_signal_while_busy_is_retried(corpus_copy: Path, tmp_path: Path) -> None:
    paths = sorted(str(p) for p in corpus_copy.glob("[A-Z]*.jpg"))[:4]
    log = tmp_path / "reads.log"
    before = pool_workers()
    errors = ErrorCollector()
    reader = ExifReader(storage=StorageModel(latency_ms=400, read_log=str(log)), log=errors)
    with ProcessPoolLoader(reader, workers=2, timeout_s=GENEROUS_S) as loader:
        loader.preload(paths)
        wait_for(lambda: reads(log), "a worker to start reading")
        pid, victim = log.read_text().splitlines()[0].split("\t")
        psutil.Process(int(pid)).kill()  # mid-read: the storage model keeps it busy for 400 ms
        results = {path: loader.load_exif(path, blocking=True) for path in paths}
    assert compare(baseline(paths), results).ok
    found = {error["path"]: error["error"] for error in errors.errors}
    assert found[victim] == "retried after a worker crash: read on retry"
    assert reads(log)[victim] == 2
    assert pool_workers() <= before


def test_a_file_that_always_kills_its_worker_is_given_up_after_one_retry(corpus_copy: Path, tmp_path: Path) -> None:
    paths = sorted(str(p) for p in corpus_copy.glob("[A-Z]*.jpg"))[:4]
    victim, others = paths[0], paths[1:]
    log = tmp_path / "reads.log"
    before = pool_workers()
    errors = ErrorCollector()
    reader = ExifReader(storage=CrashingStorage(read_log=str(log), crash=victim), log=errors)
    with ProcessPoolLoader(reader, workers=1, timeout_s=GENEROUS_S) as loader:
        loader.preload([victim])
        assert loader.load_exif(victim, blocking=True) == {}
        loader.preload(others)  # the rebuilt pool still serves everything else
        results = {path: loader.load_exif(path, blocking=True) for path in others}
        assert loader.load_exif(victim) == {}  # cached: not retried forever
    assert compare(baseline(others), results).ok
    assert errors.errors == [{"path": victim, "error": "retried after a worker crash: the worker crashed again, gave up"}]
    assert reads(log)[victim] == 2
    assert pool_workers() <= before


@pytest.mark.parametrize("cls", [ThreadPoolLoader, LazyLoader, ProcessPoolLoader])
def test_a_reader_that_raises_does_not_kill_the_pool(cls: type, corpus_copy: Path) -> None:
    paths = sorted(str(p) for p in corpus_copy.glob("[A-Z]*.jpg"))[:5]
    bad, good, late = paths[0], paths[1:4], paths[4]
    errors = ErrorCollector()
    with cls(RaisingReader(log=errors, bad=bad), workers=2, timeout_s=GENEROUS_S) as loader:
        loader.preload([bad, *good])
        results = {path: loader.load_exif(path, blocking=True) for path in [bad, *good]}
        loader.preload([late])  # after the failure, the same pool still loads in the background
        wait_for(lambda: loader.load_exif(late) is not None, "the pool to load a file after a reader raised")
    assert results[bad] == {}
    assert compare(baseline([*good, late]), {**{p: results[p] for p in good}, late: loader.load_exif(late)}).ok
    assert errors.errors == [{"path": bad, "error": "background load failed: RuntimeError: reader bug"}]


@pytest.fixture
def fifo_folder(corpus_copy: Path) -> Folder:
    """Four real files and ``stuck.jpg``, a FIFO: opening it blocks until someone opens the write end."""
    os.mkfifo(corpus_copy / "stuck.jpg")
    good = sorted(p.name for p in corpus_copy.glob("[A-Z]*.jpg"))[:4]
    return Folder(corpus_copy.resolve(), files=[*good, "stuck.jpg"])


def try_release(fifo: str) -> bool:
    """Open the FIFO's write end if a reader is blocked on it, then close it (that reader sees an empty file)."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError as exc:
        if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
            raise
        return False
    return True


@contextlib.contextmanager
def releasing(fifo: str) -> Iterator[None]:
    """Release every reader that blocks on the FIFO while the block runs, once one has: the stuck read returns at
    last, and so does any later read of it (a retry or a second worker), so ``close()`` can join every worker."""
    wait_for(lambda: try_release(fifo), "a reader to open the FIFO")
    done = threading.Event()

    def keep_releasing() -> None:
        while not done.wait(0.01):
            try_release(fifo)

    releaser = threading.Thread(target=keep_releasing, name="fifo-releaser", daemon=True)
    releaser.start()
    try:
        yield
    finally:
        done.set()
        releaser.join()


@pytest.mark.parametrize("name", ["threadpool", "lazy", "process"])
def test_a_hung_read_is_a_timeout_not_a_hung_run(name: str, fifo_folder: Folder) -> None:
    before_threads, before_workers = threading.active_count(), pool_workers()
    pattern = Pattern("all-once", [Call(i) for i in range(len(fifo_folder.files))], preload=list(range(len(fifo_folder.files))))
    plan = plan_replay(pattern, fifo_folder)
    stuck = fifo_folder.absolute("stuck.jpg")
    errors = ErrorCollector()
    loader = create(name, ExifReader(POOL_DEFAULT, log=errors), workers=2, timeout_s=0.5)  # the pools' own extractor
    try:
        measured = replay(loader, plan, deadline_s=5.0)  # the drain's wait for the stuck read to end: 5 s, not 60
    finally:
        with releasing(stuck):
            loader.close()
    assert measured.complete and len(measured.blocking_ms) == len(plan.calls)
    good = [path for path in plan.targets if path != stuck]
    assert measured.results[stuck] == {}
    assert compare(baseline(good), {path: measured.results[path] for path in good}).ok
    assert errors.errors == [{"path": stuck, "error": "timed out after 0.5 s waiting for the background load"}]
    wait_for(lambda: threading.active_count() == before_threads, "the loader's threads to exit")
    assert pool_workers() <= before_workers
