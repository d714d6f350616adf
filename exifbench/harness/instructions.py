"""CPU instruction counts of a loader's work, under ``valgrind --tool=callgrind``: the gate's exact tier.

A small driver process (``python -m exifbench.harness.instructions SPEC``) builds the loader with
exifbench's reader on local storage and calls :func:`os.getsid` between its phases; callgrind runs
it with ``--dump-before=getsid``, so every phase is its own dump and only the phase's own
instructions — the loader's code and the reader's, not Python's start-up nor the harness — are in
it. Two driver runs per measurement:

- ``reads`` (every thread summed, ``--separate-threads=no``): each file's first
  ``load_exif(path, blocking=True)`` (then ``wait_idle`` when the loader has it), then cached
  calls ``load_exif(path)`` over every file, :data:`CACHED_ROUNDS` times;
- ``replay`` (``--separate-threads=yes``, the main thread's dump only): ``preload`` and the
  pattern's calls back to back, without think times and all non-blocking (whether a blocking
  call reads depends on whether a background read got there first; a read's own cost is
  ``cpu_first_read``) — what the main thread pays per replay.

Counts repeat to within ~0.1% (hash seed fixed; the rest is the interpreter's own variation and,
in ``replay``, which calls find their file ready); the gate measures each side twice and says when
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
        reads = _run(side, {"phase": "reads", "strategy": strategy, "files": list(files)}, Path(tmp) / "reads", False)
        replay = _run(side, {"phase": "replay", "strategy": strategy, "files": list(files), "calls": list(calls)},
                      Path(tmp) / "replay", True)  # fmt: skip
    first, cached = reads
    return {
        "cpu_first_read": first / len(files),
        "cpu_cached_call": cached / (len(files) * CACHED_ROUNDS),
        "cpu_main_replay": float(replay[0]),
    }


def _run(side: Side, spec: Mapping[str, Any], out: Path, main_thread_only: bool) -> list[int]:
    """Run the driver under callgrind; the instruction count of each phase, in order."""
    out.mkdir()
    spec_path = out / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    command = [valgrind(), "--tool=callgrind", f"--dump-before={MARKER}", f"--callgrind-out-file={out}/cg.out",
               f"--separate-threads={'yes' if main_thread_only else 'no'}", "--dump-instr=no",
               *side.command("exifbench.harness.instructions", str(spec_path))]  # fmt: skip
    try:
        done = subprocess.run(command, cwd=side.root, env=side.env(PYTHONHASHSEED="0"), capture_output=True, text=True, timeout=TIMEOUT_S,
                              check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise ExifbenchError(f"{side.label}: {spec['strategy']} under callgrind did not finish in {TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("==")]
        why = lines[-1] if lines else f"exit {done.returncode}"
        raise ExifbenchError(f"{side.label}: {spec['strategy']} under callgrind failed: {why}")
    return phases(out, main_thread_only)


def phases(out: Path, main_thread_only: bool) -> list[int]:
    """The totals of the dumps between markers (dump 1 is start-up; the last file is what followed the last marker)."""
    suffix = "-01" if main_thread_only else ""
    counts = []
    number = 2
    while (dump := out / f"cg.out.{number}{suffix}").exists():
        counts.append(_total(dump))
        number += 1
    if not counts:
        raise ExifbenchError(f"{out}: callgrind wrote no phase dumps (was {MARKER} seen?)")
    return counts


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
    loader = create(spec["strategy"])
    with loader:
        if spec["phase"] == "reads":
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
        else:
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
