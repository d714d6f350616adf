"""App loaders whose dicts have shapes of their own, named on the command line as ``app_loaders:Class``."""

from __future__ import annotations

from typing import Any

from PIL import Image

from user_loaders import DictLoader


class ShapedLoader(DictLoader):
    """pyexiv2's shape: ``{'Exif.Image.Make': ('Make', 'Canon')}``, and the method that maps it back."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        return {f"Exif.Image.{name}": (name, value) for name, value in super().load_exif(path, blocking).items()}

    def normalize(self, path: str, exif: dict[str, Any]) -> dict[str, Any]:
        return dict(exif.values())


class WrongModelLoader(ShapedLoader):
    """Like :class:`ShapedLoader`, but its camera model is upper-cased: ``Model`` differs, ``Make`` does not."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        exif = super().load_exif(path, blocking)
        if "Exif.Image.Model" in exif:
            exif["Exif.Image.Model"] = ("Model", exif["Exif.Image.Model"][1].upper() + "!")
        return exif


class BrokenNormalizeLoader(ShapedLoader):
    """Its ``normalize`` raises on every dict with a ``Make``: the user's bug, one line per file, no traceback."""

    def normalize(self, path: str, exif: dict[str, Any]) -> dict[str, Any]:
        if "Exif.Image.Make" in exif:
            raise KeyError("camera")
        return super().normalize(path, exif)


class CameraFieldsLoader(DictLoader):
    """An app's own fields, ``camera_make``/``camera_model``/``aperture``, and no ``normalize`` method."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        exif = super().load_exif(path, blocking)
        fields = {"camera_make": exif.get("Make"), "camera_model": exif.get("Model"), "aperture": exif.get("FNumber")}
        return {key: value for key, value in fields.items() if value is not None}


def camera_fields(path: str, exif: dict[str, Any]) -> dict[str, Any]:
    """``--normalize app_loaders:camera_fields`` for :class:`CameraFieldsLoader`."""
    names = {"camera_make": "Make", "camera_model": "Model", "aperture": "FNumber"}
    return {names[key]: value for key, value in exif.items()}


class NumericKeysLoader(DictLoader):
    """Pillow's ``getexif()``: numeric tag keys (the original loader names them), base IFD only."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if path not in self.cache:
            try:
                with Image.open(path) as img:
                    self.cache[path] = dict(img.getexif())
            except Exception:
                self.cache[path] = {}
        return self.cache[path]

