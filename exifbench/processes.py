"""Whether a process runs, by its pid: for what outlives its owner (a pool worker, a mount left by a killed run)."""

from __future__ import annotations

import os


def running(pid: int) -> bool:
    """Does process ``pid`` exist (one this process may not signal counts)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
