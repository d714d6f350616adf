"""User loaders named on the command line as ``tests.user_loaders:Class``."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, Self

from exifbench.strategies.extractors import ExifReader
from exifbench.strategies.extractors.pillow import pillow_exif


class DictLoader:
    """A user's own loader: no ``reader`` argument, a plain dict cache."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[str, Any]] = {}

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if path not in self.cache:
            try:
                self.cache[path] = pillow_exif(path)
            except Exception:
                self.cache[path] = {}
        return self.cache[path]

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NotALoader:
    """Has no ``load_exif``: must be refused with a clear error."""

    def close(self) -> None:
        pass


class HostileValueLoader(DictLoader):
    """Answers every file with one made-up tag whose value is rich markup and terminal escapes."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        return {"Make": "[/red]\x1b[2J[bold]forged"}


class EagerPreload(DictLoader):
    """An app that "opens all files" at start-up: ``preload`` reads every file on the caller's (main) thread,
    through exifbench's reader (so the storage model charges it)."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__()
        self._read = reader or ExifReader()

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        for path in dict.fromkeys([*(priority or ()), *paths]):
            self.cache.setdefault(path, self._read.load(path))


class SlowClose(DictLoader):
    """Answers like :class:`DictLoader`; its ``close`` keeps the main thread :data:`CLOSE_S` seconds."""

    def close(self) -> None:
        time.sleep(CLOSE_S)


CLOSE_S = 0.4


class RaisesOnOne(DictLoader):
    """An app's loader with its own failure on one file (``bad-30-type_error.jpg`` of the corpus copy): it logs
    the failure, prints as it preloads, and raises for that file."""

    failing = "bad-30-type_error.jpg"

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        print(f"myapp: opening {len(paths)} files")

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if path.endswith(self.failing):
            logging.getLogger("myapp.exif").error("cannot read %s", path)
            raise TypeError("unhashable type: 'IFDRational'")
        return super().load_exif(path, blocking)


class NoneForNoExif(DictLoader):
    """An app whose loader answers ``None`` for "no EXIF" (it says so: ``none_means``)."""

    none_means = "empty"

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any] | None:  # type: ignore[override]
        return super().load_exif(path, blocking) or None


class BadNoneMeans(DictLoader):
    none_means = "nothing"


CALLS: list[str] = []
"""Every path :func:`app_exif` was called with."""


def app_exif(path: str) -> dict[str, Any] | None:
    """An app's own function: the file's tags by name, ``None`` for none (``call:tests.user_loaders:app_exif``)."""
    CALLS.append(path)
    try:
        return pillow_exif(path) or None
    except Exception:
        return None


class SpinsAndSleeps(DictLoader):
    """Answers like :class:`DictLoader`; every ``load_exif`` first sleeps :data:`SLEEP_S` and spins :data:`SPIN_S`
    of its thread's CPU time (CPU work that takes longer when another process shares the CPU)."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        time.sleep(SLEEP_S)
        begin = time.thread_time()
        while time.thread_time() - begin < SPIN_S:
            pass
        return super().load_exif(path, blocking)


SLEEP_S, SPIN_S = 0.002, 0.004
