"""The one exception type for user mistakes; the CLI shows it as one red line."""

from __future__ import annotations


class ExifbenchError(Exception):
    """A user-facing error: bad input, bad option, missing file. Never a bug."""
