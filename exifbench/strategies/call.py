"""``call:module:function``: an app's plain ``path -> dict`` function as a loader, with the original's semantics.

The function is the app's own synchronous code path (the one its view calls); wrapped here as the original
``ImageModel.load_exif`` was: read on the first call for a file, on the caller's thread, then served from a
dict; no pre-loading. A plain function has no "not ready": its ``None`` is "no EXIF" (``{}``). An exception
it raises for a file is that file's error (see ``--on-loader-error``). It reads the files itself, so the
storage model charges it only through the FUSE mount.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from exifbench.strategies.base import ClosingLoader, Exif

PREFIX = "call:"

ExifFunction = Callable[[str], Any]
"""An app's function: a file's path in, its EXIF dict (or ``None`` for none) out."""


class CallLoader(ClosingLoader):
    """A loader around :attr:`function` (set on the subclass :func:`loader_class` makes)."""

    function: ClassVar[ExifFunction]

    def __init__(self) -> None:
        self._cache: dict[str, Exif] = {}

    def load_exif(self, path: str, blocking: bool = False) -> Exif:
        if path not in self._cache:
            exif = type(self).function(path)
            self._cache[path] = {} if exif is None else exif
        return self._cache[path]

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        """The original had no pre-loading."""


def loader_class(spec: str, function: ExifFunction) -> type[CallLoader]:
    """A :class:`CallLoader` subclass named ``spec`` (``call:module:function``) that calls ``function``."""
    return type(spec, (CallLoader,), {"function": staticmethod(function), "__doc__": f"{spec} as a loader"})
