"""The per-file error log: every failed read is recorded here directly, whatever ``logging`` is set to.

:func:`exifbench.extractors.report` hands each failed read to every active
collector (from any thread; process-pool reads are reported in the parent when
their ``ExifRead`` comes back), so a host application's logging configuration
cannot hide an error from the harness.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ErrorCollector:
    """Keeps one ``{"path", "error"}`` per file (the first error reported for it), any thread."""

    def __init__(self) -> None:
        self._errors: dict[str, str] = {}
        self._guard = threading.Lock()

    def add(self, path: str, error: str) -> None:
        with self._guard:
            self._errors.setdefault(path, error)

    @property
    def errors(self) -> list[dict[str, str]]:
        with self._guard:
            return [{"path": path, "error": error} for path, error in sorted(self._errors.items())]


_active: list[ErrorCollector] = []
_active_guard = threading.Lock()


def record_error(path: str, error: str) -> None:
    """Give one file's read error to every collector open now."""
    with _active_guard:
        collectors = list(_active)
    for collector in collectors:
        collector.add(path, error)


@contextmanager
def collect_errors() -> Iterator[ErrorCollector]:
    """Collect every read error reported while the block runs."""
    collector = ErrorCollector()
    with _active_guard:
        _active.append(collector)
    try:
        yield collector
    finally:
        with _active_guard:
            _active.remove(collector)
