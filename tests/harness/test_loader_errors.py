"""A user's loader failing on one file is that file's error, not the end of the run; what it logs and prints is
its own output, shown after the table; ``None`` may mean "no EXIF" where the loader says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.errors import ExifbenchError
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness.guard import GuardedLoader
from exifbench.reports.analysis.report import analyze
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.renderers import html
from tests.user_loaders import NoneForNoExif, RaisesOnOne

RAISES = "tests.user_loaders:RaisesOnOne"


def raising_runs(photos: Path) -> RunSet:
    folder = scan(photos)
    return run_bench(BenchConfig(["sync", RAISES]), folder, startup_pattern(len(folder.files)))


def test_a_loader_raising_on_one_file_keeps_its_figures_with_that_file_an_error(corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    runs = raising_runs(corpus_copy)
    assert not runs.failed
    run = runs.of(RAISES)[0]
    failing = next(path for path in folder.paths if str(path).endswith(RaisesOnOne.failing))
    assert run.calls == len(folder.files) + 2 and run.blocking.total_s > 0 and run.responsiveness.ticks > 0
    assert {e.path: e.error for e in run.errors}[str(failing)] == "load_exif raised TypeError: unhashable type: 'IFDRational'"
    assert run.equality.raised == [str(failing)]
    assert run.equality.checked == run.equality.equal == len(folder.files) - 1  # the others are checked, equal
    assert not run.equal and runs.of("sync")[0].equal
    assert run.config.on_loader_error == "file" and runs.of("sync")[0].config.on_loader_error == "strategy"
    output = run.loader_output
    assert output["first"][0] == f"stdout: myapp: opening {len(folder.files)} files"
    assert f"ERROR myapp.exif: cannot read {failing}" in output["first"]
    assert output["lines"] >= 2 and not runs.of("sync")[0].loader_output


def test_the_html_report_shows_the_loaders_own_lines(corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = raising_runs(corpus_copy)
    monkeypatch.setattr(html, "PLOTS", {})  # the plots are tested elsewhere
    html.write_html(analyze(runs), tmp_path)
    report = (tmp_path / "report.html").read_text()
    assert f"{RAISES} wrote " in report and "<pre>stdout: myapp: opening" in report
    assert "load_exif raised TypeError" in report


def test_run_lists_the_file_and_the_loaders_lines_after_the_table_and_exits_1(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["run", "-s", f"sync,{RAISES}", str(corpus_copy), "--json", str(out)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    table_end = next(i for i, line in enumerate(lines) if line.startswith("Errors:"))
    assert not any("myapp" in line for line in lines[:table_end])  # never inside the table
    assert any(line.startswith(f"{RAISES} wrote ") for line in lines[table_end:])
    assert any("ERROR myapp.exif: cannot read" in line for line in lines[table_end:])
    assert any("load_exif raised TypeError" in line and RaisesOnOne.failing in line for line in lines)
    assert (f"exit 1: not equal to Pillow's _getexif() dicts (--equality pillow): {RAISES} (load_exif raised on 1 "
            "file(s))") in result.output
    assert "NO: 1 raised" in result.output
    assert json.loads(out.read_text())["runs"][1]["loader_output"]["lines"] >= 2


def test_on_loader_error_strategy_keeps_failing_the_strategy(corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    runs = run_bench(BenchConfig([RAISES], on_loader_error="strategy"), folder, startup_pattern(len(folder.files)))
    assert not runs.runs and runs.failed[0].error.endswith("raised TypeError: unhashable type: 'IFDRational'")
    with pytest.raises(ExifbenchError, match="--on-loader-error must be one of file, strategy"):
        BenchConfig([RAISES], on_loader_error="ignore")


def test_none_means_empty_for_blocking_calls_only(corpus_copy: Path) -> None:
    path = str(corpus_copy / "bad-image00971.jpg")  # no EXIF: the app's loader answers None
    assert NoneForNoExif().load_exif(path) is None
    guarded = GuardedLoader(NoneForNoExif(), none_is_empty=True)
    assert guarded.load_exif(path, blocking=True) == {} and guarded.load_exif(path) is None
    assert GuardedLoader(NoneForNoExif()).load_exif(path, blocking=True) is None
    folder = scan(corpus_copy)
    run = run_bench(BenchConfig(["tests.user_loaders:NoneForNoExif"]), folder, startup_pattern(len(folder.files))).runs[0]
    assert run.config.none_means == "empty" and run.equal and not run.equality.unverified
    assert BenchConfig(["tests.user_loaders:NoneForNoExif"], none_means="not-ready").none_is_empty(
        "tests.user_loaders:NoneForNoExif") is False
    with pytest.raises(ExifbenchError, match="none_means must be one of not-ready, empty, got 'nothing'"):
        BenchConfig(["tests.user_loaders:BadNoneMeans"])
