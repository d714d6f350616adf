"""exifbench sweep: the Pareto front (pure), the analysis on constructed documents, the CLI end to end."""

from __future__ import annotations

import inspect
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from exifbench.reports.analysis.sweep import GroupVerdict, analyze_sweep, pareto_front
from exifbench.cli import app
from exifbench.reports.documents import load
from exifbench.reports.documents.runs import Blocking, Equality, Responsiveness, RunResult, RunSet, TimeToExif
from exifbench.reports.documents.sweep import Configuration, SweepResults, Thresholds
from exifbench.errors import ExifbenchError
from exifbench.reports.renderers.sweep import render_console, verdict_line
from exifbench.harness.sweep import Matrix


def test_pareto_front_keeps_exactly_the_undominated_points() -> None:
    points = [
        (1.0, 10.0, 5.0),  # 0: best blocking
        (2.0, 5.0, 5.0),  # 1: best time-to-EXIF
        (2.0, 10.0, 5.0),  # 2: dominated by 0 (and 1)
        (1.0, 10.0, 5.0),  # 3: identical to 0: both stay
        (3.0, 20.0, 1.0),  # 4: best lag
        (3.0, 20.0, 2.0),  # 5: dominated by 4
    ]
    assert pareto_front(points) == [0, 1, 3, 4]
    assert pareto_front([]) == []
    assert pareto_front([(5.0, 5.0)]) == [0]


def run(blocking_s: float, not_ready: int, tte_ms: float, lag_ms: float, equal: bool = True) -> RunResult:
    result = RunResult(
        strategy="x", calls=100, images=50, files_touched=50,
        blocking=Blocking(total_s=blocking_s, p50_ms=0.0, p99_ms=0.0, max_ms=0.0),
        not_ready=not_ready, background_s=1.0,
        equality=Equality(50, 50 if equal else 49, []),
        errors=[], environment={}, responsiveness=Responsiveness(lag_p99_ms=lag_ms),
    )  # fmt: skip
    result.time_to_exif = TimeToExif(p50_ms=tte_ms)
    return result


def configuration(strategy: str, workers: int, storage: str, *runs: RunResult) -> Configuration:
    return Configuration({"strategy": strategy, "workers": workers, "extractor": "pillow", "storage": storage, "pattern": "p"}, list(runs))


def constructed(thresholds: Thresholds = Thresholds()) -> SweepResults:
    return SweepResults(
        [
            configuration("sync", 4, "original", run(10.0, 0, 20.0, 30.0)),
            configuration("threadpool", 4, "original", run(0.001, 59, 900.0, 2.0)),  # blocks little, 59% not ready
            configuration("threadpool", 64, "original", run(0.05, 8, 90.0, 3.0), run(0.07, 6, 110.0, 5.0),
                          run(0.06, 7, 100.0, 4.0)),  # meets, on each of 3 repeats  # fmt: skip
            configuration("threadpool", 16, "original", run(0.08, 9, 120.0, 6.0)),  # dominated by ×64
            configuration("lazy", 64, "original", run(0.0001, 1, 1.0, 0.1, equal=False)),  # best everywhere, wrong dicts
            configuration("sync", 4, "hdd", run(20.0, 0, 40.0, 60.0)),
            configuration("threadpool", 4, "hdd", run(0.01, 80, 2000.0, 2.0)),
        ],
        varied=["strategy", "workers", "storage"],
        thresholds=thresholds,
    )


def test_analysis_names_the_front_and_what_to_ship_per_storage() -> None:
    analysis = analyze_sweep(constructed())
    original, hdd = analysis.verdicts
    assert original.group == "original" and hdd.group == "hdd"
    assert [p.label for p in original.front] == ["sync ×4 original", "threadpool ×4 original", "threadpool ×64 original"]
    assert original.ship is not None and original.ship.label == "threadpool ×64 original"
    assert original.ship.blocking_ratio == pytest.approx(0.06 / 10.0)  # the median of its repeats over sync's
    assert original.ship.worst_blocking_ratio == pytest.approx(0.07 / 10.0)
    assert original.ship.not_ready_share == pytest.approx(0.07)
    assert hdd.ship is None and {p.label for p in hdd.front} == {"sync ×4 hdd", "threadpool ×4 hdd"}


def test_a_configuration_meeting_the_thresholds_is_shipped_even_when_one_that_does_not_dominates_it() -> None:
    sweep = SweepResults(
        [
            configuration("sync", 4, "original", run(10.0, 0, 20.0, 30.0)),
            configuration("threadpool", 64, "original", run(0.01, 20, 1.0, 1.0)),  # the front alone; 20% not ready
            configuration("viewport", 128, "original", *[run(0.02, 9, 2.0, 2.0)] * 3),  # dominated by it, but meets
        ],
        varied=["strategy", "workers"],
    )
    (verdict,) = analyze_sweep(sweep).verdicts
    assert [p.label for p in verdict.front] == ["threadpool ×64"]
    assert verdict.ship is not None and verdict.ship.label == "viewport ×128"


