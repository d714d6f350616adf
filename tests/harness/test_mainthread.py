"""The whole main thread is measured: a loader's constructor, preload, calls, callbacks and close are its blocking,
and the frames the view could not draw during them are missed frames, in the probe and in both real event loops."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.pattern import FRAME_MS, startup_pattern
from exifbench.datasets.storage.model import StorageModel
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness.plan import plan_replay
from exifbench.harness.replay import replay
from exifbench.harness.ui.probe import FrameProbe
from exifbench.reports.analysis.metrics import METRICS
from exifbench.reports.analysis.report import analyze
from exifbench.reports.documents.runs import MAIN_THREAD_PARTS, RunResult
from exifbench.reports.renderers.comparison import detail_rows, main_rows
from exifbench.strategies.extractors import ExifReader
from tests.user_loaders import CLOSE_S, SLEEP_S, SPIN_S, EagerPreload

EAGER = "tests.user_loaders:EagerPreload"
SPINS = "tests.user_loaders:SpinsAndSleeps"
LATENCY_MS = 40.0


def eager_and_sync(folder: Path) -> dict[str, RunResult]:
    config = BenchConfig(["sync", EAGER], storage=StorageModel(LATENCY_MS))
    return {run.strategy: run for run in run_bench(config, scan(folder), startup_pattern(images=24)).runs}


def test_a_preload_that_reads_every_file_on_the_main_thread_is_blocking_and_missed_frames(corpus_copy: Path) -> None:
    runs = eager_and_sync(corpus_copy)
    eager = runs[EAGER]
    files = len(scan(corpus_copy).files)
    assert eager.preload_ms >= files * LATENCY_MS  # every file read in preload, each charged the model's 40 ms
    preload_s = eager.preload_ms / 1000
    assert preload_s <= eager.blocking.total_s <= 1.1 * preload_s  # the freeze is the run's blocking
    assert eager.blocking.preload_ms == pytest.approx(eager.preload_ms, rel=0.01)
    assert eager.blocking.total_s == pytest.approx(sum(eager.blocking_parts_ms().values()) / 1000, rel=1e-3)
    frames = eager.responsiveness.frames_missed
    assert 0.9 * eager.preload_ms / FRAME_MS <= frames <= 1.1 * eager.blocking.total_s * 1000 / FRAME_MS + 5
    assert eager.responsiveness.long_tasks >= 1 and eager.responsiveness.frozen_frames >= 1  # over 700 ms
    assert list(eager.blocking_parts_ms()) == list(MAIN_THREAD_PARTS)
    sync = runs["sync"]
    assert sync.blocking.load_exif_ms >= files * LATENCY_MS and sync.blocking.preload_ms < LATENCY_MS


def test_the_table_says_where_the_time_went(corpus_copy: Path) -> None:
    report = analyze(run_bench(BenchConfig(["sync", EAGER], storage=StorageModel(LATENCY_MS)), scan(corpus_copy),
                               startup_pattern(images=24)))  # fmt: skip
    rows = {row[0]: row for row in main_rows(report)}
    assert ", of which preload " in rows[EAGER][1]
    assert "of which" not in rows["sync"][1]  # its time is in its own calls
    details = {row[0]: row for row in detail_rows(report)}
    assert details[EAGER][11].startswith("startup ") and "; preload " in details[EAGER][11]


def test_close_is_charged_to_blocking_and_frames(corpus_copy: Path) -> None:
    config = BenchConfig(["tests.user_loaders:SlowClose"])
    run = run_bench(config, scan(corpus_copy), startup_pattern(images=6)).runs[0]
    assert run.blocking.close_ms >= CLOSE_S * 1000
    assert run.blocking.total_s >= CLOSE_S
    assert run.responsiveness.frames_missed >= 0.9 * CLOSE_S * 1000 / FRAME_MS
    assert run.responsiveness.long_tasks >= 1


def test_a_long_block_misses_one_frame_per_frame_time() -> None:
    probe = FrameProbe()
    figures = probe.summary([(0, 570_000_000)])  # 570 ms outside any frame: a frozen view for 34 frames at 60 Hz
    assert (figures["frames_missed"], figures["long_tasks"], figures["frozen_frames"]) == (34, 1, 0)
    assert probe.summary([(0, 800_000_000)])["frozen_frames"] == 1


@pytest.mark.parametrize("ui", ["asyncio", "qt"])
def test_both_real_event_loops_count_the_preload(ui: str, corpus_dir: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    for src in sorted((corpus_dir / "jpg").glob("*.jpg"))[:6]:
        shutil.copyfile(src, tmp_path / src.name)
    plan = plan_replay(startup_pattern(images=6, page=3), scan(tmp_path))
    loader = EagerPreload(ExifReader(storage=StorageModel(120)))
    if ui == "qt":
        monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
        from exifbench.harness.ui.qt import QtFrameLoop

        loop: object = QtFrameLoop(loader, plan, FRAME_MS)
    else:
        from exifbench.harness.ui.asyncio_loop import AsyncioFrameLoop

        loop = AsyncioFrameLoop(FRAME_MS)
    measured = replay(loader, plan, ui=loop)  # type: ignore[arg-type]
    del loop
    gc.collect()  # the Qt objects go now, on this (the GUI) thread, not in a later collection on a worker thread
    assert measured.preload_ms >= 6 * 120
    assert measured.main_thread.ms["preload"] == pytest.approx(measured.preload_ms, rel=0.01)
    assert measured.probe["ui"] == ui
    assert measured.probe["frames_missed"] >= 0.9 * measured.preload_ms / FRAME_MS
    assert measured.probe["long_tasks"] >= 1 and measured.probe["frozen_frames"] >= 1


def test_decide_holds_a_loader_that_freezes_the_ui_in_preload(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "decision.json"
    result = CliRunner().invoke(app, ["decide", "--candidate", EAGER, str(corpus_copy), "--io-latency", "30",
                                      "--small-images", "12", "--json", str(out)])  # fmt: skip
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["decision"] == "HOLD" and result.exit_code == 1, result.output
    for phase in data["phases"]:
        by_name = {c["name"]: c for c in phase["criteria"]}
        assert by_name["blocking"]["status"] == "fail", by_name["blocking"]  # preload's reads are as long as sync's


def test_blocking_own_leaves_out_the_wait_for_a_cpu_another_process_holds(corpus_dir: Path, tmp_path: Path) -> None:
    """The main thread pinned to one CPU with a busy loop pinned beside it: about half of its CPU work's wall time is
    run-queue wait; blocking_own keeps every sleep and the CPU work, not the wait."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for image in sorted((corpus_dir / "jpg").glob("*.jpg"))[:3]:
        shutil.copyfile(image, folder / image.name)
    allowed = os.sched_getaffinity(0)
    cpu = min(allowed)
    burner = subprocess.Popen([sys.executable, "-c", f"import os\nos.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass"])
    try:
        os.sched_setaffinity(0, {cpu})  # this (the main) thread only
        time.sleep(0.2)  # the busy loop is running
        (run,) = run_bench(BenchConfig([SPINS]), scan(folder), startup_pattern(images=3, page=3)).runs
    finally:
        os.sched_setaffinity(0, allowed)
        burner.kill()
        burner.wait()
    total_s, queued_s = run.blocking.total_s, run.blocking.queued_ms / 1000
    own = METRICS["blocking_own"].read(run)
    assert own is not None and own == pytest.approx(total_s - queued_s)
    assert queued_s > 0.2 * total_s  # a spin of 4 ms CPU takes ~8 ms beside the busy loop
    assert own >= run.calls * SLEEP_S  # sleeping is no run-queue wait: it counts in full
    assert own >= 0.8 * run.calls * (SLEEP_S + SPIN_S)  # and so does the CPU work itself


def test_a_quiet_run_records_its_run_queue_wait_too(corpus_copy: Path) -> None:
    (run,) = run_bench(BenchConfig(["sync"]), scan(corpus_copy), startup_pattern(images=6)).runs
    assert run.blocking.queued_ms is not None and 0 <= run.blocking.queued_ms <= run.blocking.total_s * 1000
