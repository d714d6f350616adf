"""The per-file error log: every failed read is recorded here directly, whatever ``logging`` is set to.

Reads the fast path handed to Pillow are logged here too, with their reason.
:func:`exifbench.strategies.extractors.report` hands each failed or fallen-back read to every active
collector (from any thread; process-pool reads are reported in the parent when
their ``ExifRead`` comes back), so a host application's logging configuration
cannot hide an error from the harness.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class ErrorCollector:
    """Keeps one ``{"path", "error"}`` and one fall-back reason per file (the first reported), any thread."""

    def __init__(self) -> None:
        self._errors: dict[str, str] = {}
        self._fallbacks: dict[str, str] = {}
        self._guard = threading.Lock()

    def add(self, path: str, error: str) -> None:
        with self._guard:
            self._errors.setdefault(path, error)

    def add_fallback(self, path: str, reason: str) -> None:
        with self._guard:
            self._fallbacks.setdefault(path, reason)

    @property
    def fallbacks(self) -> dict[str, int]:
        """How many files fell back to the original loader, by reason."""
        with self._guard:
            return dict(sorted(Counter(self._fallbacks.values()).items()))

    @property
    def errors(self) -> list[dict[str, str]]:
        with self._guard:
            return [{"path": path, "error": error} for path, error in sorted(self._errors.items())]


_active: list[ErrorCollector] = []
_active_guard = threading.Lock()


def _collectors() -> list[ErrorCollector]:
    with _active_guard:
        return list(_active)


def record_error(path: str, error: str) -> None:
    """Give one file's read error to every collector open now."""
    for collector in _collectors():
        collector.add(path, error)


def record_fallback(path: str, reason: str) -> None:
    """Give the reason one file was read the original way to every collector open now."""
    for collector in _collectors():
        collector.add_fallback(path, reason)


@contextmanager
def collect_errors() -> Iterator[ErrorCollector]:
    """Collect every read error and fall-back reported while the block runs."""
    collector = ErrorCollector()
    with _active_guard:
        _active.append(collector)
    try:
        yield collector
    finally:
        with _active_guard:
            _active.remove(collector)
