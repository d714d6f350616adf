"""``run --launches``: a child that dies is one line and the rest is kept; a stop (Ctrl-C, timeout) ends the running child, keeping its run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, fields
from pathlib import Path

import psutil

from exifbench.datasets.folder import Folder, scan
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.datasets.storage.mount import Borrowed
from exifbench.datasets.storage.model import StorageModel
from exifbench.harness.bench import BenchConfig, variants
from exifbench.harness.launches import Task, narrowed, run_launches
from exifbench.reports.documents.equality import parse_equality

EXIFBENCH = str(Path(sys.executable).with_name("exifbench"))
GENEROUS_S = 120.0  # upper bounds against hangs only


def exifbench(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``exifbench run ARGS`` with its launches' files (named on their command lines) in ``tmp_path``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), *sys.path]), "TMPDIR": str(tmp_path)}
    return subprocess.run([EXIFBENCH, "run", *args], env=env, capture_output=True, text=True, timeout=GENEROUS_S, cwd=tmp_path)


def launch_children(tmp_path: Path) -> list[str]:
    """The launch processes still running from this test's ``exifbench`` (other sessions' are not counted)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        command = " ".join(proc.info["cmdline"] or [])
        if "exifbench.harness.launches" in command and str(tmp_path) in command:
            found.append(command)
    return found


def test_a_child_that_dies_fails_its_strategy_in_one_line(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = exifbench(["-s", "sync,faulty_loaders:DiesInLoad", "--launches", "2", "--storage", "local", "--json", str(out),
                      str(corpus_copy)], tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1, done.stderr  # the child's os._exit(7) is trapped and named, its strategy failed
    assert failed[0].startswith("failed: strategy 'faulty_loaders:DiesInLoad launch 1' (repeat 0): load_exif("), failed
    assert failed[0].endswith("raised ExitCalled: os._exit(7) called"), failed
    assert "launch 2/2: faulty_loaders:DiesInLoad" not in done.stdout  # not launched again
    document = json.loads(out.read_text())
    assert [(run["strategy"], run["repeat"]) for run in document["runs"]] == [("sync", 0), ("sync", 1)]
    assert all(run["equality"]["equal"] == run["equality"]["checked"] > 0 for run in document["runs"])


def test_a_timeout_stops_the_running_launch_and_keeps_it(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = exifbench(["-s", "sync,persistent", "--launches", "2", "--io-latency", "500", "--timeout", "3", "--json", str(out),
                      str(corpus_copy)], tmp_path)  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "--timeout 3 s reached" in done.stderr and "failed:" not in done.stderr
    document = json.loads(out.read_text())
    assert document["complete"] is False and document["failed"] == []
    # the sync child may still be starting when 3 s have passed (a loaded machine): then it has no run yet
    assert [run["strategy"] for run in document["runs"]] in (["sync"], [])
    for sync in document["runs"]:  # 500 ms a first read: far from done
        assert sync["calls"] < 593 and sync["complete"] is False and sync["config"]["launch"] == 1
    assert launch_children(tmp_path) == []


def test_a_ctrl_c_mid_replay_keeps_the_launches_measured(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = exifbench(["-s", "sync,faulty_loaders:InterruptsItsParent", "--launches", "2", "--storage", "local", "--json", str(out),
                      str(corpus_copy)], tmp_path)  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "SIGINT: stopping, keeping what was measured" in done.stderr and "failed:" not in done.stderr
    document = json.loads(out.read_text())
    assert document["complete"] is False and document["failed"] == []
    sync, stopped = document["runs"]
    assert sync["strategy"] == "sync" and sync["complete"] and sync["calls"] == 593
    assert stopped["strategy"] == "faulty_loaders:InterruptsItsParent launch 1" and stopped["complete"] is False
    assert 3 <= stopped["calls"] < 593 and stopped["equality"]["mismatches"] == []
    assert launch_children(tmp_path) == []


def test_a_stop_while_the_child_starts_up_ends_it_without_a_failure(corpus_copy: Path) -> None:
    stop = threading.Event()
    runs = run_launches(BenchConfig(["sync"]), scan(corpus_copy), startup_pattern(images=12), 2, stop,
                        started=lambda launch: stop.set())  # fmt: skip  # the SIGINT goes out before its handler is in place
    assert runs.failed == [] and runs.runs == [] and runs.complete is False


@dataclass
class Extended(BenchConfig):
    """A config with a field that launches.py was written without."""

    added: str = "default"


def test_every_field_of_the_config_reaches_a_launch_child_even_one_added_later(tmp_path: Path) -> None:
    config = Extended(["sync", "threadpool"], workers=3, on_not_ready="wait", storage=StorageModel(latency_ms=2.0),
                      storage_via="fuse", options={"timeout_s": 9.0}, cold=True, tick_ms=7.0, switch_interval_s=0.002,
                      grab_dir=tmp_path, on_loader_error="file", none_means="empty", equality=parse_equality("fields:Make,Model"),
                      added="set")  # fmt: skip
    variant = variants(config)[1]
    Task(narrowed(config, variant), Folder(tmp_path, ["a.jpg"]), startup_pattern(images=1), "photos",
         Borrowed(tmp_path / "mnt")).save(tmp_path / "task.pickle")  # fmt: skip
    task = Task.load(tmp_path / "task.pickle")  # what the child reads
    assert type(task.config) is Extended and task.config.added == "set"
    given = {one.name: getattr(config, one.name) for one in fields(config)}
    assert {one.name: getattr(task.config, one.name) for one in fields(task.config)} == given | {
        "strategies": ["threadpool"], "extractors": ("pillow",)}  # fmt: skip  # narrowed to the child's variant, nothing lost
    assert (task.folder.files, task.dataset, task.mount) == (["a.jpg"], "photos", Borrowed(tmp_path / "mnt"))
