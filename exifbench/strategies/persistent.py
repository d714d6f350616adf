"""``persistent``: an on-disk metadata cache, filled in the background, answering the next launch at once.

What serious photo managers do: the first launch pre-loads like ``threadpool`` and stores
every dict in a SQLite database (:mod:`exifbench.strategies.store`) keyed by
path and stamp (size, mtime_ns, inode, ctime_ns); the next launch finds them there. A ``load_exif`` whose file is
not in memory yet stats the file and looks its row up (tens of microseconds), so a warm
launch answers on the spot, with no placeholder; ``preload`` does the same lookups on a
worker and reads only the files that have no valid row.

Never stale, short of a clock set back: the stamp (size, mtime_ns, inode, ctime_ns) is taken
*before* the file is read and stored with its dict, so a file changed while or after it was
read no longer matches its row next time and is read again (an edit that restores size and
mtime still moves ctime). A read that failed (an I/O error, an unreadable file) is not
stored: a transient failure never becomes a permanent ``{}``. Within one launch a dict,
once loaded, is kept in memory, like the original loader's cache.

The cache, in-flight map, blocking path and timeout are the background-loader core's
(:mod:`exifbench.strategies.core`); this strategy supplies the two-level cache and stores
what the core reads. :meth:`PersistentLoader.figures` tells the run document how many
files the database answered and how many were read, changed or refused.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, wait
from pathlib import Path
from typing import Any

from exifbench.strategies import codec
from exifbench.strategies.extractors import ExifRead, ExifReader, pool_reader
from exifbench.strategies.base import SUMMARY, Exif
from exifbench.strategies.cache import DictCache
from exifbench.strategies.core import BLOCKING_TIMEOUT_S, BackgroundLoader, thread_pool
from exifbench.strategies.store import HIT, MISSING, REFUSED, STALE, MetadataStore, Stamp, database_path, reader_id, stamp_of


class PersistentCache:
    """Memory first, then the database: the :class:`~exifbench.strategies.cache.ExifCache` the core uses.

    Remembers, per file not found, the stamp seen *before* it was read, for :meth:`persist`.
    """

    def __init__(self, store: MetadataStore) -> None:
        self.store = store
        self._memory = DictCache()
        self._lock = threading.Lock()
        self._stamps: dict[str, Stamp] = {}
        self._outcomes: dict[str, str] = {}
        self.stored = 0
        self.write_errors = 0

    def get(self, path: str) -> Exif | None:
        exif = self._memory.get(path)
        if exif is not None:
            return exif
        with self._lock:
            if path in self._stamps:  # missed once already: its read is under way and fills memory (no stat, no query)
                return None
        stamp = stamp_of(path)
        if stamp is None:
            return None
        try:
            found = self.store.get(path, stamp)
        except sqlite3.Error:
            found = None
        with self._lock:
            if found is None or found.exif is None:
                self._stamps.setdefault(path, stamp)  # the earliest stamp before the read: a later change stays visible
                self._outcomes.setdefault(path, found.outcome if found is not None else REFUSED)
                return None
            self._outcomes.setdefault(path, HIT)
        exif = found.exif
        return self._memory.add(path, lambda: exif)

    def add(self, path: str, make: Callable[[], Exif]) -> Exif:
        return self._memory.add(path, make)

    def persist(self, path: str, exif: Exif) -> None:
        """Store ``exif`` under the stamp ``path`` had before it was read (nothing if it was never missed)."""
        with self._lock:
            stamp = self._stamps.pop(path, None)
        if stamp is None or self.store.skipped is not None:
            return
        try:
            self.store.put(path, stamp, exif)
        except (sqlite3.Error, codec.CodecError):  # a full disk, a locked database past the busy timeout, a value the
            # codec cannot hold: this file is read again next launch
            with self._lock:
                self.write_errors += 1
            return
        with self._lock:
            self.stored += 1

    def forget(self, path: str) -> None:
        """Drop the stamp of a read that is not stored."""
        with self._lock:
            self._stamps.pop(path, None)

    def counts(self) -> dict[str, int]:
        """Files answered by the database, and files not found there, by why (``missing``, ``stale``, ``refused``)."""
        with self._lock:
            found = list(self._outcomes.values())
        return {"answered": found.count(HIT), **{outcome: found.count(outcome) for outcome in (MISSING, STALE, REFUSED)}}

    def __len__(self) -> int:
        return len(self._memory)


class PersistentLoader(BackgroundLoader):
    """threadpool plus an on-disk SQLite cache keyed by path and stamp: the next launch answers from it."""

    def __init__(
        self,
        reader: ExifReader | None = None,
        workers: int = 4,
        cache_dir: str | Path | None = None,
        timeout_s: float = BLOCKING_TIMEOUT_S,
    ) -> None:
        reader = reader or pool_reader()
        self.cache = PersistentCache(MetadataStore(database_path(cache_dir), reader_id(reader.extractor)))
        super().__init__(reader, self.cache, thread_pool(workers, "exif-persistent"), timeout_s)
        self._warming: list[Future[None]] = []

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        """Look every file up (and start reading the ones not found) on a worker: the caller does not wait."""
        self._warming.append(self._executor.submit(super().preload, paths, priority))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait for the look-ups of every pre-load, then for every read they started."""
        begin = time.monotonic()
        if wait(self._warming, timeout).not_done:
            return False
        left = None if timeout is None else max(0.0, timeout - (time.monotonic() - begin))
        return super().wait_idle(left)

    def close(self) -> None:
        super().close()
        self.cache.store.close()

    def figures(self) -> dict[str, Any]:
        """For the run document: where the database is, what it answered, what was read and stored."""
        store = self.cache.store
        counts = self.cache.counts()
        read = counts["missing"] + counts["stale"] + counts["refused"]
        rebuilt = f"; rebuilt empty ({store.rebuilt})" if store.rebuilt else ""
        skipped = f"; not used ({store.skipped})" if store.skipped else ""
        return {
            SUMMARY: (f"{counts['answered']} files answered by the metadata cache, {read} read from storage "
                      f"({counts['stale']} changed since cached, {counts['refused']} rows refused), "
                      f"{self.cache.stored} stored{rebuilt}{skipped}"),  # fmt: skip
            "persistent": {
                "database": str(store.path),
                **counts,
                "stored": self.cache.stored,
                "write_errors": self.cache.write_errors,
                "rebuilt": store.rebuilt,
                "skipped": store.skipped,
            }
        }

    def _store(self, path: str, read: ExifRead) -> Exif:
        """Keep the dict in memory, and on disk when the read succeeded."""
        exif = super()._store(path, read)
        if read.error is None:
            self.cache.persist(path, exif)
        else:
            self.cache.forget(path)
        return exif
