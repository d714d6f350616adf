"""The gate: threadpool passes against sync; a slowed and a wrong strategy fail; exit codes and verdict text."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from exifbench.cli import app
from exifbench.errors import ExifbenchError
from exifbench.reports.analysis.gate import gate_interleaved
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.reports.documents.runs import Responsiveness, RunSet, TimeToExif
from exifbench.reports.analysis.metrics import values
from exifbench.reports.statistics import mann_whitney, min_p_value, repeats_needed
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


def gate_candidate(candidate: str, folder: Path, pattern: Path, *more: object, repeat: int = 4,
                   reference: str = "sync") -> Result:  # fmt: skip
    """Candidate vs reference, interleaved, with a 3 ms storage model so that reads dominate."""
    return gate("--candidate", candidate, "--reference", reference, folder, "--io-latency", 3, "--repeat", repeat,
                "--pattern", pattern, *more)  # fmt: skip


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

    outputs = ("--verdict-json", verdict_json, "--verdict-md", verdict_md, "--metric", "blocking")
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
    result = gate_candidate("slow_strategies:SlowLoader", corpus_copy, pattern_file, "--metric", "blocking")

    assert result.exit_code == 1, result.output
    assert "REGRESSION slow_strategies:SlowLoader: blocking" in result.output
    # 0.0143 when every slowed repeat is slower than every sync repeat; a loaded machine may swap one pair (0.0286)
    assert re.search(r"significant: p=0\.0[1-4]\d* < 0\.05 \(one-sided Mann–Whitney U, 4 vs 4 repeats\)", result.output)
    assert "Gate: FAIL — regression (exit 1)" in result.output
    assert "caution: the reference is the built-in sync, not the candidate's own previous version" in result.output
    assert "workers: each strategy's own" in result.output  # not "workers: None"


def test_interleaved_against_the_base_branchs_own_code_catches_a_slower_candidate(
    corpus_copy: Path, pattern_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PR's loader and the base branch's (checked out in base/) replayed A B A B: 3 ms/call slower fails."""
    source = (
        "import time\nfrom exifbench.strategies.sync import SyncLoader\n\n\n"
        "class Loader(SyncLoader):\n    def load_exif(self, path, blocking=False):\n"
        "        time.sleep({} / 1000)\n        return super().load_exif(path, blocking)\n"
    )
    (tmp_path / "base").mkdir()
    (tmp_path / "ab_app_loader.py").write_text(source.format(3))
    (tmp_path / "base" / "ab_app_loader.py").write_text(source.format(0))
    monkeypatch.chdir(tmp_path)
    result = gate_candidate("ab_app_loader:Loader", corpus_copy, pattern_file, "--metric", "blocking", repeat=6,
                            reference="base.ab_app_loader:Loader")  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "REGRESSION ab_app_loader:Loader: blocking" in result.output
    assert "caution" not in result.output


def test_wrong_strategy_fails_on_equality_whatever_its_speed(corpus_copy: Path, pattern_file: Path) -> None:
    result = gate_candidate("slow_strategies:WrongLoader", corpus_copy, pattern_file, "--max-regression", "1000%")

    assert result.exit_code == 1, result.output
    assert "MISMATCH slow_strategies:WrongLoader vs sync: 1 EXIF tag(s) differ from the reference sync's dicts" in result.output
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
    assert "within the +10% allowed" in passed.output


def test_a_significant_change_under_the_minimum_effect_is_no_regression(tmp_path: Path) -> None:
    """0.39 → 0.70 ms of total blocking over a run: +79%, significant, and nobody's regression."""
    baseline = save(tmp_path, "base.json", [fake_run("threadpool", 0.00039 + i / 1e6, i) for i in range(5)])
    current = save(tmp_path, "cur.json", [fake_run("threadpool", 0.00070 + i / 1e6, i) for i in range(5)])
    assert gate("--baseline", baseline, "--current", current).exit_code == 0
    strict = gate("--baseline", baseline, "--current", current, "--min-effect", "blocking=0.0001")
    assert strict.exit_code == 1 and "REGRESSION threadpool (current): blocking" in strict.output


