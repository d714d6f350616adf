"""Test doubles: readers whose loads the test releases by hand, and which record their calls."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from exifbench.strategies.extractors import ExifRead, ExifReader, report
from exifbench.strategies.extractors.error_log import ErrorCollector
from exifbench.strategies.extractors.fallback import Fallback
from exifbench.strategies.extractors.fastpath import header_exif
from exifbench.strategies import accepts, create, resolve
from exifbench.strategies.base import ExifLoader

PATIENT_S = 120.0
"""An app-facing blocking timeout far above anything a loaded machine adds to a read.

The built-in pools give up a blocking wait after 5 s (the app's design), and return ``{}`` plus a
"timed out" entry: correct, but on a shared machine under load a pool's first read (a worker
process importing Pillow) can take that long. Tests that check what a blocking call *returns*
build their pools with this timeout; tests of the timeout itself set a small one explicitly.
"""


def patient(name: str, reader: ExifReader | None = None, **options: Any) -> ExifLoader:
    """``create(name, reader, **options)``, with the blocking timeout :data:`PATIENT_S` if the strategy has one."""
    if accepts(resolve(name), "timeout_s"):
        options.setdefault("timeout_s", PATIENT_S)
    return create(name, reader, **options)


class GatedReader:
    """An ``ExifReader`` stand-in: every read waits for :attr:`gate` and is recorded in order."""

    def __init__(self, open_gate: bool = False) -> None:
        self.gate = threading.Event()
        if open_gate:
            self.gate.set()
        self.calls: list[str] = []
        self.threads: list[str] = []
        self.started = threading.Semaphore(0)
        self.log = ErrorCollector()
        self._lock = threading.Lock()

    def __call__(self, path: str) -> ExifRead:
        with self._lock:
            self.calls.append(path)
            self.threads.append(threading.current_thread().name)
        self.started.release()
        self.gate.wait(10)
        if path.endswith("bad.jpg"):
            return ExifRead({}, "OSError: unreadable")
        return ExifRead({"Make": f"make of {path}", "Orientation": 1})

    def load(self, path: str) -> dict[str, Any]:
        return self.report(path, self(path))

    def report(self, path: str, read: ExifRead) -> dict[str, Any]:
        return report(path, read, self.log)


def fallback_of(path: Path) -> str | None:
    """Why the fast path hands ``path`` to Pillow; ``None`` when it answers from the header."""
    try:
        header_exif(str(path))
    except Fallback as exc:
        return exc.reason
    return None
