"""``viewport``: the newest request goes first, scrolled-away requests are demoted, pre-loads come last.

Orderings are observed with a gated reader and one worker: the first read holds the worker
until the test opens the gate, so everything asked meanwhile waits in the loader's queue.
"""

from __future__ import annotations

from pathlib import Path

from exifbench.dataset.folder import scan
from exifbench.dataset.storage import StorageModel
from exifbench.extractors import ExifReader
from exifbench.pattern.pattern import startup_pattern
from exifbench.replay.bench import BenchConfig, run_bench
from exifbench.strategies.viewport import DEFAULT_WORKERS, ViewportLoader
from tests.helpers import GatedReader

PATHS = [f"/photos/{i:03}.jpg" for i in range(10)]


def read_order(asks: list[tuple[str, list[str]]]) -> list[str]:
    """Pre-load ``PATHS`` (first read holds the worker), make ``asks``, open the gate; the order files were read."""
    reader = GatedReader()
    with ViewportLoader(reader, workers=1) as loader:
        loader.preload(PATHS)
        assert reader.started.acquire(timeout=5)  # PATHS[0] is being read; the rest wait in the queue
        for kind, paths in asks:
            for path in paths:
                if kind == "request":
                    assert loader.load_exif(path) is None
                else:
                    loader.preload([path], priority=[path])
        reader.gate.set()
        for path in PATHS:
            assert loader.load_exif(path, blocking=True) == {"Make": f"make of {path}", "Orientation": 1}
    assert sorted(reader.calls) == PATHS  # each file read exactly once
    return reader.calls


def test_without_requests_the_preload_order_is_kept() -> None:
    assert read_order([]) == PATHS


def test_the_page_on_screen_now_goes_before_the_page_asked_for_earlier() -> None:
    earlier, now = PATHS[2:4], PATHS[6:8]
    order = read_order([("request", earlier), ("request", now)])
    assert order[0] == PATHS[0]  # already running when the view asked
    assert set(order[1:3]) == set(now) and set(order[3:5]) == set(earlier)
    assert order[5:] == [p for p in PATHS[1:] if p not in (*earlier, *now)]  # then the pre-load, in order


def test_asking_again_promotes_a_demoted_path() -> None:
    order = read_order([("request", [PATHS[3]]), ("request", [PATHS[8]]), ("request", [PATHS[3]])])
    assert order[1:3] == [PATHS[3], PATHS[8]]


def test_a_later_priority_preload_goes_before_the_rest_but_after_requests() -> None:
    order = read_order([("request", [PATHS[5]]), ("priority", [PATHS[9]])])
    assert order[1:3] == [PATHS[5], PATHS[9]]


def test_a_blocking_request_is_served_before_the_queue() -> None:
    reader = GatedReader()
    with ViewportLoader(reader, workers=1) as loader:
        loader.preload(PATHS)
        assert reader.started.acquire(timeout=5)
        reader.gate.set()
        assert loader.load_exif(PATHS[9], blocking=True)["Make"] == f"make of {PATHS[9]}"
    assert reader.calls.index(PATHS[9]) <= 2  # the one running, at most one dispatched before the ask, then it


def test_workers_follow_the_storage_queue_depth() -> None:
    queue_of_3 = ExifReader(storage=StorageModel(1.0, concurrency=3))
    with ViewportLoader(queue_of_3) as sized, ViewportLoader(ExifReader()) as default, ViewportLoader(queue_of_3, workers=5) as given:
        assert (sized.workers, default.workers, given.workers) == (3, DEFAULT_WORKERS, 5)


def test_viewport_equals_the_original_on_real_files(corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    runs = run_bench(BenchConfig(["sync", "viewport"], workers=4, storage=StorageModel(2.0)), folder,
                     startup_pattern(len(folder.files))).runs  # fmt: skip
    assert [run.strategy for run in runs] == ["sync", "viewport"]
    for run in runs:
        assert run.complete and run.equality["checked"] == run.equality["equal"] == len(folder.files), run.equality
