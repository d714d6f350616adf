"""sigal 2.6.1 (MIT, a static gallery generator): its own EXIF code path as an exifbench loader.

    exifbench run -s examples.apps.sigal_app:SigalLoader --equality fields:Make,Model,DateTimeOriginal DIR

``load_exif`` is what ``sigal.image.get_image_metadata`` does for EXIF: open the file with sigal's
``_read_image`` (Pillow, warnings logged), read ``get_exif_data`` (Pillow's ``getexif()`` merged with its
sub-IFDs, tags by name, GPS by name), close the image. Synchronous, every call reads the file; sigal's own
exceptions propagate and its log lines are its own. The dict is Pillow's names and values, so it needs no
``normalize``; ``None`` (sigal's answer when Pillow divides by zero) is returned as ``{}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sigal.image import _read_image, get_exif_data  # type: ignore[import-untyped]

from exifbench.strategies.base import ClosingLoader


class SigalLoader(ClosingLoader):
    """sigal's ``_read_image`` + ``get_exif_data`` per call; nothing to pre-load or to close."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        image = _read_image(path)
        try:
            data = get_exif_data(image)
        finally:
            image.close()
        return {} if data is None else dict(data)

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        """sigal reads each file when it processes it: nothing ahead."""
