"""exifbench: measure how a photo app should load EXIF metadata."""

from __future__ import annotations

__version__ = "0.1.0"

from exifbench.datasets.patterns.record import record  # noqa: E402  (needs __version__ defined first)

__all__ = ["__version__", "record"]
