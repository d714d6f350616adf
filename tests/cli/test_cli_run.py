"""``exifbench run`` end to end on a copy of real corpus files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.reports.documents.runs import RunSet

runner = CliRunner()

KEYS = {"schema", "strategy", "calls", "images", "files_touched", "blocking", "not_ready",
        "background_s", "equality", "errors", "environment"}  # fmt: skip


def test_run_all_writes_the_result_document(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "--strategy", "all", "--workers", "2", str(corpus_copy), "--json", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("sync", "threadpool", "lazy", "process", "viewport"):
        assert name in result.output
    doc = json.loads(out.read_text())
    assert doc["schema"] == "exifbench.runs/1"
    assert [run["strategy"] for run in doc["runs"]] == ["sync", "threadpool", "lazy", "process", "viewport"]
    images = len(list(corpus_copy.iterdir()))
    for run in doc["runs"]:
        assert KEYS <= set(run) and run["schema"] == "exifbench.run/1"
        assert run["calls"] == 593 and run["images"] == images and run["files_touched"] == images
        assert set(run["blocking"]) >= {"total_s", "p50_ms", "p99_ms", "max_ms"}
        assert run["equality"]["checked"] == images == run["equality"]["equal"]
        assert set(run["environment"]) >= {"python", "pillow", "os", "cpu_count"}
    assert RunSet.load(out).strategies == ["sync", "threadpool", "lazy", "process", "viewport"]


def test_single_strategy_document_and_user_class(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "one.json"
    result = runner.invoke(app, ["run", "-s", "tests.user_loaders:DictLoader", "--no-reference", str(corpus_copy), "--json", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["schema"] == "exifbench.run/1" and doc["strategy"] == "tests.user_loaders:DictLoader"
    assert doc["equality"]["equal"] == doc["equality"]["checked"] > 0


def test_user_mistakes_are_one_red_line_and_exit_2(corpus_copy: Path, tmp_path: Path) -> None:
    cases = [
        (["run", "-s", "nope", "--no-reference", str(corpus_copy)], "unknown strategy 'nope'"),
        (["run", "-s", "tests.user_loaders:NotALoader", "--no-reference", str(corpus_copy)], "does not implement the loader protocol"),
        (["run", str(tmp_path / "missing")], "missing: no such folder"),
        (["run", "--pattern", str(tmp_path / "nope.json"), str(corpus_copy)], "nope.json: cannot read pattern"),
        (["run", "--on-not-ready", "panic", str(corpus_copy)], "on_not_ready must be one of"),
    ]
    for args, message in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
        assert "Traceback" not in result.output
        assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_bad_files_are_per_file_errors_not_a_crash(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "zero.jpg").write_bytes(b"")
    (corpus_copy / "noise.jpg").write_bytes(bytes(range(256)) * 4)
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "sync,threadpool", str(corpus_copy), "--json", str(out)])
    assert result.exit_code == 0, result.output
    for run in json.loads(out.read_text())["runs"]:
        errors = {Path(e["path"]).name: e["error"] for e in run["errors"]}
        assert set(errors) == {"zero.jpg", "noise.jpg"}
        assert all("UnidentifiedImageError" in reason for reason in errors.values())
        assert run["equality"]["checked"] == run["equality"]["equal"]
    assert "zero.jpg" in result.output


def test_expanded_real_corpus_replays_with_every_strategy(corpus_dir: Path, tmp_path: Path) -> None:
    real591 = tmp_path / "real591"
    assert runner.invoke(app, ["datasets", "expand", str(corpus_dir), str(real591), "--count", "591"]).exit_code == 0
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "all", "--workers", "2", str(real591), "--json", str(out)])
    assert result.exit_code == 0, result.output
    runs = json.loads(out.read_text())["runs"]
    assert [run["strategy"] for run in runs] == ["sync", "threadpool", "lazy", "process", "viewport"]
    for run in runs:
        assert run["images"] == run["files_touched"] == 591 and run["calls"] == 593
        assert run["equality"] == {"checked": 591, "equal": 591, "mismatches": [], "unverified": [], "baseline_exif": 467}


def test_without_a_folder_runs_on_the_embedded_dataset_and_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EXIFBENCH_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "sync", "--io-latency", "0.5", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "Embedded dataset: 591 images" in result.output and "0.5 ms per file open" in result.output
    doc = json.loads(out.read_text())
    assert doc["images"] == 591 and doc["calls"] == 593 and doc["config"]["io_latency_ms"] == 0.5
    assert doc["config"]["storage_via"] == "fuse" and doc["io"]["opens"] == 591
    assert doc["blocking"]["total_s"] >= 591 * 0.5 / 1000
    assert doc["config"]["dataset"].startswith("embedded dataset ")


def test_an_existing_result_file_is_kept_without_force(corpus_copy: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text("previous")
    args = ["run", "-s", "sync", str(corpus_copy), "--json", str(baseline)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "baseline.json: already exists (use --force to overwrite)" in result.output
    assert baseline.read_text() == "previous"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert RunSet.load(baseline).strategies == ["sync"]


def test_the_documented_example_loader_runs_from_any_directory(
    corpus_copy: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the example ships in the package
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "sync,exifbench.examples.my_loader:PrefetchingLoader", "--io-latency", "10",
                                 str(corpus_copy), "--json", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    sync, mine = json.loads(out.read_text())["runs"]
    assert mine["equality"]["checked"] == mine["equality"]["equal"] == sync["equality"]["checked"]
    assert mine["blocking"]["total_s"] < sync["blocking"]["total_s"]
