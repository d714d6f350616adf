"""The two sides of ``gate --base``: a git worktree per revision, and the child processes that import from it.

Each side's children run ``python -P -m exifbench... ROOT ...``: exifbench itself is imported as
installed (``-P``: not from the cwd), then ``ROOT`` — the side's worktree, at the caller's
subdirectory — goes first on ``sys.path``, so ``-s module:Class`` imports that revision's loader.
Nothing is installed: a loader that needs its package built is out of reach of this mode.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from exifbench.errors import ExifbenchError

GIT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Side:
    """Where one side's loader is imported from (``root`` is also the children's cwd), and its revision."""

    label: str
    root: Path
    revision: str = "working tree"

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
                              check=False)  # fmt: skip
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
def sides(cwd: Path, base: str, head: str | None) -> Iterator[tuple[Side, Side]]:
    """(base, head) sides: a detached worktree of each revision in a temporary directory (``head`` ``None``:
    the working tree as it is), removed on the way out."""
    top = Path(_git(cwd, "rev-parse", "--show-toplevel"))
    inside = cwd.resolve().relative_to(top.resolve())
    commits = {"base": commit_of(top, base), "head": commit_of(top, head) if head is not None else None}
    with tempfile.TemporaryDirectory(prefix="exifbench-gate-") as tmp:
        made: list[Path] = []
        try:
            found: dict[str, Side] = {}
            for label, commit in commits.items():
                if commit is None:
                    found[label] = Side(label, cwd.resolve())
                    continue
                tree = Path(tmp) / label
                _git(top, "worktree", "add", "--detach", "--quiet", str(tree), commit)
                made.append(tree)
                found[label] = Side(label, tree / inside, commit)
            yield found["base"], found["head"]
        finally:
            for tree in made:
                try:
                    _git(top, "worktree", "remove", "--force", str(tree))
                except ExifbenchError:
                    pass  # the temporary directory goes anyway; prune forgets it below
            if made:
                _git(top, "worktree", "prune")