def one_storage(*candidates: Configuration) -> GroupVerdict:
    (verdict,) = analyze_sweep(SweepResults([configuration("sync", 4, "original", run(10.0, 0, 20.0, 30.0)), *candidates],
                                            varied=["strategy", "workers"])).verdicts  # fmt: skip
    return verdict


def test_one_repeat_within_the_thresholds_is_named_but_not_shipped() -> None:
    verdict = one_storage(configuration("viewport", 128, "original", run(0.02, 9, 2.0, 2.0)))
    assert verdict.best is not None and verdict.best.label == "viewport ×128" and verdict.ship is None
    line = verdict_line(verdict, Thresholds())
    assert "viewport ×128 meets the thresholds on its one repeat, too few to ship on (rerun with --repeat 3" in line
    assert "ship viewport" not in line


def test_a_median_within_the_thresholds_is_not_enough_when_one_repeat_is_over() -> None:
    verdict = one_storage(configuration("viewport", 128, "original", run(0.02, 8, 2.0, 2.0), run(0.02, 9, 2.0, 2.0),
                                        run(0.02, 12, 2.0, 2.0)))  # median 9% not ready, one repeat at 12%  # fmt: skip
    assert verdict.best is None and verdict.ship is None
    assert "original: nothing meets the thresholds on every repeat" in verdict_line(verdict, Thresholds())
    over_once = one_storage(configuration("viewport", 128, "original", run(0.02, 9, 2.0, 2.0), run(0.02, 9, 2.0, 2.0),
                                          run(0.2, 9, 2.0, 2.0)))  # one repeat blocks 2% of sync's  # fmt: skip
    assert over_once.best is None


def test_of_the_configurations_that_meet_the_one_with_fewest_placeholders_is_shipped() -> None:
    verdict = one_storage(configuration("threadpool", 64, "original", *[run(0.01, 9, 0.001, 1.0)] * 3),  # sooner EXIF
                          configuration("viewport", 64, "original", *[run(0.01, 5, 0.002, 1.0)] * 3))  # fewer placeholders
    assert verdict.ship is not None and verdict.ship.label == "viewport ×64"
    line = verdict_line(verdict, Thresholds())
    assert "original: ship viewport ×64, within the thresholds on each of its 3 repeats" in line
    assert "not ready 5.0% of calls (worst repeat 5.0%)" in line


def test_console_fits_80_columns_with_labels_whole_and_ratios_in_words() -> None:
    analysis = analyze_sweep(constructed())
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(render_console(analysis))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80 and not any("…" in line for line in lines)
    rows = [(line, after) for line, after in zip(lines, [*lines[1:], ""])]
    for p in analysis.points:  # each label whole: on its row, or wrapped between its settings onto the next line
        first, _, rest = p.label.rpartition(" ")
        assert any(line.startswith(p.label + " ") or line.startswith(first + " ") and after.split() == [rest]
                   for line, after in rows), p.label  # fmt: skip
    assert any("× less" in line for line in lines) and not any(re.search(r"\d×\s*$|\de-\d", line) for line in lines)
    assert any("NO" in line.split() for line in lines)  # lazy's wrong dicts: the equality column is shown
    sync_rows = [line for line in lines if re.match(r"sync ×\d+ \S+ +\d", line)]  # table rows, not a wrapped verdict
    assert sync_rows and all("reference" in line and "about the same" not in line for line in sync_rows)


def test_stricter_thresholds_leave_nothing_to_ship() -> None:
    analysis = analyze_sweep(constructed(Thresholds(max_not_ready=0.05, max_blocking_ratio=0.01)))
    assert [verdict.ship for verdict in analysis.verdicts] == [None, None]


def test_document_round_trip_and_bad_fields() -> None:
    sweep = constructed()
    again = SweepResults.from_dict(json.loads(json.dumps(sweep.to_dict())))
    assert again.to_dict() == sweep.to_dict()
    broken = sweep.to_dict()
    broken["configurations"][2]["settings"]["storage"] = 5
    with pytest.raises(ExifbenchError, match=r"configurations\[2\]\.settings\.storage: must be text"):
        SweepResults.from_dict(broken)


def test_matrix_adds_one_sync_reference_per_storage() -> None:
    matrix = Matrix(["threadpool", "lazy"], [2, 4], ["pillow"], ["local", "hdd"], ["startup-593"])
    found = matrix.configurations()
    assert len(found) == 2 * 2 * 2 + 2
    assert [(one.strategy, one.storage) for one in found if one.reference] == [("sync", "local"), ("sync", "hdd")]
    assert all(one.settings["workers"] is None for one in found if one.reference)  # sync has no pool to size
    assert matrix.varied == ["strategy", "workers", "storage"]


