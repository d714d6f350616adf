"""Recording an app's own ``load_exif`` calls into a replayable pattern.

    with exifbench.record(app.image_model, "trace.json", root=photo_dir) as loader:
        run_the_app(loader)           # every call goes through to the real loader

The pattern is written on exit (paths relative to ``root``; think time is the
gap since the previous call ended), ready for ``exifbench run --pattern trace.json``.
A path and the root match whether either is reached through a symlink (``/tmp`` on
macOS). Calls outside the root are left out of the saved trace, and said in one line.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from exifbench.errors import ExifbenchError
from exifbench.datasets.patterns.pattern import Call, Pattern, safe_relative
from exifbench.datasets.patterns.clock import now_ns


class Recorder:
    """Wraps any loader with ``load_exif`` (and optionally ``preload``) and logs every call."""

    def __init__(self, loader: Any, path: str | Path, root: str | Path | None = None, name: str | None = None) -> None:
        self.loader = loader
        self.path = Path(path)
        self.root = Path(os.path.abspath(root)) if root is not None else None
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
            self.add(str(path), begin, now_ns(), blocking, threading.current_thread().name)

    def add(self, path: str, begin_ns: int, end_ns: int, blocking: bool, thread: str) -> None:
        """Record one call that ran from ``begin_ns`` to ``end_ns``: its think time is the gap since the call
        recorded before it ended (add calls in the order they ended)."""
        with self._lock:
            think_ms = 0.0 if self._last_end is None else max(0.0, (begin_ns - self._last_end) / 1e6)
            self.calls.append((path, think_ms, blocking, thread))
            self._last_end = end_ns

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
        """The recorded calls under the dataset root as a pattern, paths relative to the root
        (calls outside it are left out: see :meth:`outside`)."""
        root = self._root()
        inside = [Call(relative, think, blocking, thread) for p, think, blocking, thread in self.calls
                  if (relative := _relative(p, root)) is not None]  # fmt: skip
        if not inside:
            raise ExifbenchError(f"{self.path}: none of the {len(self.calls)} recorded calls is under the dataset root {root}")
        return Pattern(
            name=self.name,
            description=f"recorded: {len(inside)} calls under {root}",
            calls=inside,
            preload=[relative for p in self.preloaded if (relative := _relative(p, root)) is not None],
            priority=[relative for p in self.priority if (relative := _relative(p, root)) is not None],
        )

    def outside(self) -> list[str]:
        """Every recorded path (called or pre-loaded) that is not under the dataset root, once each."""
        root = self._root()
        recorded = [p for p, *_ in self.calls] + self.preloaded + self.priority
        return list(dict.fromkeys(p for p in recorded if _relative(p, root) is None))

    def save(self) -> Path:
        """Write what is under the root; then a one-line :class:`ExifbenchError` if some calls were not."""
        self.pattern().save(self.path)
        outside = self.outside()
        if outside:
            raise ExifbenchError(
                f"{self.path}: saved without {len(outside)} path(s) recorded outside the dataset root {self._root()} "
                f"(first: {outside[0]!r})"
            )
        return self.path

    def _root(self) -> Path:
        if self.root is not None:
            return self.root
        return Path(os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p, *_ in self.calls]))

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Save the trace; if the app's block is already failing, a problem saving it is a warning, not a second error."""
        if not self.calls:
            return
        try:
            self.save()
        except ExifbenchError as problem:
            if exc is None:
                raise
            warnings.warn(str(problem), stacklevel=2)


def _relative(path: str, root: Path) -> str | None:
    """``path`` relative to ``root``, as given or with symlinks resolved on either side; ``None`` if outside."""
    absolute = os.path.abspath(path)
    for candidate, base in (
        (absolute, os.path.abspath(root)),
        (os.path.realpath(absolute), os.path.realpath(root)),
        (os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute)), os.path.realpath(root)),
    ):
        try:
            return safe_relative(Path(candidate).relative_to(base).as_posix())
        except ValueError:
            continue
    return None


def record(loader: Any, path: str | Path = "trace.json", root: str | Path | None = None) -> Recorder:
    """Wrap ``loader`` so its calls are recorded into the pattern file ``path`` (written on exit)."""
    return Recorder(loader, path, root)
