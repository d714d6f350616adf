"""No command replaces a document without ``--force``, and a measured run is never lost to a failed write."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.reports.documents.runs import RunSet

runner = CliRunner()


@pytest.fixture
def three(corpus_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "three"
    folder.mkdir()
    for photo in sorted((corpus_dir / "jpg").glob("*.jpg"))[:3]:
        shutil.copyfile(photo, folder / photo.name)
    return folder


def test_a_second_run_out_keeps_the_first_results(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = runner.invoke(app, ["run", "-s", "sync", "--out", str(out), str(three)])
    assert first.exit_code == 0, first.output
    kept = (out / "results.json").read_bytes()
    second = runner.invoke(app, ["run", "-s", "sync", "--out", str(out), str(three)])
    assert second.exit_code == 2 and "results.json: already exists (use --force to overwrite)" in second.output
    assert "results written" not in second.output and (out / "results.json").read_bytes() == kept  # refused up front
    forced = runner.invoke(app, ["run", "-s", "sync", "--out", str(out), "--force", str(three)])
    assert forced.exit_code == 0 and (out / "results.json").read_bytes() != kept


def test_a_full_disk_at_json_keeps_the_measured_run(three: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.json"
    real_replace = os.replace

    def full(source: object, destination: object) -> None:
        if Path(str(destination)) == target:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(source, destination)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", full)
    result = runner.invoke(app, ["run", "-s", "sync", "--json", str(target), str(three)])
    assert result.exit_code == 2 and "(No space left on device); saved to " in result.output
    spare = Path("".join(result.output.split()).split("savedto")[1].split("instead")[0])
    try:
        runs = RunSet.load(spare)
        assert runs.complete and [run.strategy for run in runs.runs] == ["sync"] and runs.runs[0].equality["equal"] == 3
    finally:
        spare.unlink()
    assert not target.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.fixture
def document(three: Path, tmp_path: Path) -> Path:
    path = tmp_path / "doc.json"
    made = runner.invoke(app, ["run", "-s", "sync", "--json", str(path), str(three)])
    assert made.exit_code == 0, made.output
    return path


@pytest.mark.parametrize("flag", ["--verdict-json", "--verdict-md"])
def test_gate_keeps_an_existing_verdict_without_force(document: Path, tmp_path: Path, flag: str) -> None:
    verdict = tmp_path / "verdict"
    verdict.write_text("previous")
    gate = ["gate", "--baseline", str(document), "--current", str(document), flag, str(verdict)]
    refused = runner.invoke(app, gate)
    assert refused.exit_code == 2 and "already exists (use --force to overwrite)" in refused.output
    assert verdict.read_text() == "previous"
    forced = runner.invoke(app, [*gate, "--force"])
    assert forced.exit_code == 0, forced.output
    assert verdict.read_text() != "previous"


@pytest.mark.parametrize("command", [["decide", "--candidate", "threadpool"], ["peers"], ["sweep", "-s", "sync"]])
def test_decide_peers_and_sweep_refuse_to_replace_a_document_before_they_start(three: Path, tmp_path: Path,
                                                                               command: list[str]) -> None:  # fmt: skip
    existing = tmp_path / "existing.json"
    existing.write_text("previous")
    if command[0] == "sweep":
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "sweep.json").write_text("previous")
        args = [*command, "--out", str(tmp_path / "out"), str(three)]
    else:
        args = [*command, "--json", str(existing), str(three)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "already exists (use --force to overwrite)" in refused.output, refused.output
    assert existing.read_text() == "previous"
    if command[0] == "sweep":
        assert (tmp_path / "out" / "sweep.json").read_text() == "previous"
