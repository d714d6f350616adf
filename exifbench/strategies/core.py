"""One background-loader core, the way ``concurrent.futures.Executor`` writes ``map`` once over ``submit``.

:class:`BackgroundLoader` owns everything the background strategies share: the in-flight
map (one ``Future`` per file being read, so concurrent callers share one read), the
blocking path with its timeout, the done-callback, and the store into the cache. A
strategy supplies only

- its **cache** (:mod:`exifbench.strategies.cache`: dict + ``RLock``, bounded LRU, none), and
- its **executor**: a factory returning a plain :class:`concurrent.futures.Executor`
  (threads, processes, or e.g. a Dask ``client.get_executor()``), which runs
  ``reader(path) -> ExifRead``,

and overrides :meth:`BackgroundLoader._start` only when its reads are started differently
(``process`` retries after a worker crash; ``viewport`` queues by priority).

Waiting for the background (for the harness)
--------------------------------------------
``load_exif(path, blocking=True)`` waits at most ``timeout_s`` (5 s, the plan's design) for
an in-flight read: that is what the app does. A harness that must see every read's real
result waits first with :meth:`BackgroundLoader.wait_idle` (``timeout=None``: as long as it
takes; the :class:`~exifbench.strategies.base.BackgroundWork` protocol names it, so the
harness needs no strategy's name), then collects with ``load_exif(path, blocking=True)``,
which then answers from the cache (or, with no cache, reads again). A read still running
after the harness's own limit is the one that times out, with a "timed out" warning.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from exifbench.datasets.patterns.clock import now_ns
from exifbench.strategies.extractors import ExifRead, ExifReader, describe_error, pool_reader
from exifbench.strategies.base import ClosingLoader, Exif, priority_order
from exifbench.strategies.cache import ExifCache

BLOCKING_TIMEOUT_S = 5.0

ExecutorFactory = Callable[[], Executor]
"""Makes the executor the background reads run on (called once, and again if a strategy rebuilds it)."""


class BackgroundLoader(ClosingLoader):
    """Background pre-load into a cache; ``None`` until ready; a blocking fallback with a timeout."""

    def __init__(
        self,
        reader: ExifReader | None,
        cache: ExifCache,
        executor: ExecutorFactory,
        timeout_s: float = BLOCKING_TIMEOUT_S,
    ) -> None:
        self._read = reader or pool_reader()
        self._cache = cache
        self._timeout_s = timeout_s
        self._new_executor = executor
        self._in_flight: dict[str, Future[Exif]] = {}
        self._in_flight_lock = threading.Condition(threading.Lock())
        self._ready_ns: dict[str, int] = {}
        self._executor = executor()

    # The protocol ----------------------------------------------------------------------

    def load_exif(self, path: str, blocking: bool = False) -> Exif | None:
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        if not blocking:
            self.submit(path)
            return None
        with self._in_flight_lock:
            outcome = self._in_flight.get(path)
            if outcome is None:
                cached = self._cache.get(path)  # a load may have finished since the first look
                if cached is not None:
                    return cached
                own: Future[Exif] = Future()
                self._in_flight[path] = own
        if outcome is None:
            return self._read_here(path, own)
        return self._wait(path, outcome)

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        for path in priority_order(paths, priority):
            self.submit(path)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    # The shared core -------------------------------------------------------------------

    def submit(self, path: str) -> Future[Exif]:
        """The future dict of ``path``: cached (already done), in flight, or a background read started now.

        Never starts a second read of a file in flight.
        """
        with self._in_flight_lock:
            outcome = self._in_flight.get(path)
            if outcome is not None:
                return outcome
            cached = self._cache.get(path)  # a load may have finished since the caller looked
            if cached is not None:
                self._ready_ns.setdefault(path, now_ns())  # found (e.g. on disk): ready by now
                return _done(cached)
            outcome = Future()
            self._in_flight[path] = outcome
            try:
                read = self._start(path)
            except BaseException:
                del self._in_flight[path]
                raise
        # outside the lock: a read that is already done runs the callback right here
        read.add_done_callback(lambda done: self._finish(path, outcome, done))
        return outcome

    def ready_ns(self, path: str) -> int | None:
        """When the first dict of ``path`` was read (or found in the cache by a pre-load), ``perf_counter_ns``."""
        return self._ready_ns.get(path)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no read is in flight (``timeout=None``: however long it takes); ``False`` on timeout."""
        with self._in_flight_lock:
            return self._in_flight_lock.wait_for(lambda: not self._in_flight, timeout)

    def _start(self, path: str) -> Future[ExifRead]:
        """Start the background read of ``path`` (called under the in-flight lock)."""
        return self._executor.submit(self._read, path)

    def _finish(self, path: str, outcome: Future[Exif], read: Future[ExifRead]) -> None:
        """Done-callback: store the result (``{}`` if the read raised), resolve ``outcome``, leave the in-flight map.

        A cancelled or interrupted read (``KeyboardInterrupt``...) says nothing about the file: nothing is cached.
        """
        error = None if read.cancelled() else read.exception()
        if read.cancelled():
            outcome.cancel()
        elif error is None:
            outcome.set_result(self._store(path, read.result()))
        elif isinstance(error, Exception):
            outcome.set_result(self._store(path, ExifRead({}, f"background load failed: {describe_error(error)}")))
        else:
            outcome.set_exception(error)
        self._forget(path, outcome)

    def _read_here(self, path: str, own: Future[Exif]) -> Exif:
        """Read on the caller's thread; concurrent callers wait on ``own`` meanwhile."""
        try:
            read = self._read(path)
        except BaseException as exc:
            own.set_exception(exc)
            raise
        else:
            exif = self._store(path, read)
            own.set_result(exif)
            return exif
        finally:
            self._forget(path, own)

    def _wait(self, path: str, outcome: Future[Exif]) -> Exif:
        """Wait at most ``timeout_s`` for another thread's read of ``path``."""
        try:
            return outcome.result(timeout=self._timeout_s)
        except FutureTimeout:
            self._read.report(path, ExifRead({}, f"timed out after {self._timeout_s:g} s waiting for the background load"))
            return {}
        except Exception as exc:  # cancelled at close, or the reader raised on another caller's thread
            return self._store(path, ExifRead({}, f"background load failed: {describe_error(exc)}"))

    def _forget(self, path: str, outcome: Future[Exif]) -> None:
        with self._in_flight_lock:
            if self._in_flight.get(path) is outcome:
                del self._in_flight[path]
                if not self._in_flight:
                    self._in_flight_lock.notify_all()

    def _store(self, path: str, read: ExifRead) -> Exif:
        """Keep ``read``'s dict unless one is kept already; its warning is logged when it is kept."""
        self._ready_ns.setdefault(path, now_ns())
        return self._cache.add(path, lambda: self._read.report(path, read))


def _done(exif: Exif) -> Future[Exif]:
    future: Future[Exif] = Future()
    future.set_result(exif)
    return future


def thread_pool(workers: int, name: str) -> ExecutorFactory:
    """A factory of started ``workers``-thread pools whose threads are named ``name``."""

    def make() -> Executor:
        barrier = threading.Barrier(workers)
        return started(ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name), workers, barrier.wait, WARM_UP_S)

    return make


WARM_UP_S = 60.0
"""How long a pool may take to start all its workers before the loader's creation fails."""


def started(executor: Executor, workers: int, task: Callable[..., object], *args: object) -> Executor:
    """``executor`` with its ``workers`` workers running: ``task(*args)`` submitted once per worker and waited for.

    ``task`` must keep each worker busy until all have started (e.g. a barrier's ``wait``), so that a
    pool that spawns workers on demand spawns every one of them now, before the replay, not inside it.
    """
    try:
        for future in [executor.submit(task, *args) for _ in range(workers)]:
            future.result(timeout=WARM_UP_S)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    return executor
