"""Test loaders with dict shapes of their own (beside ``examples/shaped_loader.py``), named as ``app_loaders:Class``."""

from __future__ import annotations

from typing import Any

from PIL import Image

from examples.shaped_loader import AppLoader, ShapedLoader


class WrongModelLoader(ShapedLoader):
    """Like :class:`ShapedLoader`, but its camera model is upper-cased: ``Model`` differs, ``Make`` does not."""

    def shape(self, exif: dict[str, Any]) -> dict[str, Any]:
        return super().shape({**exif, "Model": exif["Model"].upper() + "!"} if "Model" in exif else exif)


class BrokenNormalizeLoader(ShapedLoader):
    """Its ``normalize`` raises on every dict with a ``Make``: the user's bug, one line per file, no traceback."""

    def normalize(self, path: str, exif: dict[str, Any]) -> dict[str, Any]:
        if "Exif.Image.Make" in exif:
            raise KeyError("camera")
        return super().normalize(path, exif)


class NumericKeysLoader(AppLoader):
    """Pillow's ``getexif()``: numeric tag keys (the original loader names them), base IFD only."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if path not in self.cache:
            try:
                with Image.open(path) as img:
                    self.cache[path] = dict(img.getexif())
            except Exception:
                self.cache[path] = {}
        return self.cache[path]
