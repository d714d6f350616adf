"""The original loader's extraction: ``Image.open`` + ``_getexif``, tag names via ``ExifTags``."""

from __future__ import annotations

from typing import Any

from PIL import ExifTags, Image

try:  # HEIC/HEIF open through the pillow-heif plugin when it is installed
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - the plugin is a declared dependency
    pass
else:
    register_heif_opener()


def pillow_exif(path: str) -> dict[str, Any]:
    """Return the original loader's dict for ``path``; raises on unreadable files.

    Images without a callable ``_getexif`` (TIFF, AVIF, HEIC...) give ``{}``,
    exactly as the original did.
    """
    with Image.open(path) as img:
        getexif = getattr(img, "_getexif", None)
        exif_data = getexif() if callable(getexif) else None
        return {ExifTags.TAGS.get(tag, str(tag)): value for tag, value in (exif_data or {}).items()}
