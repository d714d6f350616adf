"""How an extractor hands a file back to the original loader, saying why."""

from __future__ import annotations


class Fallback(Exception):
    """Raised by an extractor that cannot vouch for the original loader's result on one file.

    The :class:`~exifbench.strategies.extractors.ExifReader` then reads the file the original
    way (Pillow) and the read carries ``reason`` (``ExifRead.fallback``).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
