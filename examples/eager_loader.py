"""An app that "opens all files" at start-up: ``preload`` reads every file on the caller's (UI) thread.

    exifbench run -s sync,examples.eager_loader:EagerLoader --storage original ../shared/corpus/exif-samples/jpg

Its ``load_exif`` never blocks, yet the user waits: exifbench charges every loader call the main
thread makes (constructor, ``preload``, ``load_exif``, callbacks, ``close``) to blocking and to the
frames the view could not draw, so the table shows ``…, of which preload …`` and ``decide`` HOLDs it.
``ClosingLoader`` gives it ``close``, ``__enter__`` and ``__exit__``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from exifbench.strategies.base import ClosingLoader
from exifbench.strategies.extractors import ExifReader


class EagerLoader(ClosingLoader):
    """Reads every file in ``preload``, on the thread that calls it; answers from its dict afterwards."""

    def __init__(self, reader: ExifReader) -> None:
        self._read = reader
        self._cache: dict[str, dict[str, Any]] = {}

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        for path in dict.fromkeys([*(priority or ()), *paths]):
            self._cache.setdefault(path, self._read.load(path))

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if path not in self._cache:
            self._cache[path] = self._read.load(path)
        return self._cache[path]
