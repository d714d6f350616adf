"""``gate --base``: a loader at two git revisions, in worktrees, measured in child processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness import continuous, instructions
from exifbench.harness.sides import Side
from slow_strategies import fake_run

LOADER = '''
from typing import Any

EXTRA = {extra}


class Loader:
    def __init__(self, reader: Any) -> None:
        self._read, self._cache = reader, {{}}

    def load_exif(self, path: str, blocking: bool = False) -> Any:
        if path not in self._cache:
            self._cache[path] = self._read.load(path)
            total = 0
            for step in range(EXTRA):
                total += step
        return self._cache[path]

    def preload(self, paths: Any, priority: Any = None) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "Loader":
        return self

    def __exit__(self, *exc: object) -> None:
        pass
'''


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@e", "-c", "user.name=t", *args], check=True,
                   capture_output=True)  # fmt: skip


def repository(tmp_path: Path, extras: tuple[int, ...]) -> Path:
    """A git repository holding ``app/loader.py``, one commit per busy-work figure."""
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "__init__.py").write_text("", encoding="utf-8")
    git(repo, "init", "-q")
    for extra in extras:
        (repo / "app" / "loader.py").write_text(LOADER.format(extra=extra), encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", f"EXTRA {extra}")
    return repo


def photos(corpus_dir: Path, into: Path, count: int) -> Path:
    into.mkdir()
    for image in sorted((corpus_dir / "jpg").glob("*.jpg"))[:count]:
        shutil.copyfile(image, into / image.name)
    return into


def test_base_vs_head_in_one_command_from_a_fresh_clone(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repository(tmp_path, (0, 0))
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    folder = photos(corpus_dir, tmp_path / "photos", 4)
    monkeypatch.chdir(clone)
    verdict = tmp_path / "verdict.json"
    result = CliRunner().invoke(app, ["gate", "--base", "HEAD~1", "-s", "app.loader:Loader", str(folder), "--tiers", "ab",
                                      "--repeat", "1", "--metric", "blocking", "--allow-inconclusive",
                                      "--verdict-json", str(verdict)])  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(verdict.read_text(encoding="utf-8"))
    assert data["mode"] == "revisions" and data["context"]["head"] == "working tree"
    assert len(data["context"]["base"]) == 40
    (blocking,) = data["comparisons"]
    assert blocking["candidate"] == "app.loader:Loader (head)" and blocking["reference"] == "app.loader:Loader (base)"
    assert "NOT JUDGED io_requests: no I/O counts" in result.output  # local storage: no mount
    assert {"load_1m_before", "steal_share"} <= set(data["context"]["load"])
    listed = subprocess.run(["git", "-C", str(clone), "worktree", "list"], capture_output=True, text=True, check=True)
    assert len(listed.stdout.strip().splitlines()) == 1  # the temporary worktree is gone


def test_instruction_counts_see_a_slower_loader_and_repeat(corpus_dir: Path, tmp_path: Path) -> None:
    """Under callgrind (one driver run per measurement, 3 at once): the same code counts the same; 1,000 loop
    steps per read count ~10% more."""
    repo = repository(tmp_path, (0,))
    slower = repository(tmp_path / "slower", (1000,))
    files = [str(path) for path in sorted(photos(corpus_dir, tmp_path / "photos", 2).iterdir())]
    sides = (Side("base", repo), Side("base", repo), Side("head", slower))
    with ThreadPoolExecutor(max_workers=3) as pool:
        first, again, slow = pool.map(lambda side: instructions.measure(side, "app.loader:Loader", files, files), sides)
    assert abs(again["cpu_first_read"] / first["cpu_first_read"] - 1) < 0.001
    assert again["cpu_cached_call"] == pytest.approx(first["cpu_cached_call"], rel=0.001)
    assert again["cpu_main_replay"] == pytest.approx(first["cpu_main_replay"], rel=0.001)
    assert slow["cpu_first_read"] > first["cpu_first_read"] * 1.05
    assert slow["cpu_main_replay"] > first["cpu_main_replay"] * 1.05  # its calls read on the main thread
    # no busy-work when cached: only the phase's few fixed instructions (marker, loop set-up) may differ
    assert slow["cpu_cached_call"] < first["cpu_cached_call"] * 1.10


def gate_in(repo: Path, folder: Path, tmp: Path, *options: str) -> subprocess.Popen[str]:
    """``exifbench gate --base HEAD~1`` in ``repo`` as a child in its own process group, temporary files in ``tmp``."""
    tmp.mkdir()
    command = [sys.executable, "-m", "exifbench.cli.side_run", str(repo), "gate", "--base", "HEAD~1",
               "-s", "app.loader:Loader", str(folder), *options]  # fmt: skip
    return subprocess.Popen(command, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "TMPDIR": str(tmp)}, start_new_session=True)  # fmt: skip


@pytest.mark.parametrize(("signum", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)], ids=["ctrl-c", "sigterm"])
def test_a_gate_stopped_mid_run_removes_its_worktrees_and_exits_3(
    corpus_dir: Path, tmp_path: Path, signum: signal.Signals, group: bool
) -> None:
    """Ctrl-C (SIGINT to the whole process group) or SIGTERM to the gate alone, once its first A/B pair is done."""
    repo = repository(tmp_path, (0, 0))
    process = gate_in(repo, photos(corpus_dir, tmp_path / "photos", 2), tmp_path / "tmp", "--tiers", "ab",
                      "--repeat", "20")  # fmt: skip
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if "pair 0 of 20 done" in line:
            break
    (os.killpg if group else os.kill)(process.pid, signum)
    rest = process.stdout.read()
    assert process.wait(timeout=60) == 3, "".join(seen) + rest
    assert f"{signum.name}: stopped, nothing judged (the worktrees are removed)" in rest
    assert "Traceback" not in rest
    listed = subprocess.run(["git", "-C", str(repo), "worktree", "list"], capture_output=True, text=True, check=True)
    assert len(listed.stdout.strip().splitlines()) == 1, listed.stdout
    assert list((tmp_path / "tmp").iterdir()) == []  # no temporary worktree, run or callgrind directory left


@pytest.mark.parametrize("repeat", [None, 6], ids=["auto", "fixed"])
def test_ab_pairs_undecided_at_the_cap_pass_only_in_auto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         repeat: int | None) -> None:  # fmt: skip
    """Head +30 ms on noisy runs (no child processes: each run is made up): never significant; --repeat auto stops
    at --max-repeat and passes it, a fixed --repeat leaves it inconclusive."""
    made: list[str] = []

    def made_up(gate: continuous.RevisionGate, side: Side, out: Path) -> Any:
        made.append(side.label)
        return fake_run(side.label, (0.130 if side.label == "head" else 0.100) + ((len(made) - 1) // 2 % 2) * 0.060)

    monkeypatch.setattr(continuous, "run_side", made_up)
    gate = continuous.RevisionGate("app:Loader", None, startup_pattern(images=4), metrics=("blocking",), repeat=repeat,
                                   max_repeat=6)  # fmt: skip
    found, _, runs = continuous.ab_tier(gate, Side("base", tmp_path), Side("head", tmp_path), ("head", "base"), tmp_path,
                                        lambda line: None)  # fmt: skip
    (blocking,) = [c for c in found if c.metric == "blocking"]
    assert len(runs.of("head")) == 6 and len(made) == 14  # a warm-up pair, then 6
    assert blocking.status == ("pass" if repeat is None else "inconclusive")
    assert blocking.ratio > 1.1
