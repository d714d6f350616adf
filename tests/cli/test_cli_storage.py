"""``exifbench storage profiles|mount`` and the storage options of ``run``, through the real CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.storage.mount import is_mounted, mounts
from exifbench.strategies.extractors.pillow import pillow_exif
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.analysis.metrics import METRICS

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
GENEROUS_S = 30.0


def test_profiles_lists_every_profile_with_its_sources() -> None:
    result = runner.invoke(app, ["storage", "profiles"])
    assert result.exit_code == 0, result.output
    for name in ("local", "original", "hdd", "nfs", "smb", "sdcard", "usb2"):
        assert f"│ {name}" in result.output
    assert "queue depth 1" in result.output and "datasheet" in result.output
    assert "\\n" not in result.output and "│ • " in result.output  # each source on a line of its own


def test_run_through_a_profile_counts_io_and_marks_nothing_uncharged(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "sync,tests.user_loaders:DictLoader", "--storage", "usb2",
                                 "--io-concurrency", "2", "--wide", "--json", str(out), str(corpus_copy)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "usb2*: 1 ms per request, queue depth 2, 35 MB/s (FUSE mount)" in result.output
    assert "not charged" not in result.output
    runs = RunSet.load(out)
    sync, mine = runs.runs
    assert sync.config.storage_model["concurrency"] == 2 and mine.config.storage_charged
    assert METRICS["bytes_read"].read(mine) == METRICS["bytes_read"].read(sync) > 0
    assert "opens" in result.output and f"{sync.io.total('bytes'):,}" in result.output  # --wide: the daemon's counts


def test_without_fuse_the_fallback_is_said_and_marked(corpus_copy: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("exifbench.datasets.fuse_problem", lambda: "FUSE is not available: test says so")
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "sync,tests.user_loaders:DictLoader", "--io-latency", "2", "--json",
                                 str(out), str(corpus_copy)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "FUSE is not available: test says so: using the in-process storage model" in result.output
    assert result.output.count("(not charged)") == 1  # on the DictLoader row (JSON below says which)
    doc = json.loads(out.read_text())
    assert [run["config"]["storage_charged"] for run in doc["runs"]] == [True, False]
    assert all(run["config"]["storage_via"] == "in-process" and run["io"] == {} for run in doc["runs"])
    report = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "report")])
    assert report.exit_code == 0, report.output
    assert "NOT charged to tests.user_loaders:DictLoader" in (tmp_path / "report" / "summary.md").read_text()


def test_gate_on_bytes_read_needs_counts(corpus_copy: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("exifbench.datasets.fuse_problem", lambda: "FUSE is not available: test says so")
    out = tmp_path / "r.json"
    assert runner.invoke(app, ["run", "-s", "sync", "--io-latency", "1", "--json", str(out), str(corpus_copy)]).exit_code == 0
    result = runner.invoke(app, ["gate", "--baseline", str(out), "--current", str(out), "--metric", "bytes_read"])
    assert result.exit_code == 2 and "no I/O counts" in result.output


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # what a shell without job control does to a background job


@pytest.mark.parametrize(("sig", "launched_in_background"), [(signal.SIGINT, False), (signal.SIGTERM, False),
                                                             (signal.SIGINT, True)])  # fmt: skip
def test_storage_mount_serves_in_the_foreground_until_stopped(corpus_copy: Path, tmp_path: Path, sig: signal.Signals,
                                                              launched_in_background: bool) -> None:  # fmt: skip
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    process = subprocess.Popen([str(Path(sys.executable).parent / "exifbench"), "storage", "mount", str(corpus_copy), str(mnt),
                                "--storage", "hdd"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "COLUMNS": "300"},
                               preexec_fn=_ignore_sigint if launched_in_background else None)  # fmt: skip
    assert process.stdout is not None
    banner = process.stdout.readline()
    assert "mounted at" in banner and "hdd: 12.7 ms per seek" in banner, banner + process.stderr.read()
    name = sorted(corpus_copy.iterdir())[0].name
    assert (mnt / name).read_bytes() == (corpus_copy / name).read_bytes()
    process.send_signal(sig)
    _, err = process.communicate(timeout=GENEROUS_S)
    assert process.returncode == 0, err
    assert not is_mounted(mnt) and "unmounted" in err and "1 opens" in err


def test_peers_read_through_a_profile_and_leave_no_mount(corpus_copy: Path) -> None:
    result = runner.invoke(app, ["peers", str(corpus_copy), "--storage", "nfs", "--repeats", "1"])
    assert result.exit_code == 0, result.output
    assert "nfs: 0.5 ms per request, queue depth 16, 110 MB/s (FUSE mount)" in result.output
    assert "pillow" in result.output
    assert not any(kind == "fuse.exifbench" and str(os.getpid()) in point for _, point, kind in mounts())


def test_daemon_crash_in_run_is_one_line_and_keeps_finished_runs(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "sync,tests.datasets.test_storage_fuse:DaemonKiller", "--io-latency", "1",
                                 "--json", str(out), str(corpus_copy)])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "storage daemon for" in result.output and "died" in result.output and "1 run(s) finished before are kept" in result.output
    doc = json.loads(out.read_text())
    assert doc["complete"] is False and [run["strategy"] for run in doc["runs"]] == ["sync"]
    assert not any(kind == "fuse.exifbench" and str(os.getpid()) in point for _, point, kind in mounts())


class RereadingLoader:
    """A loader of the user's own that got slower in a way timings may hide: it reads every file twice."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[str, object]] = {}

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, object]:
        if path not in self.cache:
            Path(path).read_bytes()  # the regression: a whole extra read before the real one
            try:
                self.cache[path] = pillow_exif(path)
            except Exception:
                self.cache[path] = {}
        return self.cache[path]

    def preload(self, paths: object, priority: object = None) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> RereadingLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def test_gate_on_bytes_read_catches_a_loader_reading_more(corpus_copy: Path, tmp_path: Path) -> None:
    verdict = tmp_path / "verdict.json"
    result = runner.invoke(app, ["gate", str(corpus_copy), "--candidate", "tests.cli.test_cli_storage:RereadingLoader",
                                 "--reference", "tests.user_loaders:DictLoader", "--metric", "bytes_read",
                                 "--repeat", "4", "--io-latency", "0.1", "--verdict-json", str(verdict)])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "bytes_read" in result.output and "bytes" in result.output
    assert json.loads(verdict.read_text())["comparisons"][0]["status"] == "regression"
