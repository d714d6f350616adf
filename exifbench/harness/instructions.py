"""CPU instruction counts of a loader's work, under ``valgrind --tool=callgrind``: the gate's exact tier.

A small driver process (``python -m exifbench.harness.instructions SPEC``) builds the loader with
exifbench's reader on local storage and calls :func:`os.getsid` between its phases; callgrind runs
it with ``--dump-before=getsid`` and ``--separate-threads=yes``, so every phase is its own dump per
thread and only the phase's own instructions — the loader's code and the reader's, not Python's
start-up nor the harness — are in it. One driver run per measurement, its phases in order:

- first reads (every thread's dump summed): each file's first ``load_exif(path, blocking=True)``
  (then ``wait_idle`` when the loader has it);
- cached calls (every thread summed): ``load_exif(path)`` over every file, :data:`CACHED_ROUNDS` times;
- then the loader is closed and a second one built (not counted), and the replay (the main
  thread's dump only): ``preload`` and the pattern's calls back to back, without think times and
  all non-blocking (whether a blocking call reads depends on whether a background read got there
  first; a read's own cost is ``cpu_first_read``) — what the main thread pays per replay.

Counts repeat to within ~0.1% (hash seed fixed; the rest is the interpreter's own variation and,
in the replay, which calls find their file ready); the gate measures each side twice and says when
they differ by more than its tolerance. Work in child processes (``process``) is not counted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from exifbench.errors import ExifbenchError
from exifbench.harness.sides import Side, import_root

MARKER = "getsid"
"""The C function the driver calls between phases (through :func:`os.getsid`): nothing else here calls it."""
CACHED_ROUNDS = 5
"""Cached calls per file."""
FILES = 20
"""The fixed set: the first files of the folder's listing."""
MEASURES = ("cpu_first_read", "cpu_cached_call", "cpu_main_replay")
SWITCH_INTERVAL_S = 1000.0
"""In ``replay``: the main thread keeps the GIL until it waits (no forced switches at timed intervals)."""
TIMEOUT_S = 900.0
"""A driver that runs longer than this is stopped (a loader that never returns)."""


def valgrind() -> str:
    """The ``valgrind`` executable, or a user error saying how to get it."""
    found = shutil.which("valgrind")
    if found is None:
        raise ExifbenchError("the exact CPU tier needs valgrind (Debian: apt-get install valgrind, or make system); "
                             "or leave it out with --tiers ab")  # fmt: skip
    return found


def measure(side: Side, strategy: str, files: Sequence[str], calls: Sequence[str]) -> dict[str, float]:
    """One measurement of :data:`MEASURES` for ``strategy`` as ``side`` has it: instructions per first read,
    per cached call, and on the main thread per replay."""
    with tempfile.TemporaryDirectory(prefix="exifbench-callgrind-") as tmp:
        first, cached, replay = _run(side, {"strategy": strategy, "files": list(files), "calls": list(calls)}, Path(tmp))
    return {
        "cpu_first_read": first / len(files),
        "cpu_cached_call": cached / (len(files) * CACHED_ROUNDS),
        "cpu_main_replay": float(replay),
    }


def _run(side: Side, spec: Mapping[str, Any], out: Path) -> tuple[int, int, int]:
    """Run the driver under callgrind: the instructions of the first reads and of the cached calls (every thread),
    and of the replay (the main thread)."""
    spec_path = out / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    command = [valgrind(), "--tool=callgrind", f"--dump-before={MARKER}", f"--callgrind-out-file={out}/cg.out",
               "--separate-threads=yes", "--dump-instr=no",
               *side.command("exifbench.harness.instructions", str(spec_path))]  # fmt: skip
    try:
        done = side.children.run(command, side.root, side.env(PYTHONHASHSEED="0"), TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ExifbenchError(f"{side.label}: {spec['strategy']} under callgrind did not finish in {TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("==")]
        why = lines[-1] if lines else f"exit {done.returncode}"
        raise ExifbenchError(f"{side.label}: {spec['strategy']} under callgrind failed: {why}")
    return phases(out)


PHASE_DUMPS = {"first": 2, "cached": 3, "replay": 5}
"""The dump of each phase: 1 is start-up, 4 closing the first loader and building the second."""


def phases(out: Path) -> tuple[int, int, int]:
    """The first reads' and the cached calls' totals over every thread, and the replay's main-thread total."""

    def total(number: int, threads: str) -> int:
        dumps = sorted(out.glob(f"cg.out.{number}-{threads}"))
        if not dumps:
            raise ExifbenchError(f"{out}: callgrind wrote no dump {number} (was {MARKER} seen?)")
        return sum(_total(dump) for dump in dumps)

    return total(PHASE_DUMPS["first"], "*"), total(PHASE_DUMPS["cached"], "*"), total(PHASE_DUMPS["replay"], "01")


def _total(dump: Path) -> int:
    for line in dump.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise ExifbenchError(f"{dump}: no totals line")


def drive(spec: Mapping[str, Any]) -> None:
    """The driver's phases, each between two markers (see the module docstring)."""
    from exifbench.strategies import create
    from exifbench.strategies.base import BackgroundWork

    files: list[str] = spec["files"]
    with create(spec["strategy"]) as loader:
        os.getsid(0)
        for path in files:
            loader.load_exif(path, blocking=True)
        if isinstance(loader, BackgroundWork):
            loader.wait_idle()
        os.getsid(0)
        for _ in range(CACHED_ROUNDS):
            for path in files:
                loader.load_exif(path)
        os.getsid(0)
    with create(spec["strategy"]) as loader:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        os.getsid(0)
        loader.preload(files)
        for path in spec["calls"]:
            loader.load_exif(path)
        os.getsid(0)


def main(argv: Sequence[str]) -> int:
    """``python -P -m exifbench.harness.instructions ROOT SPEC``: ``ROOT`` first on ``sys.path``."""
    import_root(argv[0])
    drive(json.loads(Path(argv[1]).read_text(encoding="utf-8")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
