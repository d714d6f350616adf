"""``exifbench run`` exits like pytest: 0 complete and equal, 1 a mismatch, 2 bad input, 3 interrupted."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from exifbench.reports.analysis.outcome import BAD_INPUT, FAILED, INCOMPLETE, OK, run_outcome
from exifbench.cli import app
from exifbench.reports.documents.runs import Mismatch, RunSet

runner = CliRunner()


def run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, ["run", "--workers", "2", *map(str, args)])
    return result.exit_code, result.output


def test_complete_and_equal_is_0(corpus_copy: Path) -> None:
    code, output = run("-s", "sync,threadpool", corpus_copy)
    assert code == OK, output


def test_a_mismatch_is_1_and_named(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, output = run("-s", "sync,slow_strategies:WrongLoader", corpus_copy, "--json", out)
    assert code == FAILED, output
    assert ("exit 1: not equal to Pillow's _getexif() dicts (--equality pillow): slow_strategies:WrongLoader "
            "(1 mismatched tag(s))") in output
    assert RunSet.load(out).complete  # the document is written all the same


def test_a_timeout_is_3_and_keeps_the_partial_results(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, output = run("-s", "sync", "--io-latency", 200, "--timeout", 2, corpus_copy, "--json", out)
    assert code == INCOMPLETE, output
    assert "exit 3: interrupted or timed out" in output
    assert json.loads(out.read_text())["complete"] is False


def test_a_loader_that_raised_is_1(corpus_copy: Path) -> None:
    code, output = run("-s", "sync,tests.datasets.test_storage_fuse:CrashingLoader", "--on-loader-error", "strategy", corpus_copy)
    assert code == FAILED, output
    assert "exit 1: 1 strategy(ies) failed: the loader raised (see above)" in output


def test_bad_input_is_2(corpus_copy: Path) -> None:
    code, output = run("-s", "no-such-strategy", corpus_copy)
    assert code == BAD_INPUT, output


def test_a_mismatch_found_before_an_interruption_is_still_1(corpus_copy: Path) -> None:
    code, _ = run("-s", "sync", corpus_copy, "--json", corpus_copy.parent / "ok.json")
    assert code == OK
    runs = RunSet.load(corpus_copy.parent / "ok.json")
    runs.runs[0].equality.mismatches.append(Mismatch("a.jpg", "Make", "'A'", "'B'"))
    runs.complete = False
    assert run_outcome(runs).code == FAILED
    runs.runs[0].equality.mismatches.clear()
    assert run_outcome(runs).code == INCOMPLETE
