"""An example of your own loader, run by exifbench as ``exifbench.examples.my_loader:PrefetchingLoader``.

    exifbench run -s sync,exifbench.examples.my_loader:PrefetchingLoader --io-latency 23

Copy it into your project (e.g. ``my_loader.py``, then ``-s my_loader:PrefetchingLoader``) to start your own.

exifbench passes the constructor only the arguments it names: ``reader`` (reads one
file's EXIF through the storage model; ``reader.load(path)`` never raises and logs a
per-file error the way the original loader did) and ``workers``. A loader that ignores
``reader`` still runs and still pays the storage model (it reads through exifbench's FUSE mount);
only where FUSE is unavailable is it marked "not charged", and its per-file errors are not collected.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from exifbench.strategies.extractors import ExifReader


class PrefetchingLoader:
    """Pre-loads on a small thread pool; answers ``None`` until a file is ready, reads on demand when blocking."""

    def __init__(self, reader: ExifReader, workers: int = 1) -> None:
        self._read = reader
        self._cache: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="my-prefetch")

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any] | None:
        with self._lock:
            if path in self._cache:
                return self._cache[path]
        if not blocking:
            return None
        return self._store(path)

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        for path in dict.fromkeys([*(priority or ()), *paths]):
            self._pool.submit(self._store, path)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> PrefetchingLoader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _store(self, path: str) -> dict[str, Any]:
        with self._lock:
            if path in self._cache:
                return self._cache[path]
        exif = self._read.load(path)
        with self._lock:
            return self._cache.setdefault(path, exif)
