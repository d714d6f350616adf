"""Where a background loader keeps finished dicts: a dict under an ``RLock``, a bounded LRU, or nothing.

Each cache's :meth:`~ExifCache.add` is atomic: the first dict kept for a path wins, and
``make`` (which logs the file's warning) runs only when nothing is kept yet — so a file's
warning is logged once however many callers finish with it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from exifbench.strategies.base import Exif


class ExifCache(Protocol):
    """What the background-loader core needs of a cache."""

    def get(self, path: str) -> Exif | None:
        """The kept dict for ``path``, or ``None``."""
        ...

    def add(self, path: str, make: Callable[[], Exif]) -> Exif:
        """The kept dict for ``path``; if there is none, ``make()`` it and keep it."""
        ...

    def __len__(self) -> int: ...


class DictCache:
    """The plan's cache: a plain dict under an ``RLock``, never evicting."""

    def __init__(self) -> None:
        self._items: dict[str, Exif] = {}
        self._lock = threading.RLock()

    def get(self, path: str) -> Exif | None:
        with self._lock:
            return self._items.get(path)

    def add(self, path: str, make: Callable[[], Exif]) -> Exif:
        with self._lock:
            if path not in self._items:
                self._items[path] = make()
            return self._items[path]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class LRUCache:
    """A thread-safe mapping that keeps at most ``size`` entries, dropping the least recently used."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("LRU cache size must be at least 1")
        self.size = size
        self._items: OrderedDict[str, Exif] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str) -> Exif | None:
        with self._lock:
            if path not in self._items:
                return None
            self._items.move_to_end(path)
            return self._items[path]

    def add(self, path: str, make: Callable[[], Exif]) -> Exif:
        with self._lock:
            if path in self._items:
                self._items.move_to_end(path)
                return self._items[path]
            exif = make()
            self._put(path, exif)
            return exif

    def _put(self, path: str, exif: Exif) -> None:
        self._items[path] = exif
        self._items.move_to_end(path)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class NoCache:
    """Keeps nothing: every load reads the file."""

    def get(self, path: str) -> Exif | None:
        return None

    def add(self, path: str, make: Callable[[], Exif]) -> Exif:
        return make()

    def __len__(self) -> int:
        return 0
