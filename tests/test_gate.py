"""The gate: threadpool passes against sync; a slowed and a wrong strategy fail; exit codes and verdict text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from exifbench.cli import app
from exifbench.pattern.pattern import startup_pattern
from exifbench.documents.runs import RunSet
from exifbench.analysis.statistics import mann_whitney, min_p_value, repeats_needed
from slow_strategies import fake_run

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never append to a real job summary when the suite itself runs in GitHub Actions."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def pattern_file(tmp_path: Path) -> Path:
    """The start-up pattern scaled to 48 images (50 calls)."""
    path = tmp_path / "startup-50.json"
    startup_pattern(images=48).save(path)
    return path


def gate(*args: object) -> Result:
    return runner.invoke(app, ["gate", *map(str, args)])


def gate_candidate(candidate: str, folder: Path, pattern: Path, *more: object, repeat: int = 4) -> Result:
    """Candidate vs sync, interleaved, with a 3 ms storage model so that reads dominate."""
    return gate("--candidate", candidate, folder, "--io-latency", 3, "--repeat", repeat, "--pattern", pattern, *more)


def save(tmp_path: Path, name: str, runs: list) -> Path:
    path = tmp_path / name
    RunSet(runs).save(path)
    return path


def test_threadpool_passes_against_sync_and_writes_every_verdict(
    corpus_copy: Path, pattern_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    verdict_json, verdict_md = tmp_path / "out" / "verdict.json", tmp_path / "out" / "verdict.md"

    outputs = ("--verdict-json", verdict_json, "--verdict-md", verdict_md)
    result = gate_candidate("threadpool", corpus_copy, pattern_file, *outputs)

    assert result.exit_code == 0, result.output
    assert "PASS threadpool: blocking" in result.output
    assert "Gate: PASS (exit 0)" in result.output
    data = json.loads(verdict_json.read_text(encoding="utf-8"))
    assert data["schema"] == "exifbench.gate/1" and data["status"] == "pass" and data["exit_code"] == 0
    (comparison,) = data["comparisons"]
    assert comparison["ratio"] < 0.5  # threadpool's blocking is a small fraction of sync's
    assert len(comparison["candidate_values"]) == len(comparison["reference_values"]) == 4
    markdown = verdict_md.read_text(encoding="utf-8")
    assert markdown.startswith("## ✅ exifbench gate: PASS (exit 0)")
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + markdown + "\n"


def test_slowed_strategy_fails_as_a_significant_regression(corpus_copy: Path, pattern_file: Path) -> None:
    result = gate_candidate("slow_strategies:SlowLoader", corpus_copy, pattern_file)

    assert result.exit_code == 1, result.output
    assert "REGRESSION slow_strategies:SlowLoader: blocking" in result.output
    assert "significant: p=0.0143 < 0.05 (one-sided Mann–Whitney U, 4 vs 4 repeats)" in result.output
    assert "Gate: FAIL — regression (exit 1)" in result.output


def test_wrong_strategy_fails_on_equality_whatever_its_speed(corpus_copy: Path, pattern_file: Path) -> None:
    result = gate_candidate("slow_strategies:WrongLoader", corpus_copy, pattern_file, "--max-regression", "1000%")

    assert result.exit_code == 1, result.output
    assert "MISMATCH slow_strategies:WrongLoader vs sync: 1 EXIF tag(s) differ from the original" in result.output
    assert "Make: expected 'Canon', got 'Altered'" in result.output
    assert "Gate: FAIL — mismatch (exit 1)" in result.output


def test_files_mode_regression_needs_threshold_and_significance(tmp_path: Path) -> None:
    baseline = save(tmp_path, "base.json", [fake_run("threadpool", 1.0 + i / 100, i) for i in range(5)])
    slower = save(tmp_path, "slower.json", [fake_run("threadpool", 1.5 + i / 100, i) for i in range(5)])
    similar = save(tmp_path, "similar.json", [fake_run("threadpool", 1.05 + i / 100, i) for i in range(5)])

    failed = gate("--baseline", baseline, "--current", slower, "--max-regression", "10%")
    assert failed.exit_code == 1
    assert "REGRESSION threadpool (current): blocking 1.49× threadpool (baseline)" in failed.output
    passed = gate("--baseline", baseline, "--current", similar, "--max-regression", "10")
    assert passed.exit_code == 0, passed.output
    assert "within +10% allowed" in passed.output


def test_too_few_repeats_are_inconclusive_not_a_silent_pass(tmp_path: Path) -> None:
    baseline = save(tmp_path, "base.json", [fake_run("sync", 1.0 + i / 100, i) for i in range(3)])
    current = save(tmp_path, "cur.json", [fake_run("sync", 2.0 + i / 100, i) for i in range(3)])

    strict = gate("--baseline", baseline, "--current", current)
    assert strict.exit_code == 1
    assert "INCONCLUSIVE sync (current)" in strict.output
    assert "3 vs 3 repeats cannot reach p<0.05 (smallest possible p=0.050)" in strict.output
    assert "use at least 4 repeats per side" in strict.output
    assert "Gate: FAIL — inconclusive" in strict.output
    allowed = gate("--baseline", baseline, "--current", current, "--allow-inconclusive")
    assert allowed.exit_code == 0
    assert "allowed by --allow-inconclusive (exit 0)" in allowed.output


def test_files_mode_mismatch_fails_even_when_faster(tmp_path: Path) -> None:
    wrong = {"path": "a.jpg", "tag": "Make", "expected": "'Canon'", "actual": "'Altered'"}
    baseline = save(tmp_path, "base.json", [fake_run("lazy", 1.0, i) for i in range(4)])
    current = save(tmp_path, "cur.json", [fake_run("lazy", 0.5, i, mismatches=(wrong,)) for i in range(4)])

    result = gate("--baseline", baseline, "--current", current, "--metric", "background")

    assert result.exit_code == 1
    assert "MISMATCH lazy (current) vs lazy (baseline): 1 EXIF tag(s) differ" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --baseline and --current, or --candidate"),
        (["--candidate", "threadpool", "--baseline", "b.json"], "use either --baseline/--current or --candidate"),
        (["--candidate", "turbo"], "unknown strategy 'turbo'"),
        (["--candidate", "sync"], "--candidate and --reference are both 'sync'"),
        (["--candidate", "threadpool", "--metric", "speed"], "--metric must be one of blocking, background, p99"),
        (["--candidate", "threadpool", "--max-regression", "ten"], "--max-regression: expected a percentage"),
        (["--baseline", "missing.json", "--current", "missing.json"], "missing.json: cannot read result document"),
        (["--baseline", "b.json", "--current", "c.json", "--repeat", "3"], "--repeat: only with --candidate"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = gate(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_exact_test_limits() -> None:
    assert min_p_value(3, 3) == pytest.approx(0.05)
    assert min_p_value(4, 4) < 0.05
    assert repeats_needed() == 4
    separated = mann_whitney([2.0, 2.1, 2.2, 2.3], [1.0, 1.1, 1.2, 1.3], "greater")
    assert separated.significant and separated.p_value == pytest.approx(1 / 70)
    assert not mann_whitney([2.0, 2.1, 2.2], [1.0, 1.1, 1.2], "greater").significant
