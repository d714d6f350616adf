"""``run --launches``: a child that dies is one line and the rest is kept; a timeout stops the running child, keeping its run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

EXIFBENCH = str(Path(sys.executable).with_name("exifbench"))
GENEROUS_S = 120.0  # upper bounds against hangs only


def exifbench(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), *sys.path])}
    return subprocess.run([EXIFBENCH, "run", *args], env=env, capture_output=True, text=True, timeout=GENEROUS_S, cwd=tmp_path)


def launch_children(since: float) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "create_time"]):
        if "exifbench.harness.launches" in " ".join(proc.info["cmdline"] or []) and proc.info["create_time"] >= since:
            found.append(proc)
    return found


def test_a_child_that_dies_fails_its_strategy_in_one_line(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    done = exifbench(["-s", "sync,faulty_loaders:DiesInLoad", "--launches", "2", "--storage", "local", "--json", str(out),
                      str(corpus_copy)], tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed:")]
    assert failed == ["failed: strategy 'faulty_loaders:DiesInLoad launch 1' (repeat 0): launch 1: its process exited with code 7: "
                      "no message"], done.stderr  # fmt: skip
    assert "launch 2/2: faulty_loaders:DiesInLoad" not in done.stdout  # not launched again
    document = json.loads(out.read_text())
    assert [(run["strategy"], run["repeat"]) for run in document["runs"]] == [("sync", 0), ("sync", 1)]
    assert all(run["equality"]["equal"] == run["equality"]["checked"] > 0 for run in document["runs"])


def test_a_timeout_stops_the_running_launch_and_keeps_it(corpus_copy: Path, tmp_path: Path) -> None:
    since = time.time()
    out = tmp_path / "r.json"
    done = exifbench(["-s", "sync,persistent", "--launches", "2", "--io-latency", "500", "--timeout", "3", "--json", str(out),
                      str(corpus_copy)], tmp_path)  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "--timeout 3 s reached" in done.stderr
    document = json.loads(out.read_text())
    assert document["complete"] is False
    assert [run["strategy"] for run in document["runs"]] == ["sync"]
    sync = document["runs"][0]
    assert 0 < sync["calls"] < 593 and sync["complete"] is False and sync["config"]["launch"] == 1
    assert launch_children(since) == []
