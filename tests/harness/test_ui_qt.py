"""``run --ui qt``: the replay inside a real QApplication (offscreen), its metrics, grabs and report section.

These tests need PySide6 (``pip install -e '.[qt]'``, which ``make test`` installs): without it they fail.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

try:
    import PySide6  # noqa: F401
except ImportError as exc:  # a failure, never a skip: CI must run the real Qt loop
    pytest.fail(f"the Qt tests need PySide6: pip install -e '.[qt]' ({exc})", pytrace=False)

from exifbench.reports.analysis.report import analyze
from exifbench.cli import app
from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.reports.documents.runs import MAIN_THREAD_PARTS, RUNS_SCHEMA, RunSet
from exifbench.datasets.patterns.pattern import FRAME_MS, startup_pattern
from exifbench.reports.renderers import html
from exifbench.reports.renderers.grabs import read_grabs
from exifbench.harness.bench import BenchConfig, run_bench
from tests.helpers import PATIENT_S, GatedReader, patient

FILES = 6
LATENCY_MS = 120
RESPONSIVENESS = ("ui", "ticks", "tick_ms", "lag_p50_ms", "lag_p99_ms", "lag_max_ms", "frames_missed", "long_tasks",
                  "frozen_frames", "ui_work_stretch")  # fmt: skip


@pytest.fixture(scope="module")
def photos(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 real JPEGs."""
    photos = tmp_path_factory.mktemp("qt") / "photos"
    photos.mkdir()
    for src in sorted((corpus_dir / "jpg").glob("*.jpg"))[:FILES]:
        shutil.copyfile(src, photos / src.name)
    return photos


@pytest.fixture(scope="module")
def qt_run(photos: Path) -> tuple[dict[str, dict[str, Any]], Path]:
    """sync, threadpool and lazy replayed in Qt (offscreen) at 120 ms per read: run documents by strategy, grab dir."""
    grab_dir = photos.parent / "grabs"
    config = BenchConfig(["sync", "threadpool", "lazy"], storage=StorageModel(LATENCY_MS), ui="qt", grab_dir=grab_dir)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QT_QPA_PLATFORM", "offscreen")
        runs = run_bench(config, scan(photos), startup_pattern(images=2 * FILES, page=3, revisits=(0,)))
    return {run.strategy: run.to_dict() for run in runs.runs}, grab_dir


def test_the_run_document_records_the_qt_loop_with_the_probe_s_fields(qt_run: tuple[dict[str, Any], Path]) -> None:
    runs, _ = qt_run
    for run in runs.values():
        assert run["config"]["ui"] == "qt"
        assert run["responsiveness"]["ui"] == "qt"
        assert set(RESPONSIVENESS) <= set(run["responsiveness"])
        assert run["responsiveness"]["ticks"] > 0
        assert run["calls"] == 2 * FILES + 1
        assert run["equality"]["checked"] == run["equality"]["equal"] == FILES
        assert run["time_to_exif"]["requested"] == FILES and run["time_to_exif"]["never_shown"] == 0


def test_sync_misses_frames_in_proportion_to_its_blocking(qt_run: tuple[dict[str, Any], Path]) -> None:
    runs, _ = qt_run
    sync = runs["sync"]
    expected = sync["blocking"]["total_s"] * 1000 / FRAME_MS  # ~43 frames for 6 reads of 120 ms
    assert 0.6 * expected <= sync["responsiveness"]["frames_missed"] <= 1.5 * expected + 3
    assert sync["responsiveness"]["long_tasks"] >= 1  # a page of 3 reads blocks one frame for ~360 ms
    for background in ("threadpool", "lazy"):
        assert runs[background]["responsiveness"]["frames_missed"] < sync["responsiveness"]["frames_missed"] / 2


def test_a_lazy_apis_subscriptions_on_the_ui_thread_are_charged_as_callbacks(qt_run: tuple[dict[str, Any], Path]) -> None:
    runs, _ = qt_run
    assert runs["lazy"]["blocking"]["callbacks_ms"] > 0  # lazy has get_exif_lazy: each placeholder subscribes
    assert runs["sync"]["blocking"]["callbacks_ms"] == runs["threadpool"]["blocking"]["callbacks_ms"] == 0
    for run in runs.values():
        parts = sum(run["blocking"][f"{part}_ms"] for part in MAIN_THREAD_PARTS)
        assert run["blocking"]["total_s"] * 1000 == pytest.approx(parts, rel=1e-3)


