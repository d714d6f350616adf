"""``viewport``: what the view asks for now is read first; what scrolled away waits.

The plan's ``threadpool`` hands every path to a FIFO executor queue at ``preload`` time,
so a page the user scrolls to waits behind the whole folder. ``viewport`` keeps the
queue itself, as a priority queue re-ordered as requests arrive, and gives the executor
only as many reads as it has workers:

1. paths the view asked for (``load_exif``), the newest request first — a page asked for
   a moment ago is demoted below the page on screen now;
2. then the pre-load's ``priority`` paths, in order;
3. then the rest of the pre-load, in order.

Workers are sized to the storage it reads (:func:`default_workers`) unless given: as
many as the storage serves at once (its queue depth), :data:`MAX_WORKERS` where it has no
queue limit, :data:`CPU_WORKERS` where it adds no latency (the reads are then CPU work).
Cache, in-flight map, blocking path and timeout are the background-loader core's
(:mod:`exifbench.strategies.core`).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from exifbench.datasets.storage.model import StorageModel
from exifbench.strategies.extractors import ExifRead, ExifReader
from exifbench.strategies.base import Exif
from exifbench.strategies.cache import DictCache
from exifbench.strategies.core import BLOCKING_TIMEOUT_S, BackgroundLoader, thread_pool

MAX_WORKERS = 64
"""Storage with latency and no queue limit: reads overlap, so the pool is as large as is sane to start at once.
A page of 24 per 16.7 ms frame at 23 ms a read needs ~33 reads in flight to keep up."""
CPU_WORKERS = 4
"""Storage that adds no latency: a read is CPU work under the GIL, so more threads only contend."""

REQUESTED, PRIORITY, PRELOAD = 0, 1, 2

Rank = tuple[int, int]
"""Smaller goes first: (tier, order within the tier)."""


def default_workers(storage: StorageModel) -> int:
    """Workers for ``storage``: its queue depth (at most :data:`MAX_WORKERS`), :data:`MAX_WORKERS` with no
    queue limit, :data:`CPU_WORKERS` when it charges nothing."""
    if not storage.charges:
        return CPU_WORKERS
    return min(storage.concurrency, MAX_WORKERS) if storage.concurrency else MAX_WORKERS


class ViewportLoader(BackgroundLoader):
    """Reads in the order the view needs them: newest request first, then priority, then the rest."""

    def __init__(
        self,
        reader: ExifReader | None = None,
        workers: int | None = None,
        storage: StorageModel | None = None,
        timeout_s: float = BLOCKING_TIMEOUT_S,
    ) -> None:
        """``storage``: what the reads go through (the harness gives it: under a FUSE mount ``reader`` charges
        nothing itself); without it, ``reader``'s in-process model, if it has one. It sizes the pool when
        ``workers`` is not given."""
        if workers is None:
            workers = default_workers(storage or getattr(reader, "storage", None) or StorageModel())  # any callable may read
        self.workers = workers
        super().__init__(reader, DictCache(), thread_pool(self.workers, "exif-viewport"), timeout_s)
        self._queue_lock = threading.Lock()
        self._order = itertools.count()
        self._heap: list[tuple[Rank, str]] = []
        self._rank: dict[str, Rank] = {}
        self._queued: dict[str, Future[ExifRead]] = {}
        self._running = 0
        self._closed = False

    def load_exif(self, path: str, blocking: bool = False) -> Exif | None:
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        self._want(path, REQUESTED)
        return super().load_exif(path, blocking)

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        for path in priority or ():
            self._want(path, PRIORITY)
        for path in paths:
            self._want(path, PRELOAD)
        super().preload(paths, priority)

    def submit(self, path: str) -> Future[Exif]:
        outcome = super().submit(path)
        self._dispatch()  # here, not in _start: never under the core's in-flight lock
        return outcome

    def close(self) -> None:
        with self._queue_lock:
            self._closed = True
            queued = list(self._queued.values())
            self._queued.clear()
            self._heap.clear()
        for read in queued:
            read.cancel()
        super().close()

    def _want(self, path: str, tier: int) -> None:
        """Rank ``path``: a request always moves it to the front; a pre-load never demotes it."""
        with self._queue_lock:
            order = next(self._order)
            rank = (tier, -order if tier == REQUESTED else order)
            current = self._rank.get(path)
            if current is not None and tier != REQUESTED and current <= rank:
                return
            self._rank[path] = rank
            if path in self._queued:
                heapq.heappush(self._heap, (rank, path))

    def _start(self, path: str) -> Future[ExifRead]:
        """Queue the read; :meth:`_dispatch` gives it to a worker when it is the most wanted."""
        read: Future[ExifRead] = Future()
        with self._queue_lock:
            rank = self._rank.setdefault(path, (PRELOAD, next(self._order)))
            self._queued[path] = read
            heapq.heappush(self._heap, (rank, path))
        return read

    def _dispatch(self) -> None:
        """Give the most wanted queued paths to the executor while workers are free."""
        while True:
            with self._queue_lock:
                path = self._next_path()
                if path is None:
                    return
                read = self._queued.pop(path)
                del self._rank[path]
                self._running += 1
            try:
                running = self._executor.submit(self._read, path)
            except BaseException as exc:  # shut down meanwhile
                read.set_exception(exc)
                self._done_running()
                raise
            running.add_done_callback(functools.partial(self._ran, read))

    def _next_path(self) -> str | None:
        """The most wanted queued path, if a worker is free (called under the queue lock)."""
        while self._heap and not self._closed and self._running < self.workers:
            rank, path = heapq.heappop(self._heap)
            if path in self._queued and self._rank.get(path) == rank:  # else a stale entry: re-ranked since
                return path
        return None

    def _ran(self, read: Future[ExifRead], running: Future[ExifRead]) -> None:
        """A worker finished: pass its result on and start the next most wanted read."""
        if running.cancelled():  # shut down before it started: ``read`` is still pending, so it cancels
            read.cancel()
        elif (error := running.exception()) is not None:
            read.set_exception(error)
        else:
            read.set_result(running.result())
        self._done_running()
        self._dispatch()

    def _done_running(self) -> None:
        with self._queue_lock:
            self._running -= 1
