"""``lazy``: a lazy image loader — own thread pool, bounded LRU cache, callbacks.

The loader's native API is ``get_exif_lazy(path, callback)``; the batch and
silent pre-loads are the extensions under evaluation. ``load_exif`` (with the
core's 5 s blocking timeout) comes from :class:`~exifbench.strategies.core.BackgroundLoader`.
With ``cache_enabled=False`` nothing is kept: every load reads the file, so a
non-blocking ``load_exif`` never finds a result ready. A read in progress (on the
pool or on a blocking caller) is shared by concurrent callers.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future

from exifbench.strategies.extractors import ExifReader
from exifbench.strategies.base import Exif, ExifCallback
from exifbench.strategies.cache import LRUCache, NoCache
from exifbench.strategies.core import BLOCKING_TIMEOUT_S, BackgroundLoader, thread_pool

DEFAULT_CACHE_SIZE = 1024


class LazyLoader(BackgroundLoader):
    """Loads EXIF on a thread pool and hands results to callbacks; caches them in an LRU."""

    def __init__(
        self,
        reader: ExifReader | None = None,
        workers: int = 4,
        cache_size: int = DEFAULT_CACHE_SIZE,
        cache_enabled: bool = True,
        timeout_s: float = BLOCKING_TIMEOUT_S,
    ) -> None:
        cache = LRUCache(cache_size) if cache_enabled else NoCache()
        self.workers = workers
        super().__init__(reader, cache, thread_pool(workers, "lazy-exif"), timeout_s)
        self.cache = cache
        self.cache_enabled = cache_enabled

    def get_exif_lazy(self, path: str, callback: ExifCallback | None = None) -> None:
        """Load ``path`` in the background and call ``callback(path, exif)`` when it is loaded (at once if cached)."""
        future = self.submit(path)
        if callback:
            future.add_done_callback(lambda done: callback(path, _result_or_empty(done)))

    def preload_exif_batch(self, paths: Iterable[str], callback: ExifCallback | None = None) -> None:
        """``get_exif_lazy`` for every path, in order."""
        for path in paths:
            self.get_exif_lazy(path, callback)

    def preload_exif_silent(self, paths: Iterable[str]) -> None:
        """Populate the cache only; per-file errors are swallowed (still logged)."""
        for path in paths:
            self.submit(path)


def _result_or_empty(future: Future[Exif]) -> Exif:
    if future.cancelled() or future.exception() is not None:
        return {}
    return future.result()
