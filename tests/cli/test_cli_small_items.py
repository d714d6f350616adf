"""The small things a first user trips on: each is one line, names the user's flag, reads at 120 columns."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from rich.console import Console
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.storage.io import IoCounts
from exifbench.reports.analysis.report import analyze
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.renderers.comparison import verdicts
from exifbench.reports.renderers.table import render_table
from slow_strategies import fake_run

runner = CliRunner()


def lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize("workers", ["0", "257", "100000"])
def test_workers_out_of_range_is_one_line(workers: str, tmp_path: Path) -> None:
    """0 workers cannot read; 100,000 would start that many threads (or fork that many processes) before the run."""
    result = runner.invoke(app, ["run", "--workers", workers, str(tmp_path)])
    assert result.exit_code == 2 and lines(result.output) == [f"error: --workers must be from 1 to 256, got {workers}"]


@pytest.mark.parametrize("workers", ["0", "100000", "²", "9" * 5000])
def test_sweep_workers_out_of_range_is_one_line(workers: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["sweep", "-s", "threadpool", "--workers", f"4,{workers}", str(tmp_path)])
    assert result.exit_code == 2 and len(lines(result.output)) == 1, result.output
    assert "--workers: expected whole numbers from 1 to 256 or default" in result.output


@pytest.mark.parametrize("timeout", ["inf", "1e300"])
def test_a_timeout_the_clock_cannot_hold_is_refused(timeout: str, tmp_path: Path) -> None:
    """``--timeout inf`` overflowed the timers: a traceback from each, and no timeout at all."""
    result = runner.invoke(app, ["run", "--timeout", timeout, str(tmp_path)])
    assert result.exit_code == 2 and "Invalid value for '--timeout'" in result.output and "Traceback" not in result.output


def test_a_misspelled_strategy_is_suggested(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "-s", "threadpol", str(tmp_path)])
    assert result.exit_code == 2 and "did you mean 'threadpool'?" in result.output and len(lines(result.output)) == 1


def test_the_header_stays_on_one_line_at_120_columns() -> None:
    report = analyze(RunSet([fake_run("sync", 1.0), fake_run("threadpool", 0.001, not_ready=40)]))
    console = Console(width=120, record=True)
    console.print(render_table(report, width=120))
    text = console.export_text()
    assert "time to EXIF p90" in text and "frames missed" in text and "EXIF equal" in text
    narrow = Console(width=80, record=True)
    narrow.print(render_table(report, width=80))
    assert "all 22" in narrow.export_text()  # the cells stay whole when the headers must wrap


def test_io_reads_as_bytes_over_read_requests_per_file_opened() -> None:
    io = IoCounts({"a.jpg": (2, 3, 12_212)})
    report = analyze(RunSet([replace(fake_run("sync", 1.0), io=io)]))
    assert "I/O counted by the storage daemon, per file opened: 6,106 bytes over 1.5 read requests on average for sync." in verdicts(report)


def test_one_strategy_runs_beside_sync_with_a_recommendation(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "threadpool", "--io-latency", "1", str(corpus_copy), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "sync runs too, as the reference" in result.output and "reference" in result.output
    lines = result.output.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("Recommendation: "))
    caption = next(i for i, line in enumerate(lines) if line.startswith("blocking: the main thread's"))
    assert caption < first and not any(line.startswith(("threadpool", "Equality", "Errors")) for line in lines[caption:first])
    assert first < next(i for i, line in enumerate(lines) if line.startswith("threadpool blocks"))  # first after the table
    assert [run["strategy"] for run in json.loads(out.read_text())["runs"]] == ["sync", "threadpool"]
    folder = runner.invoke(app, ["run", "-s", "threadpool", "--no-reference", str(corpus_copy)])
    assert f"exifbench storage measure {corpus_copy} --out my-storage.toml" in folder.output.replace("\n  ", " ")


def test_error_lines_name_the_users_file_not_the_mount(corpus_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    first = sorted(corpus_copy.rglob("*.jpg"))[0]
    (folder / "real.jpg").write_bytes(first.read_bytes())
    (folder / "text.jpg").write_text("not an image")
    result = runner.invoke(app, ["run", "-s", "sync", "--io-latency", "1", str(folder)])
    assert f"cannot identify image file '{folder / 'text.jpg'}'" in result.output.replace("\n  ", " ")
    assert "exifbench-mount" not in result.output
