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
