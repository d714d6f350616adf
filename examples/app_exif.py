"""An app's own EXIF function, benchmarked as it is: ``call:examples.app_exif:read_exif``.

    exifbench run -s sync,call:examples.app_exif:read_exif ../shared/corpus/exif-samples/jpg

``call:`` wraps a plain ``path -> dict`` function with the original loader's semantics (read on the
first call, on the caller's thread, then served from a dict). Its ``None`` is "no EXIF"; an exception
is that file's error; what it logs is shown after the table as its own output.
"""

from __future__ import annotations

import logging
from typing import Any

from PIL import ExifTags, Image

log = logging.getLogger("photoapp.exif")


def read_exif(path: str) -> dict[str, Any] | None:
    """The tags of ``path`` by name, as the app's image model reads them; ``None`` when it has none."""
    try:
        with Image.open(path) as image:
            raw = image._getexif() if hasattr(image, "_getexif") else None
    except Exception as exc:  # the app shows the file without EXIF and logs why
        log.warning("no EXIF for %s: %s", path, exc)
        return None
    return {ExifTags.TAGS.get(tag, str(tag)): value for tag, value in raw.items()} if raw else None
