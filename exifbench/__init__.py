"""exifbench: measure how a photo app should load EXIF metadata."""

from __future__ import annotations

__version__ = "0.1.0"