@pytest.fixture
def tiny(corpus_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    for src in sorted((corpus_dir / "jpg").glob("*.jpg"))[:6]:
        shutil.copyfile(src, folder / src.name)
    return folder


def test_cli_sweep_runs_a_2x2_matrix_and_names_the_front(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(tiny), "-s", "threadpool,lazy", "--workers", "2,4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    document = load(out / "sweep.json")
    assert isinstance(document, SweepResults)
    assert len(document.configurations) == 5 and sum(one.reference for one in document.configurations) == 1
    assert all(len(one.runs) == 1 and one.runs[0].equal for one in document.configurations)
    assert document.varied == ["strategy", "workers"]
    assert "local: " in result.output and "Pareto front: " in result.output
    assert (out / "pareto.png").stat().st_size > 0 and "Pareto front" in (out / "sweep.md").read_text()
    again = CliRunner().invoke(app, ["report", str(out / "sweep.json"), "--out", str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again" / "sweep.md").read_text() == (out / "sweep.md").read_text()
    assert "Pareto front: " in again.output and "every configuration" not in again.output
    wide = CliRunner().invoke(app, ["report", str(out / "sweep.json"), "--out", str(tmp_path / "wide"), "--wide"])
    assert wide.exit_code == 0 and "local: every configuration" in wide.output and "Details (per call" in wide.output


def test_cli_sweep_refuses_a_bad_worker_list(tiny: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sweep", str(tiny), "--workers", "4,x", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "--workers: expected whole numbers" in result.output


def test_sweep_takes_every_option_run_takes() -> None:
    """Issue 14: sweep accepts every option of run (those that vary take a comma list); a new run option fails here."""
    from exifbench.cli.run import run
    from exifbench.cli.sweep import sweep

    only_run = {"reference"}  # run -s X adds sync unless --no-reference; a sweep always runs sync on each storage
    assert set(inspect.signature(run).parameters) - only_run <= set(inspect.signature(sweep).parameters)


def test_cli_sweep_passes_run_options_to_every_configuration(tiny: Path, tmp_path: Path) -> None:
    out, copy, history = tmp_path / "out", tmp_path / "copy.json", tmp_path / "history"
    copy.write_text("{}")
    args = ["sweep", str(tiny), "-s", "threadpool,viewport", "--cold", "--tick-ms", "5", "--switch-interval", "0.002",
            "--profile", "--wide", "--json", str(copy), "--force", "--history", str(history), "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    document = SweepResults.load(copy)
    assert SweepResults.load(out / "sweep.json").to_dict() == document.to_dict()
    runs = [run for one in document.configurations for run in one.runs]
    assert len(runs) == 3 and all(run.config.cold and run.config.cold_check is not None for run in runs)
    assert {run.environment["switch_interval_s"] for run in runs} == {0.002}
    assert {run.responsiveness.tick_ms for run in runs} == {5.0}
    labels = [one.label(document.varied) for one in document.configurations]
    assert labels == ["threadpool ×4", "viewport ×4", "sync"]  # pools named by the size each chose (local storage: 4)
    assert len({path.name for path in out.glob("profile-*.html")}) == 3  # one per configuration, none overwritten
    assert "local: every configuration" in result.output and "background" in result.output  # --wide: run's details table
    assert "threadpool ×4 " in result.output and "×4 ×4" not in result.output  # the pool named once
    series = [path for path in history.iterdir() if path.is_dir()]  # one fingerprint: local storage, default workers
    assert len(series) == 1 and RunSet.load(next(series[0].glob("2*.json"))).strategies == ["threadpool", "viewport", "sync"]


def test_console_ends_with_decides_recommendation_per_storage() -> None:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(render_console(analyze_sweep(constructed())))
    text = console.export_text()
    after_table = text[text.rindex("lazy ×64"):].splitlines()[1:]
    recommendations = [line for line in after_table if line.startswith("Recommendation:")]
    assert len(recommendations) == 2  # original and hdd
    assert recommendations[0].startswith("Recommendation: ship threadpool ×64")
    assert recommendations[1].startswith("Recommendation: nothing measured here meets decide's criteria") and "closest: threadpool ×4" in recommendations[1]


def test_the_thresholds_name_the_equality_the_dicts_were_judged_by() -> None:
    from exifbench.reports.documents.equality import parse_equality
    from exifbench.reports.renderers.sweep import thresholds_text

    assert thresholds_text(Thresholds()).endswith("with equal dicts (--equality pillow)")
    assert thresholds_text(Thresholds(), parse_equality("fields:Make,Model")).endswith("(--equality fields:Make,Model)")
    assert thresholds_text(Thresholds(), parse_equality("off")).endswith("dicts NOT compared (--equality off)")
