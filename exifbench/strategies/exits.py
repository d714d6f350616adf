"""A loader's way out of the process, turned into an exception while exifbench measures.

``sys.exit()`` in a loader (or the module that defines it) raises ``SystemExit``, which no
``except Exception`` stops; ``os._exit()`` ends the process at once, writing nothing. Either
ended a run with exit 0 and no result document. Inside :func:`trapped_exits`, ``os._exit``
called in this process raises :class:`ExitCalled` instead (a forked child, another pid,
still exits), and the harness treats both like any exception from a loader: that strategy
fails, in one line, and the others are kept. A loader can still end the process by a signal
(``os.kill(os.getpid(), SIGKILL)``): nothing in the process can answer that.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn


class ExitCalled(BaseException):
    """``os._exit(code)`` was called in the measuring process while exits were trapped."""


LOADER_EXITS = (SystemExit, ExitCalled)
"""What a loader raises to leave the process: a failure of that loader, never the run's exit."""


@contextmanager
def trapped_exits() -> Iterator[None]:
    """Within the block, ``os._exit`` called by this process raises :class:`ExitCalled` (nested blocks are fine)."""
    real = os._exit
    pid = os.getpid()

    def trap(code: int) -> NoReturn:
        if os.getpid() != pid:  # a forked child (multiprocessing's fork start method) exits as it should
            real(code)
        raise ExitCalled(f"os._exit({code}) called")

    setattr(os, "_exit", trap)
    try:
        yield
    finally:
        setattr(os, "_exit", real)