def test_every_metric_is_gated_the_same_way(tmp_path: Path) -> None:
    def runs(frames: int, tte_ms: float) -> list:
        made = [fake_run("threadpool", 1.0, i) for i in range(5)]
        for i, run in enumerate(made):
            run.responsiveness = Responsiveness(frames_missed=frames + i, lag_p99_ms=2.0)
            run.time_to_exif = TimeToExif(p50_ms=1.0, p90_ms=tte_ms + i, max_ms=tte_ms * 2)
        return made

    baseline = save(tmp_path, "base.json", runs(10, 100.0))
    current = save(tmp_path, "cur.json", runs(40, 400.0))
    result = gate("--baseline", baseline, "--current", current)
    assert result.exit_code == 1, result.output
    assert "REGRESSION threadpool (current): frames" in result.output
    assert "REGRESSION threadpool (current): time_to_exif" in result.output
    assert "PASS threadpool (current): blocking" in result.output
    assert "memory" in result.output  # fake runs carry rss_growth_mb: gated like the rest


def test_files_mode_refuses_documents_with_different_fingerprints(tmp_path: Path) -> None:
    def runs(digest: str, workers: int) -> list:
        made = [fake_run("sync", 1.0, i) for i in range(4)]
        for run in made:
            run.config = replace(run.config, dataset_digest=digest, workers=workers)
        return made

    baseline = save(tmp_path, "base.json", runs("aaaa", 4))
    other = save(tmp_path, "other.json", runs("bbbb", 8))
    result = gate("--baseline", baseline, "--current", other)
    assert result.exit_code == 2
    assert "not comparable: they differ in dataset (aaaa vs bbbb); workers (4 vs 8)" in result.output


def test_a_baseline_strategy_missing_from_the_current_run_fails(tmp_path: Path) -> None:
    baseline = save(tmp_path, "base.json", [fake_run(name, 1.0, i) for i in range(4) for name in ("sync", "lazy")])
    current = save(tmp_path, "cur.json", [fake_run("sync", 1.0, i) for i in range(4)])
    result = gate("--baseline", baseline, "--current", current)
    assert result.exit_code == 1
    assert "MISSING lazy: in the baseline, not measured in the current run" in result.output
    assert "Gate: FAIL — missing: the baseline's lazy not measured in the current run (exit 1)" in result.output


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
        ([], "give --baseline and --current, --history DIR, or --candidate"),
        (["--candidate", "threadpool", "--baseline", "b.json"], "use one of --baseline/--current, --candidate"),
        (["--candidate", "threadpool"], "--candidate needs --reference: the candidate's own previous version"),
        (["--candidate", "turbo", "--reference", "sync"], "unknown strategy 'turbo'"),
        (["--candidate", "sync", "--reference", "sync"], "--candidate and --reference are both 'sync'"),
        (["--candidate", "threadpool", "--metric", "speed"], "--metric: unknown speed; choose from blocking"),
        (["--baseline", "b.json", "--current", "c.json", "--min-effect", "speed=3"], "--min-effect: 'speed=3' must be"),
        (["--candidate", "threadpool", "--max-regression", "ten"], "--max-regression: expected a percentage"),
        (["--baseline", "missing.json", "--current", "missing.json"], "missing.json: cannot read result document"),
        (["--baseline", "b.json", "--current", "c.json", "--repeat", "3"], "--repeat: only with --base or --candidate"),
        (["--head", "HEAD"], "--head: only with --base"),
        (["--base", "HEAD", "--tiers", "speed", "-s", "sync"], "--tiers: 'speed'; choose from exact, ab"),
        (["--base", "HEAD"], "--base needs -s/--strategy"),
        (["--base", "no-such-revision", "-s", "sync", "--tiers", "ab"], "'no-such-revision': not a commit"),
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
    # counts and levels from a document: a trillion repeats is a number, not math.comb's endless product
    assert min_p_value(10**12, 10**12) == 0.0 and 0 < min_p_value(10**12, 1) < 1e-11
    assert min_p_value(500, 501) == pytest.approx(1 / math.comb(1001, 500), rel=1e-9)
    assert repeats_needed(1e-300) == 501
    with pytest.raises(ValueError, match="alpha"):
        repeats_needed(0.0)  # never reached: it used to loop for ever


