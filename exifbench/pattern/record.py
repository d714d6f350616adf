"""Recording an app's own ``load_exif`` calls into a replayable pattern.

    with exifbench.record(app.image_model, "trace.json", root=photo_dir) as loader:
        run_the_app(loader)           # every call goes through to the real loader

The pattern is written on exit (paths relative to ``root``; think time is the
gap since the previous call ended), ready for ``exifbench run --pattern trace.json``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from exifbench.errors import ExifbenchError
from exifbench.pattern.pattern import Call, Pattern, safe_relative
from exifbench.replay.clock import now_ns


class Recorder:
    """Wraps any loader with ``load_exif`` (and optionally ``preload``) and logs every call."""

    def __init__(self, loader: Any, path: str | Path, root: str | Path | None = None, name: str | None = None) -> None:
        self.loader = loader
        self.path = Path(path)
        self.root = Path(root).resolve() if root is not None else None
        self.name = name or self.path.stem
        self.calls: list[tuple[str, float, bool, str]] = []
        self.preloaded: list[str] = []
        self.priority: list[str] = []
        self._last_end: int | None = None
        self._lock = threading.Lock()

    def load_exif(self, path: str, blocking: bool = False) -> Any:
        """Call through to the wrapped loader and record the call."""
        begin = now_ns()
        try:
            return self.loader.load_exif(path, blocking=blocking) if blocking else self.loader.load_exif(path)
        finally:
            end = now_ns()
            with self._lock:
                think_ms = 0.0 if self._last_end is None else max(0.0, (begin - self._last_end) / 1e6)
                self.calls.append((str(path), think_ms, blocking, threading.current_thread().name))
                self._last_end = end

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        with self._lock:
            self.preloaded.extend(map(str, paths))
            self.priority.extend(map(str, priority or ()))
        preload = getattr(self.loader, "preload", None)
        if callable(preload):
            preload(paths, priority)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)

    def pattern(self) -> Pattern:
        """The recorded calls as a pattern, paths relative to the dataset root."""
        if not self.calls:
            raise ExifbenchError(f"{self.path}: no load_exif calls were recorded")
        root = self.root or Path(os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p, *_ in self.calls]))
        return Pattern(
            name=self.name,
            description=f"recorded: {len(self.calls)} calls under {root}",
            calls=[Call(self._relative(p, root), think, blocking, thread) for p, think, blocking, thread in self.calls],
            preload=[self._relative(p, root) for p in self.preloaded],
            priority=[self._relative(p, root) for p in self.priority],
        )

    def save(self) -> Path:
        self.pattern().save(self.path)
        return self.path

    def _relative(self, path: str, root: Path) -> str:
        absolute = Path(os.path.abspath(path))
        try:
            return safe_relative(absolute.relative_to(root).as_posix())
        except ValueError:
            raise ExifbenchError(f"{path}: recorded outside the dataset root {root}") from None

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.calls:
            self.save()


def record(loader: Any, path: str | Path = "trace.json", root: str | Path | None = None) -> Recorder:
    """Wrap ``loader`` so its calls are recorded into the pattern file ``path`` (written on exit)."""
    return Recorder(loader, path, root)
