"""User loaders named on the command line as ``tests.user_loaders:Class``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from exifbench.strategies.extractors.pillow import pillow_exif


class DictLoader:
    """A user's own loader: no ``reader`` argument, a plain dict cache."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[str, Any]] = {}

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if path not in self.cache:
            try:
                self.cache[path] = pillow_exif(path)
            except Exception:
                self.cache[path] = {}
        return self.cache[path]

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> DictLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NotALoader:
    """Has no ``load_exif``: must be refused with a clear error."""

    def close(self) -> None:
        pass


class HostileValueLoader(DictLoader):
    """Answers every file with one made-up tag whose value is rich markup and terminal escapes."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        return {"Make": "[/red]\x1b[2J[bold]forged"}
