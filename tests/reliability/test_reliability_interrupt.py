"""Interrupted runs: SIGINT / SIGTERM / ``--timeout`` stop a real ``exifbench run`` early, leave no processes
behind and still write ``complete: false`` with what was measured; output files are written atomically.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import psutil
import pytest

from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors import ExifRead
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.reports.documents.runs import RunSet
from exifbench import files
from exifbench.files import write_atomic
from exifbench.strategies.base import Exif
from exifbench.strategies.process import ProcessPoolLoader
from exifbench.strategies.sync import SyncLoader

EXIFBENCH = str(Path(sys.executable).with_name("exifbench"))
READY = "EXIFBENCH_TEST_READY"
GENEROUS_S = 60.0  # upper bounds against hangs only
LATENCY_MS = "500"  # the storage model: a full run would take minutes


class ReadyLoader(SyncLoader):
    """``sync`` that touches ``$EXIFBENCH_TEST_READY`` on its first call: the replay has started."""

    def load_exif(self, path: str, blocking: bool = False) -> Exif:
        Path(os.environ[READY]).touch()
        return super().load_exif(path, blocking)


class ReadyProcessLoader(ProcessPoolLoader):
    """``process`` that touches ``$EXIFBENCH_TEST_READY`` when a first file is read: the workers are busy reading the next."""

    def _finish(self, path: str, outcome: Future[Exif], read: Future[ExifRead]) -> None:
        super()._finish(path, outcome, read)
        Path(os.environ[READY]).touch()


def start(args: Sequence[str], tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    ready = tmp_path / "ready"
    env = {**os.environ, READY: str(ready), "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), *sys.path])}
    proc = subprocess.Popen([EXIFBENCH, "run", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip
    return proc, ready


def wait_ready(proc: subprocess.Popen[str], ready: Path) -> None:
    deadline = time.monotonic() + GENEROUS_S
    while not ready.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the replay never started"
        time.sleep(0.02)


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def assert_all_gone(processes: list[psutil.Process]) -> None:
    """Every process the run started has exited (the forkserver and tracker do once their parent has)."""

    def alive() -> list[psutil.Process]:
        found = []
        for process in processes:
            try:
                if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                    found.append(process)
            except psutil.NoSuchProcess:
                continue
        return found

    deadline = time.monotonic() + GENEROUS_S
    while alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert alive() == []


@pytest.mark.parametrize(
    ("signum", "whole_group", "loader"),
    [
        (signal.SIGINT, False, "ReadyLoader"),
        (signal.SIGTERM, False, "ReadyLoader"),
        (signal.SIGINT, False, "ReadyProcessLoader"),
        (signal.SIGINT, True, "ReadyProcessLoader"),  # Ctrl-C in a terminal: every process of the group gets it
        (signal.SIGTERM, False, "ReadyProcessLoader"),
        (signal.SIGTERM, True, "ReadyProcessLoader"),  # e.g. systemd stopping a service: workers die too
    ],
    ids=["sigint-sync", "sigterm-sync", "sigint-process", "ctrl-c-process-group", "sigterm-process", "sigterm-process-group"],
)
def test_a_signal_stops_the_run_and_keeps_what_was_measured(
    signum: signal.Signals, whole_group: bool, loader: str, corpus_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    strategies = f"test_reliability_interrupt:{loader},threadpool"
    proc, ready = start([str(corpus_copy), "-s", strategies, "--workers", "2", "--io-latency", LATENCY_MS,
                         "--json", str(out)], tmp_path)  # fmt: skip
    wait_ready(proc, ready)
    started = descendants(proc.pid)
    if whole_group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=GENEROUS_S)
    assert proc.returncode == 3, stderr  # interrupted: partial results, exit 3
    assert f"{signal.Signals(signum).name}: stopping" in stderr and "Traceback" not in stderr
    assert_all_gone(started)

    doc = json.loads(out.read_text())
    assert doc["complete"] is False
    runs = RunSet.from_dict(doc).runs
    assert [run.strategy for run in runs] == [strategies.split(",")[0]]  # threadpool never started
    run = runs[0]
    assert run.complete is False and run.calls > 0
    # stopped before the last call, or (loads in the background) before every file was ready
    assert run.calls < len(startup_pattern(run.images).calls) or run.equality.checked < run.images
    assert run.equality.checked == run.equality.equal, run.equality.mismatches[:3]
    # no file is blamed for the interruption; a worker killed by the group's SIGTERM is a retried read
    assert all(e.error == "retried after a worker crash: read on retry" for e in run.errors), run.errors


def test_kill_9_during_a_process_run_leaves_no_process_of_it(corpus_copy: Path, tmp_path: Path) -> None:
    """Nothing can run in a process killed with SIGKILL: its workers end themselves (they watch it), and then the
    fork server and the resource tracker end as they do when their last client is gone."""
    proc, ready = start([str(corpus_copy), "-s", "test_reliability_interrupt:ReadyProcessLoader", "--no-reference",
                         "--workers", "2", "--io-latency", LATENCY_MS, "--json", str(tmp_path / "r.json")], tmp_path)  # fmt: skip
    started: list[psutil.Process] = []
    try:
        wait_ready(proc, ready)  # the workers are reading
        started = descendants(proc.pid)
        assert sum("forkserver" in command_line(p) for p in started) >= 3  # the server and its 2 workers
        proc.kill()
        proc.wait(timeout=GENEROUS_S)
        assert_all_gone(started)
    finally:
        for process in [*descendants(proc.pid), *started]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()  # what a failing run left must not outlive the test


def pool_stage(pid: int) -> str:
    """How far the run ``pid``'s process pool has started: ``none``, ``server`` (the fork server is importing the
    reader), ``workers`` (it has forked some)."""
    servers = [p for p in descendants(pid) if "multiprocessing.forkserver" in command_line(p)]
    if not servers:
        return "none"
    return "workers" if any(descendants(server.pid) for server in servers) else "server"


def command_line(process: psutil.Process) -> str:
    """``process``'s command line, empty once it has gone."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


