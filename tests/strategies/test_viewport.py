"""``viewport``: the newest request goes first, scrolled-away requests are demoted, pre-loads come last.

Orderings are observed with a gated reader and one worker: the first read holds the worker
until the test opens the gate, so everything asked meanwhile waits in the loader's queue.
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.folder import scan
from exifbench.reports.documents.runs import RunSet
from exifbench.datasets.storage.model import StorageModel
from exifbench.datasets.synth import synthesize
from exifbench.strategies.extractors import ExifReader
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.strategies.viewport import CPU_WORKERS, MAX_WORKERS, ViewportLoader
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
    queue_of_3 = StorageModel(1.0, concurrency=3)
    with (
        ViewportLoader(ExifReader(storage=queue_of_3)) as in_process,  # the reader's own model
        ViewportLoader(ExifReader(), storage=queue_of_3) as mounted,  # the model the harness names (a FUSE mount)
        ViewportLoader(storage=StorageModel(23.0)) as unlimited,
        ViewportLoader(storage=StorageModel(1.0, concurrency=1000)) as deep,
        ViewportLoader(ExifReader()) as local,
        ViewportLoader(storage=queue_of_3, workers=5) as given,
    ):
        sizes = [loader.workers for loader in (in_process, mounted, unlimited, deep, local, given)]
    assert sizes == [3, 3, MAX_WORKERS, MAX_WORKERS, CPU_WORKERS, 5]


def test_viewport_equals_the_original_on_real_files(corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    runs = run_bench(BenchConfig(["sync", "viewport"], workers=4, storage=StorageModel(2.0)), folder,
                     startup_pattern(len(folder.files))).runs  # fmt: skip
    assert [run.strategy for run in runs] == ["sync", "viewport"]
    for run in runs:
        assert run.complete and run.equality.checked == run.equality.equal == len(folder.files), run.equality


def test_sized_to_the_storage_viewport_shows_exif_sooner_than_the_plans_four_workers(tmp_path: Path) -> None:
    """Issue 14's done-when in small (240 synthetic images, 20 ms per read, no queue limit): workers not given, the
    plan's pool keeps 4 and viewport sizes itself to the storage; its median time-to-EXIF is at most half of
    threadpool(4)'s (here it was ~0 against ~570 ms)."""
    synthesize(tmp_path, 240)
    folder = scan(tmp_path)
    runs = run_bench(BenchConfig(["threadpool", "viewport"], storage=StorageModel(20.0)), folder, startup_pattern(len(folder.files))).runs
    by_name = {run.strategy: run for run in runs}
    assert {name: run.config.pool_workers for name, run in by_name.items()} == {"threadpool": 4, "viewport": MAX_WORKERS}
    assert by_name["viewport"].time_to_exif.p50_ms <= 0.5 * by_name["threadpool"].time_to_exif.p50_ms


def test_the_table_and_json_name_each_pool_size_chosen_for_the_mount(corpus_copy: Path, tmp_path: Path) -> None:
    """Through the FUSE mount the reader charges nothing itself: viewport is sized by the storage the harness names."""
    out = tmp_path / "runs.json"
    args = ["run", str(corpus_copy), "-s", "sync,threadpool,viewport", "--io-latency", "2", "--io-concurrency", "3", "--json", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows: dict[str, str] = {}
    for line in result.output.splitlines():  # the table's rows come before the sentences naming the strategies
        if line.strip().startswith(("sync ", "threadpool ", "viewport ")):
            rows.setdefault(line.split()[0], line.split()[1])
    assert rows["threadpool"] == "×4" and rows["viewport"] == "×3" and not rows["sync"].startswith("×")
    runs = RunSet.load(out).runs
    assert [(run.config.workers, run.config.pool_workers) for run in runs] == [(None, None), (None, 4), (None, 3)]
    assert all(run.config.storage_via == "fuse" for run in runs)
    given = CliRunner().invoke(app, [*args[:-2], "--workers", "2", "--json", str(tmp_path / "given.json")])
    assert given.exit_code == 0, given.output
    assert [run.config.pool_workers for run in RunSet.load(tmp_path / "given.json").runs] == [None, 2, 2]


def test_at_queue_depth_one_no_pool_beats_the_device_and_viewport_starts_one_worker(corpus_copy: Path) -> None:
    """Issue 11: through the mount at queue depth 1 the background reads take at least 0.9 × N × latency, however
    many workers (a lower bound: the device's sleeps never end early); viewport sizes itself to that one worker."""
    folder = scan(corpus_copy)
    depth_one = StorageModel(10.0, per="open", concurrency=1)
    config = BenchConfig(["threadpool", "viewport"], storage=depth_one, storage_via="fuse")
    runs = run_bench(config, folder, startup_pattern(len(folder.files))).runs
    assert [(run.strategy, run.config.pool_workers) for run in runs] == [("threadpool", 4), ("viewport", 1)]
    for run in runs:
        assert run.io.total("opens") == len(folder.files)  # every read reached the device, once per file
        assert run.background_s >= 0.9 * len(folder.files) * 0.010, run.strategy
