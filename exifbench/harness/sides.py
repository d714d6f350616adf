"""The two sides of ``gate --base``: a git worktree per revision, and the child processes that import from it.

Each side's children run ``python -P -m exifbench... ROOT ...``: exifbench itself is imported as
installed (``-P``: not from the cwd), then ``ROOT`` — the side's worktree, at the caller's
subdirectory — goes first on ``sys.path``, so ``-s module:Class`` imports that revision's loader.
Nothing is installed: a loader that needs its package built is out of reach of this mode.

Every child of a gate is started through one :class:`Children`: :meth:`Children.stop` (the CLI calls it
on SIGINT or SIGTERM) asks them all to end (SIGTERM, then SIGKILL after :data:`STOP_GRACE_S`), no
new one starts, and whatever was waiting for one raises :class:`Interrupted`; the worktrees are then
removed as on any other way out. git itself runs in its own session, so a Ctrl-C at the terminal does
not kill a ``git worktree add`` or ``remove`` halfway.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from exifbench.errors import ExifbenchError

GIT_TIMEOUT_S = 120.0
STOP_GRACE_S = 15.0
"""How long a stopped child may take to end (an ``exifbench run`` unmounting its storage) before it is killed."""


class Interrupted(Exception):
    """The gate was stopped (:meth:`Children.stop`): nothing is judged."""


class Children:
    """The child processes of one gate: each started by :meth:`run`, all ended at once by :meth:`stop`."""

    def __init__(self) -> None:
        self.stopped: str | None = None
        """Why the gate stopped (e.g. ``SIGINT``), once it has."""
        self._live: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()

    def run(self, command: Sequence[str], cwd: Path, env: dict[str, str], timeout_s: float) -> subprocess.CompletedProcess[str]:
        """Run ``command`` to its end, its output captured; :class:`Interrupted` if the gate is or gets stopped,
        :class:`subprocess.TimeoutExpired` (the child killed) after ``timeout_s``."""
        with self._lock:
            if self.stopped is not None:
                raise Interrupted(self.stopped)
            process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True)  # fmt: skip
            self._live.add(process)
        try:
            stdout, stderr = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
        finally:
            with self._lock:
                self._live.discard(process)
        if self.stopped is not None:
            raise Interrupted(self.stopped)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def stop(self, why: str) -> None:
        """End every child: SIGTERM now, SIGKILL to those left after :data:`STOP_GRACE_S` (at once when called again).
        Safe in a signal handler: it takes no lock."""
        again = self.stopped is not None
        self.stopped = self.stopped or why
        self._signal(signal.SIGKILL if again else signal.SIGTERM)
        if not again:
            timer = threading.Timer(STOP_GRACE_S, self._signal, (signal.SIGKILL,))
            timer.daemon = True
            timer.start()

    def _signal(self, signum: int) -> None:
        for process in list(self._live):
            if process.poll() is None:
                try:
                    process.send_signal(signum)
                except OSError:  # it ended meanwhile
                    pass


@dataclass(frozen=True)
class Side:
    """Where one side's loader is imported from (``root`` is also the children's cwd), and its revision."""

    label: str
    root: Path
    revision: str = "working tree"
    children: Children = field(default_factory=Children, compare=False, repr=False)
    """Every child process of this side starts here (both sides of a gate share one)."""

    def command(self, module: str, *args: str) -> list[str]:
        """``python -P -m module ROOT args...`` (the module calls :func:`import_root` with ``ROOT``)."""
        return [sys.executable, "-P", "-m", module, str(self.root), *args]

    def env(self, **extra: str) -> dict[str, str]:
        """The children's environment: this one, bytecode not written into the worktree, plus ``extra``."""
        return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def import_root(root: str) -> None:
    """Put a side's ``root`` first on ``sys.path`` (after exifbench itself was imported)."""
    sys.path.insert(0, root)


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=GIT_TIMEOUT_S,
                              check=False, start_new_session=True)  # fmt: skip
    except FileNotFoundError:
        raise ExifbenchError("gate --base needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise ExifbenchError(f"git {' '.join(args)}: no answer in {GIT_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit {done.returncode}"]
        raise ExifbenchError(f"git {' '.join(args)}: {lines[-1]}")
    return done.stdout.strip()


def commit_of(repo: Path, revision: str) -> str:
    """The commit ``revision`` names in ``repo`` (a user error naming it if none)."""
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except ExifbenchError:
        raise ExifbenchError(f"--base/--head {revision!r}: not a commit in {repo}") from None


@contextmanager
def sides(cwd: Path, base: str, head: str | None, children: Children | None = None) -> Iterator[tuple[Side, Side]]:
    """(base, head) sides: a detached worktree of each revision in a temporary directory (``head`` ``None``:
    the working tree as it is), removed on the way out, also when ``children`` is stopped."""
    children = children or Children()
    top = Path(_git(cwd, "rev-parse", "--show-toplevel"))
    inside = cwd.resolve().relative_to(top.resolve())
    commits = {"base": commit_of(top, base), "head": commit_of(top, head) if head is not None else None}
    with tempfile.TemporaryDirectory(prefix="exifbench-gate-") as tmp:
        made: list[Path] = []
        try:
            found: dict[str, Side] = {}
            for label, commit in commits.items():
                if commit is None:
                    found[label] = Side(label, cwd.resolve(), children=children)
                    continue
                tree = Path(tmp) / label
                made.append(tree)  # before it exists: a stop during the add still removes what git made
                _git(top, "worktree", "add", "--detach", "--quiet", str(tree), commit)
                found[label] = Side(label, tree / inside, commit, children)
                if children.stopped is not None:
                    raise Interrupted(children.stopped)
            yield found["base"], found["head"]
        finally:
            for tree in made:
                if not tree.exists():
                    continue
                try:
                    _git(top, "worktree", "remove", "--force", str(tree))
                except ExifbenchError:
                    pass  # the temporary directory goes anyway; prune forgets it below
            if made:
                _git(top, "worktree", "prune")
