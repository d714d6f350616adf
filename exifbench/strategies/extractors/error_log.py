"""The per-file error log: every failed read is recorded here directly, whatever ``logging`` is set to.

Reads the fast path handed to Pillow are logged here too, with their reason. Each log belongs to
one reader (:attr:`exifbench.strategies.extractors.ExifReader.log`, one per run): its reports go to
it alone, from any thread (process-pool reads are reported in the parent when their ``ExifRead``
comes back), so a host application's logging configuration cannot hide an error from the harness,
and two runs in one process never see each other's errors.
"""

from __future__ import annotations

import threading
from collections import Counter


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
