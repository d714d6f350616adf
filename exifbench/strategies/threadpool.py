"""``threadpool``: the proposed fix — background pre-load into a thread-safe cache.

``load_exif(blocking=False)`` never reads on the caller's thread: it returns the
cached dict, or ``None`` while a load is in flight (starting one if needed).
``blocking=True`` waits for the in-flight load (5 s timeout) or reads synchronously.
Every read, background or synchronous, is in the in-flight map while it runs, so
concurrent callers share it: each file is read from storage once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from exifbench.extractors import ExifRead, ExifReader, describe_error, report
from exifbench.strategies.base import ClosingLoader, Exif, priority_order

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
        cached = self._cached(path)
        if cached is not None:
            return cached
        if not blocking:
            self._submit(path)
            return None
        with self._in_flight_lock:
            future = self._in_flight.get(path)
            if future is None:
                cached = self._cached(path)  # a load may have finished since the first look
                if cached is not None:
                    return cached
                own: Future[ExifRead] = Future()
                self._in_flight[path] = own
        if future is None:
            return self._read_here(path, own)
        try:
            return self._store(path, future.result(timeout=self._timeout_s))
        except FutureTimeout:
            report(path, ExifRead({}, f"timed out after {self._timeout_s:g} s waiting for the background load"))
            return {}
        except Exception as exc:
            return self._store(path, ExifRead({}, f"background load failed: {describe_error(exc)}"))

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        for path in priority_order(paths, priority):
            self._submit(path)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _cached(self, path: str) -> Exif | None:
        with self._cache_lock:
            return self._cache.get(path)

    def _submit(self, path: str) -> None:
        """Start a background load of ``path`` unless it is cached or already in flight."""
        with self._in_flight_lock:
            if path in self._in_flight or self._cached(path) is not None:
                return
            future = self._start(path)
            self._in_flight[path] = future
        future.add_done_callback(lambda done: self._finish(path, done))

    def _start(self, path: str) -> Future[ExifRead]:
        """The background read of ``path``."""
        return self._executor.submit(self._read, path)

    def _read_here(self, path: str, future: Future[ExifRead]) -> Exif:
        """Read on the caller's thread; concurrent callers wait on ``future`` meanwhile."""
        try:
            read = self._read(path)
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            exif = self._store(path, read)
            future.set_result(read)
            return exif
        finally:
            self._forget(path, future)

    def _finish(self, path: str, future: Future[ExifRead]) -> None:
        """Done-callback: cache the result (``{}`` if the read raised) and drop the in-flight entry.

        A cancelled or interrupted read (``KeyboardInterrupt``...) says nothing about the file: nothing is cached.
        """
        error = None if future.cancelled() else future.exception()
        if not future.cancelled() and error is None:
            self._store(path, future.result())
        elif isinstance(error, Exception):
            self._store(path, ExifRead({}, f"background load failed: {describe_error(error)}"))
        self._forget(path, future)

    def _forget(self, path: str, future: Future[ExifRead]) -> None:
        with self._in_flight_lock:
            if self._in_flight.get(path) is future:
                del self._in_flight[path]

    def _store(self, path: str, read: ExifRead) -> Exif:
        with self._cache_lock:
            if path in self._cache:
                return self._cache[path]
            self._cache[path] = report(path, read)
            return self._cache[path]
