"""``threadpool``: the proposed fix — background pre-load into a thread-safe cache.

``load_exif(blocking=False)`` never reads on the caller's thread: it returns the
cached dict, or ``None`` while a load is in flight (starting one if needed).
``blocking=True`` waits for the in-flight load (5 s timeout) or reads synchronously.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from exifbench.extractors import ExifRead, ExifReader, report
from exifbench.strategies.base import ClosingLoader, Exif, priority_order

log = logging.getLogger("exifbench.loader")

BLOCKING_TIMEOUT_S = 5.0


class ThreadPoolLoader(ClosingLoader):
    """Cache under an ``RLock``; in-flight ``Future``s under their own lock; 4 workers by default."""

    def __init__(self, reader: ExifReader | None = None, workers: int = 4, timeout_s: float = BLOCKING_TIMEOUT_S) -> None:
        self._read = reader or ExifReader()
        self._timeout_s = timeout_s
        self._cache: dict[str, Exif] = {}
        self._cache_lock = threading.RLock()
        self._in_flight: dict[str, Future[ExifRead]] = {}
        self._in_flight_lock = threading.Lock()
        self._executor = self._make_executor(workers)

    def _make_executor(self, workers: int) -> Executor:
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="exif-loader")

    def load_exif(self, path: str, blocking: bool = False) -> Exif | None:
        with self._cache_lock:
            if path in self._cache:
                return self._cache[path]
        if not blocking:
            self._submit(path)
            return None
        with self._in_flight_lock:
            future = self._in_flight.get(path)
        if future is None:
            return self._store(path, self._read(path))
        try:
            return self._store(path, future.result(timeout=self._timeout_s))
        except FutureTimeout:
            reason = f"timed out after {self._timeout_s:g} s waiting for the background load"
        except Exception as exc:
            reason = f"background load failed: {type(exc).__name__}: {exc}"
        report(path, ExifRead({}, reason))
        return {}

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        for path in priority_order(paths, priority):
            self._submit(path)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _submit(self, path: str) -> None:
        """Start a background load of ``path`` unless it is cached or already in flight."""
        with self._cache_lock:
            if path in self._cache:
                return
        with self._in_flight_lock:
            if path in self._in_flight:
                return
            future = self._executor.submit(self._read, path)
            self._in_flight[path] = future
        future.add_done_callback(lambda done: self._finish(path, done))

    def _finish(self, path: str, future: Future[ExifRead]) -> None:
        """Done-callback: cache the result and drop the in-flight entry."""
        if not future.cancelled() and future.exception() is None:
            self._store(path, future.result())
        with self._in_flight_lock:
            if self._in_flight.get(path) is future:
                del self._in_flight[path]

    def _store(self, path: str, read: ExifRead) -> Exif:
        with self._cache_lock:
            if path in self._cache:
                return self._cache[path]
            self._cache[path] = report(path, read)
            return self._cache[path]
