"""``sync``: the original on-demand loader with its dict cache (blocks on every first read)."""

from __future__ import annotations

from collections.abc import Sequence

from exifbench.strategies.extractors import ExifReader
from exifbench.strategies.base import ClosingLoader, Exif


class SyncLoader(ClosingLoader):
    """``ImageModel.load_exif`` as profiled: read on first call, then serve from a dict."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        self._read = reader or ExifReader()
        self._exif_cache: dict[str, Exif] = {}

    def load_exif(self, path: str, blocking: bool = False) -> Exif:
        if path in self._exif_cache:
            return self._exif_cache[path]
        result = self._read.load(path)
        self._exif_cache[path] = result
        return result

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        """The original had no pre-loading."""
