"""Protocol behaviour of every strategy: not-ready then ready, blocking fallback, priority, no double submit, close."""

from __future__ import annotations

import pickle
import threading
import time
from pathlib import Path

import pytest

from exifbench.datasets.storage.model import StorageModel
from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors import ExifReader
from exifbench.harness.equality import compare
from exifbench.harness.leaks import child_processes, thread_count
from exifbench.strategies import BUILTIN, create, expand_names, resolve
from exifbench.strategies.base import BackgroundWork, ExifLoader
from exifbench.strategies.cache import LRUCache
from exifbench.strategies.lazy import LazyLoader
from exifbench.strategies.sync import SyncLoader
from exifbench.strategies.threadpool import ThreadPoolLoader
from exifbench.strategies.viewport import ViewportLoader
from tests.helpers import GatedReader

BACKGROUND = [ThreadPoolLoader, LazyLoader, ViewportLoader]
PATHS = [f"/photos/{i:03}.jpg" for i in range(10)]


@pytest.mark.parametrize("name", list(BUILTIN))
def test_every_builtin_satisfies_the_protocol(name: str) -> None:
    with create(name, workers=1) as loader:
        assert isinstance(loader, ExifLoader)


def test_sync_reads_once_then_serves_the_cache() -> None:
    reader = GatedReader(open_gate=True)
    loader = SyncLoader(reader)
    first = loader.load_exif(PATHS[0])
    assert first == {"Make": f"make of {PATHS[0]}", "Orientation": 1}
    assert loader.load_exif(PATHS[0]) is first
    loader.preload(PATHS)
    assert reader.calls == [PATHS[0]]


@pytest.mark.parametrize("cls", BACKGROUND)
def test_not_ready_then_ready(cls: type) -> None:
    reader = GatedReader()
    with cls(reader, workers=2) as loader:
        assert loader.load_exif(PATHS[0]) is None
        assert reader.started.acquire(timeout=5)
        assert loader.load_exif(PATHS[0]) is None  # still in flight
        reader.gate.set()
        assert loader.load_exif(PATHS[0], blocking=True)["Make"] == f"make of {PATHS[0]}"
        assert loader.load_exif(PATHS[0]) == {"Make": f"make of {PATHS[0]}", "Orientation": 1}
    assert reader.calls == [PATHS[0]]


@pytest.mark.parametrize("cls", BACKGROUND)
def test_blocking_without_a_load_in_flight_reads_on_the_caller(cls: type) -> None:
    reader = GatedReader(open_gate=True)
    with cls(reader, workers=2) as loader:
        assert loader.load_exif(PATHS[3], blocking=True)["Make"] == f"make of {PATHS[3]}"
    assert reader.threads == [threading.current_thread().name]


@pytest.mark.parametrize("cls", [ThreadPoolLoader, LazyLoader])  # viewport re-orders by request: test_viewport.py
def test_preload_submits_priority_first_and_never_twice(cls: type) -> None:
    reader = GatedReader()
    with cls(reader, workers=1) as loader:
        loader.preload(PATHS, priority=[PATHS[7], PATHS[4]])
        loader.preload(PATHS, priority=[PATHS[7]])
        for path in PATHS:
            loader.load_exif(path)
        reader.gate.set()
        for path in PATHS:
            assert loader.load_exif(path, blocking=True)["Make"] == f"make of {path}"
    assert reader.calls == [PATHS[7], PATHS[4], *[p for p in PATHS if p not in (PATHS[7], PATHS[4])]]


def test_threadpool_uses_named_workers() -> None:
    reader = GatedReader(open_gate=True)
    with ThreadPoolLoader(reader, workers=2) as loader:
        loader.preload(PATHS[:2])
        for path in PATHS[:2]:
            loader.load_exif(path, blocking=True)
    assert all(name.startswith("exif-loader") for name in reader.threads)


