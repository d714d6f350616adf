"""The per-file error log: the warnings loaders log, collected instead of printed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

LOGGER = "exifbench.loader"


class ErrorCollector(logging.Handler):
    """Keeps one ``{"path", "error"}`` per file from the loader's warnings, any thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._errors: dict[str, str] = {}
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        path = getattr(record, "exif_path", None)
        if path is None:
            return
        with self._guard:
            self._errors.setdefault(path, getattr(record, "exif_error", record.getMessage()))

    @property
    def errors(self) -> list[dict[str, str]]:
        with self._guard:
            return [{"path": path, "error": error} for path, error in sorted(self._errors.items())]


@contextmanager
def collect_errors() -> Iterator[ErrorCollector]:
    """Route loader warnings into a collector for the duration of the block."""
    logger = logging.getLogger(LOGGER)
    collector = ErrorCollector()
    propagate = logger.propagate
    logger.addHandler(collector)
    logger.propagate = False
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.propagate = propagate