@pytest.mark.parametrize(("signum", "stage"), [(signal.SIGINT, "server"), (signal.SIGINT, "workers"), (signal.SIGTERM, "server")],
                         ids=["ctrl-c-server", "ctrl-c-workers", "sigterm-server"])
def test_a_stop_while_a_process_pool_starts_stops_at_once_and_quietly(signum: signal.Signals, stage: str,
                                                                      corpus_copy: Path, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) or a service stop (SIGTERM) to the whole process group while the fork server imports, or
    while its workers start: exit 3, the three lines of any stop and no traceback from any process, nothing left
    running. (The SIGTERM kills the fork server: the pool's start fails because of the stop, not the loader.)"""
    out = tmp_path / "r.json"
    proc, _ = start([str(corpus_copy), "-s", "process", "--no-reference", "--workers", "2", "--io-latency", LATENCY_MS,
                     "--json", str(out)], tmp_path)  # fmt: skip
    started: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + GENEROUS_S
        while (now := pool_stage(proc.pid)) != stage:
            assert now in ("none", "server") and proc.poll() is None, (now, proc.communicate())
            assert time.monotonic() < deadline, f"the pool never reached {stage}"
            time.sleep(0.005)
        started = descendants(proc.pid)
        os.killpg(proc.pid, signum)
        _, stderr = proc.communicate(timeout=GENEROUS_S)
        assert proc.returncode == 3, stderr
        assert stderr.splitlines() == [f"{signal.Signals(signum).name}: stopping, keeping what was measured…",
                                       "interrupted: results are incomplete (complete: false)",
                                       "exit 3: interrupted or timed out: the results are partial"]  # fmt: skip
        assert json.loads(out.read_text())["complete"] is False
        assert_all_gone(started)
    finally:
        for process in [*descendants(proc.pid), *started]:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        proc.kill()


def test_timeout_bounds_the_whole_run(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    # 10 s: past the run's start-up (scan, mount, the untimed baseline) even on a loaded machine, and well inside
    # sync's own replay (88 first reads at 500 ms each)
    proc, _ = start([str(corpus_copy), "-s", "sync,threadpool,lazy,process", "--io-latency", LATENCY_MS,
                     "--timeout", "10", "--json", str(out)], tmp_path)  # fmt: skip
    _, stderr = proc.communicate(timeout=GENEROUS_S)
    assert proc.returncode == 3, stderr  # timed out: partial results, exit 3
    assert "--timeout 10 s reached" in stderr
    doc = json.loads(out.read_text())
    assert doc["complete"] is False
    assert [run["strategy"] for run in doc["runs"]] == ["sync"]
    assert doc["runs"][0]["calls"] < len(startup_pattern(doc["runs"][0]["images"]).calls)


def test_write_atomic_never_leaves_a_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.json"
    target.write_text("previous")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(ExifbenchError, match=r"results\.json: cannot write \(No space left on device\)"):
        write_atomic(target, "new content " * 10_000)
    assert target.read_text() == "previous" and os.listdir(tmp_path) == ["results.json"]

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt  # Ctrl-C between writing and renaming

    monkeypatch.undo()
    monkeypatch.setattr(files.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "new.json", "half")
    assert target.read_text() == "previous" and os.listdir(tmp_path) == ["results.json"]


def test_existing_files_are_kept_without_force(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_text("previous")
    with pytest.raises(ExifbenchError, match=r"results\.json: already exists \(use --force to overwrite\)"):
        write_atomic(target, "new", force=False)
    with pytest.raises(ExifbenchError, match="already exists"):
        RunSet().save(target, force=False)
    assert target.read_text() == "previous" and os.listdir(tmp_path) == ["results.json"]
    assert write_atomic(target, "new").read_text() == "new"


def test_an_unwritable_output_path_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ExifbenchError, match="a-file"):
        write_atomic(tmp_path / "a-file" / "results.json", "{}")


def sparse_jpeg(path: Path, size: int = 2 * 2**30) -> Path:
    """A JPEG header, then ``size`` bytes of zeros that take no disk (Pillow scans them for minutes)."""
    with path.open("wb") as handle:
        handle.write(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        handle.truncate(size)
    return path


def wait_for_open(proc: subprocess.Popen[str], path: Path) -> None:
    """Until ``proc`` has ``path`` open (it is reading it)."""
    deadline = time.monotonic() + GENEROUS_S
    while str(path) not in {f.path for f in psutil.Process(proc.pid).open_files()}:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} was never opened"
        time.sleep(0.05)


def stopped_run(args: list[str], how: str, timeout_s: str, started: Callable[[subprocess.Popen[str], Path], None],
                tmp_path: Path) -> tuple[dict[str, Any], str]:
    """Run ``exifbench run ARGS --json``, stopped by ``--timeout`` or by one Ctrl-C once ``started`` returns;
    it must exit 3 (interrupted) without a traceback. Returns the JSON document and stderr."""
    out = tmp_path / "r.json"
    stop = ["--timeout", timeout_s] if how == "timeout" else []
    proc, ready = start([*args, "--json", str(out), *stop], tmp_path)
    try:
        if how == "ctrl-c":
            started(proc, ready)
            proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=GENEROUS_S)
    finally:
        proc.kill()  # a run that did not stop must not outlive the test
    assert proc.returncode == 3 and "Traceback" not in stderr, stderr  # interrupted: partial results, exit 3
    return json.loads(out.read_text()), stderr


@pytest.mark.parametrize("how", ["timeout", "ctrl-c"])
def test_a_2gb_sparse_jpeg_in_the_untimed_baseline_honours_stop(how: str, corpus_copy: Path, tmp_path: Path) -> None:
    sparse = sparse_jpeg(corpus_copy / "Zz-sparse.jpg")
    args = [str(corpus_copy), "-s", "sync,threadpool"]
    doc, _ = stopped_run(args, how, "2", lambda proc, _: wait_for_open(proc, sparse), tmp_path)
    assert doc["complete"] is False and doc["runs"] == []  # stopped while the baseline was still reading


@pytest.mark.parametrize("how", ["timeout", "ctrl-c"])
def test_a_loader_stuck_in_one_call_is_interrupted_and_the_rest_written(how: str, corpus_copy: Path, tmp_path: Path) -> None:
    doc, stderr = stopped_run([str(corpus_copy), "-s", "sync,faulty_loaders:Hangs"], how, "3", wait_ready, tmp_path)
    assert "still inside one call 10 s after stopping: interrupting it" in stderr
    assert doc["complete"] is False
    assert [(run["strategy"], run["complete"]) for run in doc["runs"]] == [("sync", True)]
