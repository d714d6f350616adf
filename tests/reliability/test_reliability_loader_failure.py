"""A loader that raises fails its own strategy in one line (``--on-loader-error strategy``; ``file``, the default for
a user's loader, is in tests/harness/test_loader_errors.py); the other strategies' measurements are kept and written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.folder import scan
from exifbench.reports.documents.runs import RunSet
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench

FAILURES = {
    "FailsInInit": "could not be created: LoaderBug: cannot start",
    "FailsInPreload": "paths) raised LoaderBug: no pool",
    "FailsInLoad": "raised LoaderBug: corrupt cache entry",
    "FailsInClose": "__exit__() raised LoaderBug: leaked worker",
}


@pytest.mark.parametrize("cls", list(FAILURES))
def test_the_failing_strategy_is_marked_and_the_others_kept(cls: str, corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    name = f"tests.faulty_loaders:{cls}"
    config = BenchConfig(["sync", name, "threadpool"], repeat=2, workers=2, on_loader_error="strategy")
    runs = run_bench(config, folder, startup_pattern(len(folder.files)))
    assert [(run.strategy, run.repeat) for run in runs.runs] == [("sync", 0), ("threadpool", 0), ("sync", 1), ("threadpool", 1)]
    assert all(run.complete and run.equal for run in runs.runs)
    (failure,) = runs.failed  # not run again after its first failure
    assert (failure.strategy, failure.repeat) == (name, 0)
    assert FAILURES[cls] in failure.error and "\n" not in failure.error
    assert not runs.complete
    if cls == "FailsInLoad":
        assert failure.error.startswith(f"load_exif({str(folder.paths[4])!r}) raised")
    assert RunSet.from_dict(json.loads(json.dumps(runs.to_dict()))) == runs


def test_cli_prints_one_line_and_writes_the_document(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs.json"
    strategies = "sync,tests.faulty_loaders:FailsInLoad,threadpool"
    result = CliRunner().invoke(app, ["run", "-s", strategies, "--workers", "2", "--on-loader-error", "strategy", str(corpus_copy),
                                      "--json", str(out)])  # fmt: skip
    assert "Traceback" not in result.output and not isinstance(result.exception, Exception), result.output
    failed = [line for line in result.output.splitlines() if "FailsInLoad" in line]
    assert len(failed) == 1
    assert failed[0].startswith("failed: strategy 'tests.faulty_loaders:FailsInLoad' (repeat 0): load_exif(")
    assert failed[0].endswith("raised LoaderBug: corrupt cache entry")
    doc = json.loads(out.read_text())
    assert doc["complete"] is False
    assert [run["strategy"] for run in doc["runs"]] == ["sync", "threadpool"]
    assert [f["strategy"] for f in doc["failed"]] == ["tests.faulty_loaders:FailsInLoad"]
    assert RunSet.load(out).failed[0].error == doc["failed"][0]["error"]
    gated = CliRunner().invoke(app, ["gate", "--baseline", str(out), "--current", str(out)])
    assert gated.exit_code == 2 and "strategy 'tests.faulty_loaders:FailsInLoad' failed (load_exif(" in gated.output


def test_a_bad_failed_field_is_one_line_naming_it(tmp_path: Path) -> None:
    from exifbench.errors import ExifbenchError

    for failed, field in (("x", "failed: must be a list"), ([{"strategy": "a", "repeat": "0", "error": "e"}], "failed[0].repeat")):
        with pytest.raises(ExifbenchError, match=field.replace("[", r"\[").replace("]", r"\]")):
            RunSet.from_dict({"schema": "exifbench.runs/1", "runs": [], "failed": failed})


def test_a_loader_returning_something_else_than_a_dict_is_a_mismatch_per_file(corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    (run,) = run_bench(BenchConfig(["tests.faulty_loaders:ReturnsText"]), folder, startup_pattern(len(folder.files))).runs
    assert run.equality.checked == len(folder.files) and run.equality.equal == 0
    assert {(m.tag, m.actual) for m in run.equality.mismatches} == {("<dict>", "'not a dict'")}


def test_values_that_cannot_be_compared_are_mismatches_not_a_crash(corpus_dir: Path, tmp_path: Path) -> None:
    """A numpy array, a value whose ``==`` raises, a dict holding itself: each a mismatch of its tag in every file
    that has it, shown in one bounded line, and the document written."""
    photos, out = tmp_path / "photos", tmp_path / "r.json"
    photos.mkdir()
    for name in ("Canon_40D.jpg", "Nikon_D70.jpg", "Sony_HDR-HC3.jpg"):
        shutil.copyfile(corpus_dir / "jpg" / name, photos / name)
    result = CliRunner().invoke(app, ["run", "-s", "tests.faulty_loaders:OddValues", "--no-reference", str(photos), "--json", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    (run,) = [run for run in RunSet.load(out).runs if run.strategy != "sync"]
    shown = {(m.tag, m.actual[0] if m.tag == "self" else m.actual.partition("(")[0].partition(" ")[0])
             for m in run.equality.mismatches}  # fmt: skip
    assert shown == {("XResolution", "array"), ("Make", "<Uncomparable"), ("self", "{")}, shown
    assert all(len(m.actual) <= 160 for m in run.equality.mismatches)
    assert run.equality.equal == 0 and run.equality.checked == 3


def test_a_loader_changing_the_working_directory_does_not_move_the_outputs(corpus_dir: Path, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """``--json r.json`` is where the user was when they ran the command, not in the loader's folder."""
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copyfile(corpus_dir / "jpg" / "Canon_40D.jpg", photos / "Canon_40D.jpg")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "-s", "sync,tests.faulty_loaders:ChangesDirectory", "--json", "r.json", "photos"])
    assert result.exit_code == 0, result.output
    assert Path.cwd() == tmp_path and (tmp_path / "elsewhere").is_dir() and list((tmp_path / "elsewhere").iterdir()) == []
    assert [run.strategy for run in RunSet.load(tmp_path / "r.json").runs] == ["sync", "tests.faulty_loaders:ChangesDirectory"]


def test_the_guard_passes_every_other_method_through_guarded() -> None:
    from exifbench.harness.guard import GuardedLoader, LoaderFailure
    from exifbench.strategies.base import BackgroundWork
    from exifbench.strategies.threadpool import ThreadPoolLoader
    from exifbench.strategies.sync import SyncLoader

    with GuardedLoader(ThreadPoolLoader(workers=1)) as loader:
        assert isinstance(loader, BackgroundWork) and loader.wait_idle(timeout=5) is True
    assert not isinstance(GuardedLoader(SyncLoader()), BackgroundWork)

    class BrokenWait(SyncLoader):
        def wait_idle(self, timeout: float | None = None) -> bool:
            raise OSError("no")

    with pytest.raises(LoaderFailure, match=r"^wait_idle\(\) raised OSError: no$"):
        GuardedLoader(BrokenWait()).wait_idle(timeout=1)


def test_when_every_strategy_fails_the_lines_and_the_document_are_still_written(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs.json"
    result = CliRunner().invoke(app, ["run", "-s", "tests.faulty_loaders:FailsInInit", "--no-reference", str(corpus_copy), "--json", str(out)])
    assert "Traceback" not in result.output and not isinstance(result.exception, Exception), result.output
    assert "failed: strategy 'tests.faulty_loaders:FailsInInit' (repeat 0): " in result.output
    doc = json.loads(out.read_text())
    assert doc["complete"] is False and doc["runs"] == [] and len(doc["failed"]) == 1