def test_a_run_without_resources_has_no_memory_figure_and_bad_ones_are_refused() -> None:
    """``extra.resources`` is declared: a run without it has no memory figure; one that is no object (the fuzz found
    ``resources: true``) or lacks a field is refused on load, naming it."""
    runs = [fake_run("sync", 0.1, 0), fake_run("sync", 0.1, 1)]
    runs[0].extra.resources = None
    runs[1].extra.resources = replace(runs[1].extra.resources, rss_growth_mb=3.0)  # type: ignore[type-var]
    assert values(runs, "memory") == [3.0]
    saved = runs[1].to_dict()
    for bad, named in ((True, "extra.resources: must be an object, got True"),
                       ({"rss_growth_mb": 3}, "extra.resources: missing field 'leaked_threads'")):  # fmt: skip
        with pytest.raises(ExifbenchError, match=re.escape(f"run.json: {named}")):
            RunSet.from_dict({**saved, "extra": {"resources": bad}}, "run.json")
    separated = mann_whitney([2.0, 2.1, 2.2, 2.3], [1.0, 1.1, 1.2, 1.3], "greater")
    assert separated.significant and separated.p_value == pytest.approx(1 / 70)
    assert not mann_whitney([2.0, 2.1, 2.2], [1.0, 1.1, 1.2], "greater").significant


def test_unchanged_code_on_a_9_file_folder_passes_against_its_saved_baseline(corpus_dir: Path, tmp_path: Path) -> None:
    """Two runs of the same code, gated on every metric: only the minimum effects keep noise from failing it.

    The two are the even and the odd repeats of one interleaved run, so a change in the machine's load
    during the test falls on both alike (runs made minutes apart on a shared machine differ by its load).
    """
    folder = tmp_path / "nine"
    folder.mkdir()
    for image in sorted((corpus_dir / "jpg").glob("*.jpg"))[:9]:
        (folder / image.name).write_bytes(image.read_bytes())
    result = runner.invoke(app, ["run", "-s", "sync,threadpool", "--repeat", "8", str(folder), "--json",
                                 str(tmp_path / "both.json")])  # fmt: skip
    assert result.exit_code == 0, result.output
    both = json.loads((tmp_path / "both.json").read_text())
    for name, parity in (("base.json", 0), ("cur.json", 1)):
        half = {**both, "runs": [run for run in both["runs"] if run["repeat"] % 2 == parity]}
        assert len(half["runs"]) == 2 * 4
        (tmp_path / name).write_text(json.dumps(half))
    result = gate("--baseline", tmp_path / "base.json", "--current", tmp_path / "cur.json")
    if result.exit_code == 2:  # a loaded machine: the baseline's own spread is over what the rule allows
        assert "the saved baseline is too noisy to judge" in result.output, result.output
        return
    assert result.exit_code == 0, result.output
    passes = [line for line in result.output.splitlines() if line.startswith("PASS ")]
    assert len(passes) == 2 * 7  # 2 strategies × blocking, blocking_own … background (memory is not measured by run)


def test_an_uncharged_candidate_is_not_gated_against_a_charged_reference() -> None:
    runs = RunSet([fake_run(name, 1.0 if name == "sync" else 0.01, i) for i in range(3) for name in ("sync", "mine")])
    assert gate_interleaved(runs, "mine", "sync", ["blocking"], 0.1).context is not None
    for run in runs.of("mine"):
        run.config.storage_charged = False
    with pytest.raises(ExifbenchError, match="mine vs sync: not comparable — mine reads files itself"):
        gate_interleaved(runs, "mine", "sync", ["blocking"], 0.1)
