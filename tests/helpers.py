"""Test doubles: readers whose loads the test releases by hand, and which record their calls."""

from __future__ import annotations

import threading
from typing import Any

from exifbench.extractors import ExifRead, report


class GatedReader:
    """An ``ExifReader`` stand-in: every read waits for :attr:`gate` and is recorded in order."""

    def __init__(self, open_gate: bool = False) -> None:
        self.gate = threading.Event()
        if open_gate:
            self.gate.set()
        self.calls: list[str] = []
        self.threads: list[str] = []
        self.started = threading.Semaphore(0)
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
        return report(path, self(path))
