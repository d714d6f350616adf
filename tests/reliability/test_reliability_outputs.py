"""No command replaces a document without ``--force``, and a measured run is never lost to a failed write."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench import files
from exifbench.cli import app
from exifbench.errors import ExifbenchError
from exifbench.reports.analysis.gate import gate_files
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.renderers import gate as gate_renderers
from slow_strategies import fake_run

runner = CliRunner()
REAL_FSYNC = os.fsync


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
        assert runs.complete and [run.strategy for run in runs.runs] == ["sync"] and runs.runs[0].equality.equal == 3
    finally:
        spare.unlink()
    assert not target.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.fixture
def document(three: Path, tmp_path: Path) -> Path:
    path = tmp_path / "doc.json"
    made = runner.invoke(app, ["run", "-s", "sync", "--repeat", "5", "--json", str(path), str(three)])  # a baseline the gate judges
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



def verdict_document(path: Path, current_s: float) -> Path:
    """A gate verdict (``report`` draws it as two files, verdict.md and verdict.html); ``current_s`` tells two apart."""
    base = RunSet([fake_run(name, 0.1 + i / 1000, i) for i in range(4) for name in ("sync", "lazy")])
    current = RunSet([fake_run(name, current_s + i / 1000, i) for i in range(4) for name in ("sync", "lazy")])
    path.write_text(gate_renderers.render_json(gate_files(base, current, ("blocking",), 0.10)))
    return path


def full_at(call: int) -> Callable[[int], None]:
    """``os.fsync`` as on a disk that is full from its ``call``-th call of the test on."""
    calls: list[int] = []

    def fsync(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) >= call:
            raise OSError(errno.ENOSPC, "No space left on device")
        REAL_FSYNC(descriptor)

    return fsync


def test_report_out_on_a_full_disk_keeps_the_previous_set_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills at the second file of a report: the set that was in --out is as it was (the first new file
    did not replace its old one), a fresh --out is not even made, and no temporary file is left."""
    out = tmp_path / "out"
    assert runner.invoke(app, ["report", str(verdict_document(tmp_path / "old.json", 0.1)), "--out", str(out)]).exit_code == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    assert sorted(before) == ["verdict.html", "verdict.md"]
    newer = verdict_document(tmp_path / "new.json", 0.5)
    for target in (out, tmp_path / "fresh" / "out"):
        monkeypatch.setattr(os, "fsync", full_at(2))
        result = runner.invoke(app, ["report", str(newer), "--out", str(target)])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "verdict.html: cannot write (No space left on device)" in " ".join(result.output.split())
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert not (tmp_path / "fresh").exists()
    monkeypatch.undo()
    assert runner.invoke(app, ["report", str(newer), "--out", str(out)]).exit_code == 0
    assert {path.name for path in out.iterdir()} == set(before) and (out / "verdict.md").read_bytes() != before["verdict.md"]


def test_all_or_nothing_moves_a_set_into_place_only_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.md").write_text("old")
    with files.all_or_nothing():
        files.write_atomic(tmp_path / "a.md", "new")
        files.write_atomic(tmp_path / "phase-x" / "deep" / "b.md", "b")
        assert (tmp_path / "a.md").read_text() == "old" and not (tmp_path / "phase-x" / "deep" / "b.md").exists()
        assert files.present(tmp_path / "phase-x" / "deep" / "b.md") and not files.present(tmp_path / "c.md")
    assert (tmp_path / "a.md").read_text() == "new" and (tmp_path / "phase-x" / "deep" / "b.md").read_text() == "b"
    monkeypatch.setattr(os, "fsync", full_at(3))
    with pytest.raises(ExifbenchError, match=r"c\.md: cannot write \(No space left on device\)"):
        with files.all_or_nothing():
            files.write_atomic(tmp_path / "a.md", "newer")
            files.write_atomic(tmp_path / "phase-y" / "b.md", "b")
            files.write_atomic(tmp_path / "phase-y" / "c.md", "c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "phase-x"] and (tmp_path / "a.md").read_text() == "new"


def test_an_output_that_is_not_a_regular_file_is_refused_not_replaced(three: Path, tmp_path: Path) -> None:
    """``--json`` naming a FIFO, or a link to ``/dev/null``, with ``--force``: refused in one line, left as it is (as root
    the device itself was replaced by a file); a link to a regular file is written through and kept."""
    fifo, null_link, link, kept = tmp_path / "fifo.json", tmp_path / "null.json", tmp_path / "latest.json", tmp_path / "old.json"
    os.mkfifo(fifo)
    null_link.symlink_to(os.devnull)
    kept.write_text("previous")
    link.symlink_to(kept.name)
    for target, kind in ((fifo, "a FIFO"), (null_link, "a device or special file")):
        result = runner.invoke(app, ["run", "-s", "sync", "--json", str(target), "--force", str(three)])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert f"{os.path.realpath(target)}: {kind}, not a regular file: it is not replaced" in " ".join(result.output.split())
    assert fifo.is_fifo() and null_link.is_symlink() and os.readlink(null_link) == os.devnull
    assert runner.invoke(app, ["run", "-s", "sync", "--json", str(link), "--force", str(three)]).exit_code == 0
    assert link.is_symlink() and RunSet.load(kept).complete
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo.json", "latest.json", "null.json", "old.json", "three"]


@pytest.mark.parametrize("flag", ["--json", "--out"])
def test_an_output_name_too_long_for_the_file_system_is_one_line(flag: str, three: Path) -> None:
    result = runner.invoke(app, ["run", "-s", "sync", flag, "x" * 300, str(three)])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "File name too long" in result.output and "Traceback" not in result.output


def test_json_naming_the_results_json_of_out_is_refused_before_the_run(three: Path, tmp_path: Path) -> None:
    """Both would write one file: the second write found the first and the run exited 2 after measuring."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", "-s", "sync", "--out", str(out), "--json", str(out / "results.json"), str(three)])
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert f"is the results.json that --out {out} writes: give one of them" in result.output and not out.exists()
