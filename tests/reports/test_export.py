"""``exifbench export``: a real run set (through the FUSE mount, so with I/O counts) in github-action-benchmark's
custom format, pytest-benchmark's JSON and CSV, each checked against what the other tool reads."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from benchmark_formats import action_pytest_results, check_custom_benchmark_results
from exifbench.cli import app
from exifbench.datasets import open_dataset
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.datasets.storage.model import StorageChoice
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.reports.analysis.metrics import METRICS
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.renderers.export import github_action_benchmark
from exifbench.reports.statistics import median

STRATEGIES = ["sync", "threadpool"]
CHARTED = ("blocking", "frames", "time_to_exif", "bytes_read", "read_requests")


@pytest.fixture(scope="module")
def saved(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two strategies, two repeats each, read through the mount under the nfs profile, saved as run --json does."""
    photos = tmp_path_factory.mktemp("photos")
    for src in sorted((corpus_dir / "jpg").glob("*.jpg"))[:8]:
        shutil.copyfile(src, photos / src.name)
    dataset = open_dataset(photos, StorageChoice("nfs"))
    assert dataset.via == "fuse", dataset.fallback
    config = BenchConfig(STRATEGIES, repeat=2, storage=dataset.storage, storage_via=dataset.via)
    runs = run_bench(config, dataset.folder, startup_pattern(images=8, page=4))
    assert runs.complete and len(runs.runs) == 4
    return runs.save(tmp_path_factory.mktemp("doc") / "run.json")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_github_action_benchmark_format_has_every_charted_metric_at_its_median(saved: Path) -> None:
    result = invoke("export", str(saved), "--format", "github-action-benchmark")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    check_custom_benchmark_results(data)
    runs = RunSet.load(saved)
    by_name = {entry["name"]: entry for entry in data}
    for strategy in STRATEGIES:
        for metric in CHARTED:
            entry = by_name[f"{strategy}: {metric}"]
            assert entry["unit"] == METRICS[metric].unit
            expected = median([v for run in runs.of(strategy) if (v := METRICS[metric].read(run)) is not None])
            assert entry["value"] == pytest.approx(expected, rel=1e-12)  # (a+b)/2 and a+(b-a)/2 differ in the last bit
    assert "not exported: memory" in result.stderr


def test_the_schema_check_refuses_what_the_action_would_not_read(saved: Path) -> None:
    good = github_action_benchmark(RunSet.load(saved))
    for broken in ({**good[0], "value": "1"}, {**good[0], "range": 3}, {k: v for k, v in good[0].items() if k != "unit"}):
        with pytest.raises(AssertionError):
            check_custom_benchmark_results([broken])
    with pytest.raises(AssertionError):
        check_custom_benchmark_results([good[0], good[0]])


def test_pytest_benchmark_compare_loads_the_export(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "0001_exifbench.json"
    assert invoke("export", str(saved), "--format", "pytest-benchmark", "--out", str(out)).exit_code == 0
    table = tmp_path / "compared"

    done = subprocess.run([str(Path(sys.executable).parent / "pytest-benchmark"), "compare", str(out), "--csv", str(table)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "Failed to load" not in done.stdout + done.stderr
    rows = {row["name"]: row for row in csv.DictReader(table.with_suffix(".csv").open())}
    runs = RunSet.load(saved)
    blocking = median([run.blocking.total_s for run in runs.of("sync")])
    assert math.isclose(float(rows["exifbench::sync: blocking"]["median"]), blocking, rel_tol=1e-9)
    p99_s = median([run.blocking.p99_ms for run in runs.of("threadpool")]) / 1000  # durations in seconds
    assert math.isclose(float(rows["exifbench::threadpool: p99"]["median"]), p99_s, rel_tol=1e-9)
    assert {f"exifbench::{s}: {m}" for s in STRATEGIES for m in CHARTED} <= set(rows)
    charted = action_pytest_results(json.loads(out.read_text()))  # github-action-benchmark's tool: pytest reads it too
    assert {entry["name"] for entry in charted} == set(rows)


def test_the_action_pytest_check_refuses_what_the_action_would_not_read(saved: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    assert invoke("export", str(saved), "--format", "pytest-benchmark", "--out", str(out)).exit_code == 0
    good = json.loads(out.read_text())
    bench = good["benchmarks"][0]
    for broken in ({**good, "benchmarks": []}, {**good, "benchmarks": [{**bench, "stats": {**bench["stats"], "ops": None}}]},
                   {**good, "benchmarks": [{k: v for k, v in bench.items() if k != "fullname"}]}):  # fmt: skip
        with pytest.raises((AssertionError, KeyError)):
            action_pytest_results(broken)


def test_csv_has_one_row_per_run_and_measured_metric(saved: Path) -> None:
    result = invoke("export", str(saved), "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    runs = RunSet.load(saved)
    assert len(rows) == sum(1 for run in runs.runs for metric in METRICS.values() if metric.read(run) is not None)
    first = runs.runs[0]
    row = next(r for r in rows if r["strategy"] == first.strategy and r["repeat"] == str(first.repeat) and r["metric"] == "read_requests")
    assert float(row["value"]) == first.io.total("reads") and row["unit"] == "requests"


def test_refusals_are_one_line_with_exit_2(saved: Path, tmp_path: Path) -> None:
    partial = json.loads(saved.read_text())
    partial["complete"] = False
    (tmp_path / "partial.json").write_text(json.dumps(partial))
    (tmp_path / "taken.json").write_text("[]")

    cases = {
        "incomplete": invoke("export", str(tmp_path / "partial.json"), "--format", "csv"),
        "format": invoke("export", str(saved), "--format", "xml"),
        "overwrite": invoke("export", str(saved), "--format", "csv", "--out", str(tmp_path / "taken.json")),
    }

    for case, result in cases.items():
        assert result.exit_code == 2, (case, result.output)
        assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1, (case, result.stderr)
    assert "incomplete" in cases["incomplete"].stderr and "choose from" in cases["format"].stderr
    assert "--force" in cases["overwrite"].stderr and (tmp_path / "taken.json").read_text() == "[]"
