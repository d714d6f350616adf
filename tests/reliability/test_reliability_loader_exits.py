"""Loaders that leave: ``os._exit``, ``sys.exit``, ``KeyboardInterrupt``, threads and processes left running; and a
loader that changes a dict after returning it. A real ``exifbench run`` each (a loader that ends the process would
end the test's too)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest

from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench

EXIFBENCH = str(Path(sys.executable).with_name("exifbench"))
REPO = Path(__file__).resolve().parents[2]
GENEROUS_S = 300  # against a hang only


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``exifbench run ARGS``; its output through files, not pipes (a child it leaves would hold a pipe open)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        done = subprocess.run([EXIFBENCH, "run", *args], cwd=REPO, stdout=out, stderr=err, text=True, timeout=GENEROUS_S,
                              env={**os.environ, "COLUMNS": "300", **(env or {})})  # fmt: skip
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(done.args, done.returncode, out.read(), err.read())


@pytest.mark.parametrize("loader", ["ExitsZero", "SysExitZero", "RaisesInterrupt"])
def test_a_loader_that_exits_or_interrupts_fails_alone_and_the_rest_is_written(loader: str, corpus_copy: Path,
                                                                              tmp_path: Path) -> None:  # fmt: skip
    """Before: exit 0 with no document (``os._exit(0)``, ``sys.exit(0)``), or 130 and every measured run lost
    (``KeyboardInterrupt``)."""
    out = tmp_path / "r.json"
    done = run_cli("-s", f"sync,tests.faulty_loaders:{loader},threadpool", "--json", str(out), str(corpus_copy))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    document = json.loads(out.read_text())
    (failure,) = document["failed"]
    assert failure["strategy"] == f"tests.faulty_loaders:{loader}" and not document["complete"]
    expected = {"ExitsZero": "ExitCalled: os._exit(0) called", "SysExitZero": "raised SystemExit",
                "RaisesInterrupt": "the loader raised KeyboardInterrupt"}[loader]  # fmt: skip
    assert expected in failure["error"] and expected in " ".join(done.stderr.split())
    measured = [run["strategy"] for run in document["runs"]]
    assert measured == (["sync"] if loader == "RaisesInterrupt" else ["sync", "threadpool"])  # an interrupt stops there
    assert all(run["equality"]["equal"] == run["equality"]["checked"] for run in document["runs"])


@pytest.mark.parametrize("how", ["os-exit", "sys-exit"])
def test_a_strategy_module_that_exits_on_import_is_one_line(how: str, corpus_copy: Path) -> None:
    env = {"EXIFBENCH_TEST_SYS_EXIT": "1"} if how == "sys-exit" else {}
    done = run_cli("-s", "sync,tests.exits_on_import:Loader", str(corpus_copy), env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stdout + done.stderr
    assert "cannot import 'tests.exits_on_import'" in done.stderr
    assert ("SystemExit" if how == "sys-exit" else "os._exit(0) called") in done.stderr


@pytest.mark.parametrize("loader", ["LeavesAThread", "LeavesAProcess"])
def test_threads_and_processes_left_running_are_named_and_not_waited_for(loader: str, corpus_copy: Path,
                                                                         tmp_path: Path) -> None:  # fmt: skip
    """Before: ``run`` wrote its document and then never exited (the interpreter joins non-daemon threads and
    multiprocessing children), or exited 0 leaving the child running, saying nothing."""
    out = tmp_path / "r.json"
    done = run_cli("-s", f"sync,tests.faulty_loaders:{loader}", "--json", str(out), str(corpus_copy))
    leftover = [int(pid) for pid in re.findall(r"process (\d+) ", done.stderr)]
    try:
        assert done.returncode == 1, done.stderr
        assert "left running by a loader, not waited for: " in done.stderr
        assert ("thread 'never-ends'" if loader == "LeavesAThread" else "process ") in done.stderr
        assert json.loads(out.read_text())["complete"]
        assert len(leftover) == (loader == "LeavesAProcess")
    finally:
        for pid in leftover:
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()


def test_a_dict_filled_after_it_was_returned_is_judged_as_returned(corpus_copy: Path) -> None:
    """A loader answering ``{}`` and filling that same dict 50 ms later was "all equal": the comparison read the
    dict after the fact. What a caller got is what it got."""
    folder = scan(corpus_copy)
    runs = run_bench(BenchConfig(["sync", "tests.faulty_loaders:FillsLater"]), folder, startup_pattern(len(folder.files)))
    sync, late = runs.runs
    assert sync.equality.equal == sync.equality.checked == late.equality.checked > 0
    assert late.equality.equal < late.equality.checked
    assert {m.actual for m in late.equality.mismatches} == {"<missing>"}  # every tag was missing when answered


def test_a_wrong_first_answer_is_judged_however_right_the_last(corpus_copy: Path) -> None:
    """A loader giving each file another file's EXIF first, then the right one on every later call, was "all
    equal": only each file's final answer was compared. The app showed the wrong EXIF."""
    folder = scan(corpus_copy)
    pattern = startup_pattern(len(folder.files))
    _, wrong = run_bench(BenchConfig(["sync", "tests.faulty_loaders:AnotherFilesFirst"]), folder, pattern).runs
    first = sorted(folder.files)[0]  # the one file nothing was answered before
    assert wrong.equality.checked == len(folder.files) and wrong.equality.equal <= 2, wrong.equality
    assert str(first) not in {m.path for m in wrong.equality.mismatches}


def test_timeout_ends_a_run_whose_loader_holds_the_interpreter(corpus_copy: Path, tmp_path: Path) -> None:
    """A C call that never gives up the GIL stops every thread of the process, --timeout's and the watchdog's
    included: before, the run never ended. Now a watchdog process kills it (timeout + 2 × the stop grace)."""
    done = run_cli("-s", "tests.faulty_loaders:HoldsTheGil", "--timeout", "3", "--json", str(tmp_path / "r.json"),
                   str(corpus_copy), env={"EXIFBENCH_TEST_READY": str(tmp_path / "ready")})  # fmt: skip
    assert (tmp_path / "ready").exists(), done.stderr  # it did get stuck
    assert done.returncode == -9, done.stderr
    assert "exifbench: --timeout 3 s passed 20 s ago and the run has not given up the interpreter" in " ".join(done.stderr.split())


def test_timeout_bounds_a_strategy_import_that_takes_an_hour(corpus_copy: Path) -> None:
    """The strategies were imported before --timeout started counting."""
    done = run_cli("-s", "sync,tests.slow_import:Loader", "--timeout", "1", str(corpus_copy))
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
    assert "stopped while importing the strategies: nothing was measured" in done.stderr