def test_placeholders_show_then_fill_and_the_grabs_are_written(qt_run: tuple[dict[str, Any], Path]) -> None:
    runs, grab_dir = qt_run
    for name, run in runs.items():
        grabs = run["extra"]["ui_qt"]["grabs"]
        assert [grab["moment"] for grab in grabs] == ["first frame", "mid-scroll", "end"]
        assert [grab["frame"] for grab in grabs] == sorted(grab["frame"] for grab in grabs)
        for grab in grabs:
            assert (grab_dir / grab["file"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert grabs[-1]["placeholders"] == 0 and grabs[-1]["filled"] == FILES
        if name == "sync":  # blocks instead: never a placeholder
            assert run["extra"]["ui_qt"]["placeholders_shown"] == 0
            assert all(grab["placeholders"] == 0 for grab in grabs)
        else:  # how many depends on when the first frame comes (a loaded machine delays it past 120 ms): see below
            assert run["extra"]["ui_qt"]["placeholders_shown"] <= min(run["not_ready"], FILES)
            assert grabs[0]["placeholders"] <= run["extra"]["ui_qt"]["placeholders_shown"]


@pytest.mark.parametrize("name", ["threadpool", "lazy"])
def test_reads_not_done_at_the_first_frame_show_placeholders_that_fill(name: str, photos: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The reads are held until the first frame's grab (not left to a 120 ms latency racing a loaded machine's first frame)."""
    from exifbench.harness.plan import plan_replay
    from exifbench.harness.replay import replay
    from exifbench.harness.ui.qt import QtFrameLoop

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    plan = plan_replay(startup_pattern(images=2 * FILES, page=3, revisits=(0,)), scan(photos))
    reader = GatedReader()
    with patient(name, reader, workers=2) as loader:  # type: ignore[arg-type]
        loop = QtFrameLoop(loader, plan, FRAME_MS, tmp_path / "grabs")
        grab = loop._grab

        def grab_then_release(moment: str) -> None:
            grab(moment)
            if moment == "first frame":
                reader.gate.set()

        monkeypatch.setattr(loop, "_grab", grab_then_release)
        replay(loader, plan, ui=loop)
    assert [grab["moment"] for grab in loop.grabs] == ["first frame", "mid-scroll", "end"]
    assert loop.grabs[0]["placeholders"] == 3 and 3 <= loop.placeholders_shown <= FILES  # the first page, none ready
    assert loop.grabs[-1]["placeholders"] == 0 and loop.grabs[-1]["filled"] == FILES


def test_the_html_report_embeds_every_grab(qt_run: tuple[dict[str, Any], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    runs, grab_dir = qt_run
    monkeypatch.setattr(html, "PLOTS", {})  # the plots are tested elsewhere; here only the grabs section
    html.write_html(analyze(RunSet.from_dict({"schema": RUNS_SCHEMA, "runs": list(runs.values())})), grab_dir)
    report = (grab_dir / "report.html").read_text()
    assert '<h2 id="grabs">Grabs of the view</h2>' in report
    for run in runs.values():
        for grab in run["extra"]["ui_qt"]["grabs"]:
            assert f'<img alt="{grab["file"]}" src="data:image/png;base64,' in report
    (grab_dir / runs["sync"]["extra"]["ui_qt"]["grabs"][0]["file"]).unlink()
    sync = RunSet.from_dict(runs["sync"])
    assert "not found beside the report" in html.render_html(analyze(sync), grabs=read_grabs(sync, grab_dir))


def test_run_ui_qt_on_the_command_line(photos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    pattern = tmp_path / "pattern.json"
    startup_pattern(images=3, page=3, revisits=()).save(pattern)
    result = CliRunner().invoke(app, ["run", str(photos), "-s", "sync", "--ui", "qt", "--pattern", str(pattern),
                                      "--json", str(tmp_path / "run.json")])  # fmt: skip
    assert result.exit_code == 0, result.output
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["config"]["ui"] == run["responsiveness"]["ui"] == "qt"
    assert run["calls"] == 3 and "ui_qt" in run["extra"]


def test_unknown_ui_is_one_line_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(tmp_path), "--ui", "gtk"])
    assert result.exit_code == 2
    assert "--ui must be one of probe, qt, asyncio, got 'gtk'" in result.output


def test_without_pyside6_ui_qt_names_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "exifbench.harness.ui.qt", raising=False)
    monkeypatch.setitem(sys.modules, "PySide6.QtCore", None)
    result = CliRunner().invoke(app, ["run", str(tmp_path), "--ui", "qt"])
    assert result.exit_code == 2
    assert "pip install 'exifbench[qt]'" in result.output


class LoadedDuringTheEndingFrame:
    """Loads every file at once but ``late``, whose read ends during an idle frame's re-ask — which returns ``None``
    only after the drain has finished (``done`` set): the race a loaded machine hits now and then."""

    def __init__(self, late: str) -> None:
        self.late = late
        self.loaded = threading.Event()
        self.done: threading.Event | None = None

    def load_exif(self, path: str, blocking: bool = False) -> dict[int, object] | None:
        if path != self.late or self.loaded.is_set():
            return {271: "Canon"}
        if blocking:  # the drain
            assert self.loaded.wait(PATIENT_S)
            return {271: "Canon"}
        if self.done is not None:  # an idle frame's re-ask: the read ends now, and the drain finishes before we answer
            self.loaded.set()
            assert self.done.wait(PATIENT_S)
        return None

    def preload(self, paths: object, priority: object = None) -> None:
        pass

    def close(self) -> None:
        pass


def test_the_end_grab_comes_after_the_last_load_is_shown(photos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exifbench.harness.plan import plan_replay
    from exifbench.harness.replay import replay
    from exifbench.harness.ui.qt import QtFrameLoop

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    plan = plan_replay(startup_pattern(images=3, page=3, revisits=()), scan(photos))
    loader = LoadedDuringTheEndingFrame(plan.targets[1])
    # Re-asks at most every 2 s (not every 60 Hz frame) and a frame every 1 ms: the end grab's frame always comes within
    # the throttle's window of the re-ask that ended the last read, whose answer it must still show (at 60 Hz a loaded
    # machine's timing did that now and then).
    monkeypatch.setattr("exifbench.harness.ui.view.FRAME_MS", 2000.0)
    loop = QtFrameLoop(loader, plan, 1.0, tmp_path / "grabs")  # type: ignore[arg-type]
    idle_until = loop.idle_until

    def watched(done: threading.Event) -> None:
        loader.done = done
        idle_until(done)

    monkeypatch.setattr(loop, "idle_until", watched)
    replay(loader, plan, ui=loop)  # type: ignore[arg-type]
    assert loop.placeholders_shown == 1
    assert loop.grabs[-1]["moment"] == "end" and loop.grabs[-1]["placeholders"] == 0 and loop.grabs[-1]["filled"] == 3
