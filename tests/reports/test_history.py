"""The history: runs saved per fingerprint, change points on a deliberate slowdown, the newest run judged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.reports.analysis.history import judge_newest, stable_reference, trend
from exifbench.reports.analysis.regression import INCONCLUSIVE, PASS, REGRESSION, Limits
from exifbench.reports.statistics import change_points
from exifbench.cli import app
from exifbench.reports.documents.fingerprint import differences, fingerprint
from exifbench.reports.documents.history import append, load
from exifbench.reports.documents.runs import RunSet
from exifbench.errors import ExifbenchError
from slow_strategies import fake_run

runner = CliRunner()
START = datetime(2026, 1, 1, tzinfo=UTC)


def saved(directory: Path, blocking_s: list[float], dataset: str = "d1") -> None:
    """One history entry per value: a run set of three repeats around it."""
    for day, level in enumerate(blocking_s):
        runs = RunSet([fake_run("threadpool", level * factor, repeat=i) for i, factor in enumerate((0.98, 1.0, 1.02))])
        for run in runs.runs:
            run.config.dataset_digest = dataset
        append(directory, runs, now=START + timedelta(days=day))


def test_change_points_find_a_level_shift_and_nothing_in_noise() -> None:
    steady = [1.0, 1.02, 0.99, 1.01, 0.98, 1.0, 1.03, 0.99, 1.01, 1.0]
    assert change_points(steady) == []
    assert change_points(steady + [1.4, 1.38, 1.42, 1.41]) == [10]
    assert change_points([1.0, 1.0, 1.0]) == []  # too short to say


def test_runs_are_kept_per_fingerprint_oldest_first(tmp_path: Path) -> None:
    saved(tmp_path, [1.0, 1.1])
    saved(tmp_path, [2.0], dataset="d2")
    found = load(tmp_path)
    assert len(found) == 2
    by_dataset = {series.fingerprint["dataset"]: series for series in found}
    assert [e.runs.runs[0].blocking.total_s for e in by_dataset["d1"].entries] == pytest.approx([0.98, 1.078])
    a, b = (fingerprint(series.entries[0].runs.runs[0]) for series in found)
    assert differences(a, b) == ["dataset (d2 vs d1)"] or differences(a, b) == ["dataset (d1 vs d2)"]


def test_an_interrupted_run_is_not_added(tmp_path: Path) -> None:
    with pytest.raises(ExifbenchError, match="interrupted"):
        append(tmp_path, RunSet([fake_run("sync", 1.0)], complete=False))


def test_the_newest_run_is_judged_against_the_last_stable_segment(tmp_path: Path) -> None:
    saved(tmp_path, [1.0, 1.01, 0.99, 1.0, 1.02, 2.0, 2.02, 1.98, 2.01, 2.0, 2.6])
    (series,) = load(tmp_path)
    shown = trend(series, "threadpool", "blocking")
    assert shown.changes == [5] and len(shown.medians) == 11
    reference, runs = stable_reference(series, "threadpool", "blocking")
    assert runs == 5 and min(reference) > 1.9  # only the level since the change, never the old one
    change, _ = judge_newest(series, "threadpool", "blocking", Limits(0.10, 0.01))
    assert change.status == REGRESSION
    assert judge_newest(series, "threadpool", "blocking", Limits(0.10, 1.0))[0].status == PASS  # under min effect


def test_one_run_against_one_is_inconclusive_not_a_pass_or_a_fail(tmp_path: Path) -> None:
    saved(tmp_path, [1.0])
    runs = RunSet([fake_run("threadpool", 3.0)])
    runs.runs[0].config.dataset_digest = "d1"
    append(tmp_path, runs, now=START + timedelta(days=1))
    (series,) = load(tmp_path)
    assert judge_newest(series, "threadpool", "blocking", Limits(0.10, 0.01))[0].status == INCONCLUSIVE


def test_history_command_lists_change_points_and_plots(tmp_path: Path) -> None:
    saved(tmp_path / "h", [1.0, 1.01, 0.99, 1.0, 1.02, 2.0, 2.02, 1.98])
    plot = tmp_path / "history.png"
    result = runner.invoke(app, ["history", str(tmp_path / "h"), "--metric", "blocking", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "8 saved run(s)" in result.output
    assert "change points: before run 6" in result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_history_on_a_missing_directory_is_one_line_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["history", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such history directory" in result.output


def test_gate_history_judges_the_newest_run_against_the_stable_level(tmp_path: Path) -> None:
    steady = [1.0, 1.01, 0.99, 1.0, 1.02, 1.0]
    saved(tmp_path / "ok", steady + [1.01])
    passed = runner.invoke(app, ["gate", "--history", str(tmp_path / "ok"), "--metric", "blocking"])
    assert passed.exit_code == 0, passed.output
    assert "PASS threadpool (" in passed.output and "last 6 stable run(s)" in passed.output
    saved(tmp_path / "slow", steady + [1.5])
    failed = runner.invoke(app, ["gate", "--history", str(tmp_path / "slow"), "--metric", "blocking"])
    assert failed.exit_code == 1, failed.output
    assert "REGRESSION threadpool (" in failed.output
