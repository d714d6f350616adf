"""App loaders whose dicts have shapes of their own, judged with ``--equality`` (see docs/equality.md).

    exifbench run -s examples.shaped_loader:ShapedLoader --equality fields:Make,Model ../shared/corpus/exif-samples/jpg
    exifbench run -s examples.shaped_loader:CameraFieldsLoader --equality fields:Make,Model,FNumber \
        --normalize examples.shaped_loader:camera_fields ../shared/corpus/exif-samples/jpg

``ShapedLoader`` answers pyexiv2's shape, ``{'Exif.Image.Make': ('Make', 'Canon')}``, and its ``normalize``
method maps that back to the field names compared; ``CameraFieldsLoader`` answers an app's own fields
(``camera_make``, ``camera_model``, ``aperture``) and has no method: ``camera_fields`` is given instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from exifbench.strategies.base import ClosingLoader
from exifbench.strategies.extractors.pillow import pillow_exif


class AppLoader(ClosingLoader):
    """Reads on the caller's thread and caches, each dict in the app's :meth:`shape`."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[str, Any]] = {}

    def shape(self, exif: dict[str, Any]) -> dict[str, Any]:
        """Pillow's dict in the app's own shape."""
        return exif

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if path not in self.cache:
            try:
                self.cache[path] = self.shape(pillow_exif(path))
            except Exception:  # the app's own convention: {} for a file it cannot read
                self.cache[path] = {}
        return self.cache[path]

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        """Reads nothing ahead."""


class ShapedLoader(AppLoader):
    """pyexiv2's shape, and the ``normalize`` method ``--equality`` uses."""

    def shape(self, exif: dict[str, Any]) -> dict[str, Any]:
        return {f"Exif.Image.{name}": (name, value) for name, value in exif.items()}

    def normalize(self, path: str, exif: dict[str, Any]) -> dict[str, Any]:
        """``{'Exif.Image.Make': ('Make', 'Canon')}`` → ``{'Make': 'Canon'}``."""
        return dict(exif.values())


FIELDS = {"camera_make": "Make", "camera_model": "Model", "aperture": "FNumber"}
"""The app's field names, and the tag each one holds."""


class CameraFieldsLoader(AppLoader):
    """Only the app's own fields; no ``normalize`` method (``--normalize`` names :func:`camera_fields`)."""

    def shape(self, exif: dict[str, Any]) -> dict[str, Any]:
        return {field: exif[tag] for field, tag in FIELDS.items() if tag in exif}


def camera_fields(path: str, exif: dict[str, Any]) -> dict[str, Any]:
    """``--normalize examples.shaped_loader:camera_fields``: the app's field names → the tags compared."""
    return {FIELDS[field]: value for field, value in exif.items()}
