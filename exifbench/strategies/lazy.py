"""``lazy``: a lazy image loader — own thread pool, bounded LRU cache, callbacks.

The loader's native API is ``get_exif_lazy(path, callback)``; the batch and
silent pre-loads are the extensions under evaluation. ``load_exif`` adapts it to
the protocol. With ``cache_enabled=False`` nothing is kept: every load reads the
file, so a non-blocking ``load_exif`` never finds a result ready. A read in
progress (on the pool or on a blocking caller) is shared by concurrent callers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from exifbench.extractors import ExifRead, ExifReader, describe_error, report
from exifbench.strategies.base import ClosingLoader, Exif, priority_order

ExifCallback = Callable[[str, Exif], None]

DEFAULT_CACHE_SIZE = 1024


class LRUCache:
    """A thread-safe mapping that keeps at most ``size`` entries, dropping the least recently used."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("LRU cache size must be at least 1")
        self.size = size
        self._items: OrderedDict[str, Exif] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Exif | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, value: Exif) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class LazyLoader(ClosingLoader):
    """Loads EXIF on a thread pool and hands results to callbacks; caches them in an LRU."""

    def __init__(
        self,
        reader: ExifReader | None = None,
        workers: int = 4,
        cache_size: int = DEFAULT_CACHE_SIZE,
        cache_enabled: bool = True,
    ) -> None:
        self._read = reader or ExifReader()
        self.cache = LRUCache(cache_size)
        self.cache_enabled = cache_enabled
        self._pending: dict[str, Future[Exif]] = {}
        self._pending_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lazy-exif")

    # The lazy loader's own API -------------------------------------------------

    def get_exif_lazy(self, path: str, callback: ExifCallback | None = None) -> None:
        """Load ``path`` in the background and call ``callback(path, exif)`` when it is loaded."""
        cached = self._cached(path)
        if cached is not None:
            if callback:
                callback(path, cached)
            return
        future = self._schedule(path)
        if callback:
            future.add_done_callback(lambda done: callback(path, _result_or_empty(done)))

    def preload_exif_batch(self, paths: Iterable[str], callback: ExifCallback | None = None) -> None:
        """``get_exif_lazy`` for every path, in order."""
        for path in paths:
            self.get_exif_lazy(path, callback)

    def preload_exif_silent(self, paths: Iterable[str]) -> None:
        """Populate the cache only; per-file errors are swallowed (still logged)."""
        for path in paths:
            self._schedule(path)

    # The protocol -----------------------------------------------------------------

    def load_exif(self, path: str, blocking: bool = False) -> Exif | None:
        cached = self._cached(path)
        if cached is not None:
            return cached
        if not blocking:
            self._schedule(path)
            return None
        with self._pending_lock:
            future = self._pending.get(path)
            if future is None:
                cached = self._cached(path)  # a load may have finished since the first look
                if cached is not None:
                    return cached
                own: Future[Exif] = Future()
                self._pending[path] = own
        if future is not None:
            return _result_or_empty(future)
        return self._load_here(path, own)

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        self.preload_exif_silent(priority_order(paths, priority))

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    # Internals ----------------------------------------------------------------------

    def _cached(self, path: str) -> Exif | None:
        return self.cache.get(path) if self.cache_enabled else None

    def _schedule(self, path: str) -> Future[Exif]:
        """The pending load of ``path``, started if there is none (a done future if it is cached)."""
        with self._pending_lock:
            future = self._pending.get(path)
            if future is not None:
                return future
            cached = self._cached(path)  # a load may have finished since the caller looked
            if cached is not None:
                future = Future()
                future.set_result(cached)
                return future
            future = self._executor.submit(self._load_background, path)
            self._pending[path] = future
        # outside the lock: a future that is already done runs the callback right here
        future.add_done_callback(lambda done: self._forget(path, done))
        return future

    def _forget(self, path: str, future: Future[Exif]) -> None:
        with self._pending_lock:
            if self._pending.get(path) is future:
                del self._pending[path]

    def _load_here(self, path: str, future: Future[Exif]) -> Exif:
        """Read on the caller's thread; concurrent callers wait on ``future`` meanwhile."""
        try:
            exif = self._keep(path, self._read(path))
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(exif)
            return exif
        finally:
            self._forget(path, future)

    def _load_background(self, path: str) -> Exif:
        """A pool thread's read: a reader that raises gives ``{}`` and one warning, and the pool goes on."""
        try:
            read = self._read(path)
        except Exception as exc:
            read = ExifRead({}, f"background load failed: {describe_error(exc)}")
        return self._keep(path, read)

    def _keep(self, path: str, read: ExifRead) -> Exif:
        exif = report(path, read)
        if self.cache_enabled:
            self.cache.put(path, exif)
        return exif


def _result_or_empty(future: Future[Exif]) -> Exif:
    if future.cancelled() or future.exception() is not None:
        return {}
    return future.result()



