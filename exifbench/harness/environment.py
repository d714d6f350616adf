"""The environment block of every result: what ran where."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from typing import Any

import PIL

import exifbench


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; else what ``platform`` says)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit() -> str | None:
    """The commit checked out in the current directory's git repository, if there is one."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def environment() -> dict[str, Any]:
    """Python, Pillow, OS and CPU facts for the result document, and the git commit when run in a repository."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "pillow": PIL.__version__,
        "exifbench": exifbench.__version__,
        "os": platform.platform(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "commit": git_commit(),
        "switch_interval_s": sys.getswitchinterval(),
    }


def load_snapshot() -> dict[str, float]:
    """The 1-minute load average and the CPU time so far (all and stolen, in clock ticks; ``/proc``), or ``{}``."""
    try:
        with open("/proc/loadavg", encoding="ascii") as loadavg:
            load_1m = float(loadavg.read().split()[0])
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(part) for part in stat.readline().split()[1:]]
    except (OSError, ValueError, IndexError):
        return {}
    steal = ticks[7] if len(ticks) > 7 else 0
    return {"load_1m": load_1m, "ticks": float(sum(ticks[:8])), "steal_ticks": float(steal)}


def load_block(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    """The environment's ``load``: the load average before and after, and the share of CPU time stolen between."""
    if not before or not after:
        return {}
    elapsed = after["ticks"] - before["ticks"]
    stolen = after["steal_ticks"] - before["steal_ticks"]
    return {"load_1m_before": before["load_1m"], "load_1m_after": after["load_1m"],
            "steal_share": round(stolen / elapsed, 4) if elapsed > 0 else 0.0, "cpu_count": os.cpu_count()}  # fmt: skip