def test_threadpool_blocking_wait_times_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    reader = GatedReader()
    with ThreadPoolLoader(reader, workers=1, timeout_s=0.05) as loader:
        loader.preload([PATHS[0]])
        assert loader.load_exif(PATHS[0], blocking=True) == {}
        reader.gate.set()
    assert any("timed out" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("cls", [SyncLoader, *BACKGROUND])
def test_failed_read_gives_empty_dict_and_one_warning(cls: type, caplog: pytest.LogCaptureFixture) -> None:
    reader = GatedReader(open_gate=True)
    with cls(reader) as loader:
        loader.preload(["/photos/bad.jpg"])
        assert loader.load_exif("/photos/bad.jpg", blocking=True) == {}
        assert loader.load_exif("/photos/bad.jpg", blocking=True) == {}
    warnings = [r for r in caplog.records if getattr(r, "exif_path", None) == "/photos/bad.jpg"]
    assert len(warnings) == 1 and "unreadable" in warnings[0].getMessage()


def test_lazy_callbacks_batch_and_silent_preload() -> None:
    reader = GatedReader(open_gate=True)
    seen: list[tuple[str, str]] = []
    done = threading.Semaphore(0)

    def callback(path: str, exif: dict) -> None:
        seen.append((path, exif["Make"]))
        done.release()

    with LazyLoader(reader, workers=2) as loader:
        loader.get_exif_lazy(PATHS[0], callback)
        loader.preload_exif_batch(PATHS[1:4], callback)
        for _ in range(4):
            assert done.acquire(timeout=5)
        loader.preload_exif_silent(PATHS[4:6] + ["/photos/bad.jpg"])
        loader.load_exif("/photos/bad.jpg", blocking=True)
        for path in PATHS[4:6]:
            loader.load_exif(path, blocking=True)
        loader.get_exif_lazy(PATHS[0], callback)  # cached: called at once
        assert len(loader.cache) == 7
    assert sorted(seen[:4]) == [(p, f"make of {p}") for p in PATHS[:4]]
    assert seen[4] == (PATHS[0], f"make of {PATHS[0]}")
    assert reader.calls.count(PATHS[0]) == 1


def test_lazy_lru_never_exceeds_its_size_and_disabled_cache_rereads() -> None:
    reader = GatedReader(open_gate=True)
    with LazyLoader(reader, workers=2, cache_size=3) as loader:
        for path in PATHS:
            loader.load_exif(path, blocking=True)
            assert len(loader.cache) <= 3
        assert loader.load_exif(PATHS[-1]) is not None
        assert loader.load_exif(PATHS[0]) is None  # evicted
    uncached = GatedReader(open_gate=True)
    with LazyLoader(uncached, cache_enabled=False) as loader:
        for _ in range(3):
            loader.load_exif(PATHS[0], blocking=True)
        assert len(loader.cache) == 0
    assert uncached.calls == [PATHS[0]] * 3


def test_lru_cache_drops_least_recently_used() -> None:
    cache = LRUCache(2)
    cache.add("a", dict)
    cache.add("b", dict)
    cache.get("a")
    cache.add("c", dict)
    assert cache.get("b") is None and cache.get("a") == {} and len(cache) == 2


@pytest.mark.parametrize("name", list(BUILTIN))
def test_close_leaves_no_threads_or_processes(name: str, corpus_copy: Path) -> None:
    paths = sorted(str(p) for p in corpus_copy.glob("*.jpg"))[:8]
    threads_before = thread_count()
    children_before = {child.pid for child in child_processes()}
    with create(name, workers=2) as loader:
        loader.preload(paths)
        for path in paths:
            loader.load_exif(path, blocking=True)
        workers = {child.pid for child in child_processes()} - children_before
        assert len(workers) == (2 if name in ("process", "dask") else 0)
        assert thread_count() > threads_before or name == "sync"
    settle_by = time.monotonic() + 2.0  # a joined thread or worker may take a moment to exit on a loaded machine
    while (thread_count() > threads_before or {c.pid for c in child_processes()} - children_before) and time.monotonic() < settle_by:
        time.sleep(0.02)
    assert thread_count() <= threads_before  # a library's idle helper thread ending meanwhile is no leak
    leftover = {child.pid for child in child_processes()}
    assert leftover <= children_before


def test_process_pool_results_equal_sync_including_nan_rationals(corpus_dir: Path, tmp_path: Path) -> None:
    import shutil

    names = ["exif-org/kodak-dc210.jpg", "Nikon_D70.jpg", "Canon_40D.jpg", "gps/DSCN0010.jpg"]
    paths = []
    for name in names:
        dst = tmp_path / name.replace("/", "_")
        shutil.copyfile(corpus_dir / "jpg" / name, dst)
        paths.append(str(dst))
    log = tmp_path / "reads.log"
    reader = ExifReader(storage=StorageModel(read_log=str(log)))
    with SyncLoader(reader) as sync, create("process", reader, workers=2) as process:
        expected = {path: sync.load_exif(path) for path in paths}
        process.preload(paths)
        actual = {path: process.load_exif(path, blocking=True) for path in paths}
    round_tripped = [pickle.loads(pickle.dumps(d)) for d in expected.values()]
    assert sum(a != b for a, b in zip(expected.values(), round_tripped)) == 1, "kodak-dc210's NaN rationals defeat plain =="
    report = compare(expected, actual)
    assert report.ok and report.checked == 4
    pids = {line.split("\t")[0] for line in log.read_text().splitlines()}
    assert len(log.read_text().splitlines()) == 8 and len(pids) >= 2  # 4 reads in this process, 4 in workers


def test_registry_names_and_errors() -> None:
    assert expand_names("all") == ["sync", "threadpool", "lazy", "process", "viewport"]
    assert expand_names("lazy, sync,lazy") == ["lazy", "sync"]
    with pytest.raises(ExifbenchError, match="unknown strategy 'nope': choose from"):
        resolve("nope")
    with pytest.raises(ExifbenchError, match="unknown strategy 'threadpol': did you mean 'threadpool'\\? choose from"):
        resolve("threadpol")
    with pytest.raises(ExifbenchError, match="cannot import"):
        resolve("no_such_module_xyz:Loader")
    with pytest.raises(ExifbenchError, match="has no class"):
        resolve("exifbench.strategies.sync:Missing")
    with pytest.raises(ExifbenchError, match="does not implement the loader protocol: missing .*load_exif"):
        resolve("exifbench.harness.equality:Judge")
    assert resolve("exifbench.strategies.sync:SyncLoader") is SyncLoader


@pytest.mark.parametrize("cls", BACKGROUND)
def test_wait_idle_lets_a_harness_wait_past_the_blocking_timeout(cls: type) -> None:
    reader = GatedReader()
    with cls(reader, workers=1, timeout_s=0.01) as loader:
        assert isinstance(loader, BackgroundWork)
        loader.preload(PATHS[:2])
        assert reader.started.acquire(timeout=5)
        assert loader.wait_idle(timeout=0.05) is False  # the gated reads are still in flight
        threading.Timer(0.1, reader.gate.set).start()  # longer than the 10 ms blocking timeout
        assert loader.wait_idle() is True
        results = [loader.load_exif(path, blocking=True) for path in PATHS[:2]]
    assert results == [{"Make": f"make of {path}", "Orientation": 1} for path in PATHS[:2]]
    assert reader.calls == PATHS[:2]


def test_given_no_reader_the_pools_read_with_the_fast_path_and_sync_with_pillow(corpus_dir: Path) -> None:
    from exifbench.examples.my_loader import PrefetchingLoader
    from exifbench.strategies.extractors import POOL_DEFAULT

    assert POOL_DEFAULT == "fastpath"
    photo = str(corpus_dir / "jpg" / "Canon_40D.jpg")
    readers = {}
    for name in ("sync", "threadpool", "viewport", "lazy"):
        with create(name) as loader:
            readers[name] = loader._read.extractor  # type: ignore[attr-defined]
            assert compare({photo: ExifReader()(photo).exif}, {photo: loader.load_exif(photo, blocking=True)}).ok
    assert readers == {"sync": "pillow", "threadpool": "fastpath", "viewport": "fastpath", "lazy": "fastpath"}
    assert ThreadPoolLoader()._read.extractor == "fastpath"  # the class itself, as an app builds it
    with create("exifbench.examples.my_loader:PrefetchingLoader") as user:
        assert isinstance(user, PrefetchingLoader) and user._read.extractor == "pillow"  # a user's class: the original's
