"""PhotoAssistant 1.1.2 (GPL-2.0, a Qt photo organiser): its own EXIF code path as an exifbench loader.

    exifbench run -s examples.apps.photoassistant_app:PhotoAssistantLoader --equality fields:Make,Model DIR

``load_exif`` is ``photoassistant.core.photo.Photo(path).get_exif()``: the file memory-mapped and handed to
exifread (``details=False``); exifread's own errors are logged by PhotoAssistant and answered ``{}``, others
(an empty file cannot be mapped) propagate. ``Photo`` leaves ``file_is_supported`` to the GUI's subclass
(``PhotoQt``: only the formats Qt shows); here every file the replay asks for is accepted. The dict is
exifread's (``{'Image Make': IfdTag, 'EXIF FNumber': IfdTag, ...}``); :meth:`normalize` maps it to Pillow's
names and types for ``--equality fields:...``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL.TiffImagePlugin import IFDRational

from exifbench.strategies.base import ClosingLoader
from photoassistant.core.photo import Photo  # type: ignore[import-untyped]  # the core: imports no Qt

IFDS = ("Image", "EXIF")
"""exifread's prefixes of the main and Exif IFDs, whose tags Pillow's dict has by bare name."""


class AnyFilePhoto(Photo):  # type: ignore[misc]
    """PhotoAssistant's ``Photo`` for any path (its GUI's ``PhotoQt`` decides which files are listed at all)."""

    @staticmethod
    def file_is_supported(path: str) -> bool:
        return True


class PhotoAssistantLoader(ClosingLoader):
    """``Photo(path).get_exif()`` per call, synchronous; nothing to pre-load or to close."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        return dict(AnyFilePhoto(path).get_exif())

    def normalize(self, path: str, exif: dict[str, Any]) -> dict[str, Any]:
        """exifread's ``'IFD Name': IfdTag`` as Pillow's ``Name: value``: one value bare, several a tuple,
        rationals as ``IFDRational``, undefined bytes as ``bytes``; other IFDs (GPS, thumbnail, maker notes) left out."""
        named = {}
        for key, tag in exif.items():
            ifd, _, name = key.partition(" ")
            if ifd in IFDS and hasattr(tag, "values"):
                named[name] = pillow_value(tag)
        return named

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        """The app's synchronous core reads on demand: nothing ahead."""


def pillow_value(tag: Any) -> Any:
    """One exifread tag's value in Pillow's types."""
    values = tag.values
    if isinstance(values, str):
        return values
    if tag.field_type == 7:  # UNDEFINED: Pillow gives the bytes
        return bytes(values)
    items = tuple(IFDRational(v.numerator, v.denominator) if hasattr(v, "denominator") and not isinstance(v, int) else v
                  for v in values)  # fmt: skip
    return items[0] if len(items) == 1 else items
