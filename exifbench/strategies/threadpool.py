"""``threadpool``: the proposed fix — background pre-load into a thread-safe cache.

``load_exif(blocking=False)`` never reads on the caller's thread: it returns the
cached dict, or ``None`` while a load is in flight (starting one if needed).
``blocking=True`` waits for the in-flight load (5 s timeout) or reads synchronously.
Every read, background or synchronous, is in the in-flight map while it runs, so
concurrent callers share it: each file is read from storage once. All of that is
:class:`~exifbench.strategies.core.BackgroundLoader`; the plan's choices are the
cache (a dict under an ``RLock``) and the pool (4 threads named ``exif-loader``).
"""

from __future__ import annotations

from exifbench.strategies.extractors import ExifReader
from exifbench.strategies.cache import DictCache
from exifbench.strategies.core import BLOCKING_TIMEOUT_S, BackgroundLoader, thread_pool


class ThreadPoolLoader(BackgroundLoader):
    """Cache under an ``RLock``; in-flight ``Future``s under their own lock; 4 workers by default."""

    def __init__(self, reader: ExifReader | None = None, workers: int = 4, timeout_s: float = BLOCKING_TIMEOUT_S) -> None:
        self.workers = workers
        super().__init__(reader, DictCache(), thread_pool(workers, "exif-loader"), timeout_s)
