"""``process``: the thread-pool design with a ``ProcessPoolExecutor`` doing the reads.

Reads run in worker processes (no GIL shared with the caller); dicts come back
pickled, so :mod:`exifbench.harness.equality` checks they survive the trip.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

from exifbench.strategies.threadpool import ThreadPoolLoader


class ProcessPoolLoader(ThreadPoolLoader):
    """Same cache, in-flight map and timeouts as ``threadpool``; reads happen in child processes."""

    def _make_executor(self, workers: int) -> Executor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
