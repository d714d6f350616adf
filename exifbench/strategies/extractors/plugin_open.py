"""Files Pillow opens with a plugin other than JPEG's: the original's answer without ``Image.open``.

PNG and WebP have a ``_getexif``: their plugin's open runs, then :mod:`~exifbench.strategies.extractors.png` (PNG:
the EXIF found before the image data, or an integrity pass instead of the decode) or the WebP demuxer's EXIF chunk
gives the dict, parsed by the lean IFD reader. The rest have none (TIFF, HEIF, AVIF...).

For a file without ``_getexif`` the original loader's outcome is decided by the plugin's open alone: ``{}`` when it
succeeds, an error when it fails. :func:`no_getexif_exif` runs exactly that open -- the plugin
``Image.open`` would try first, on the same bytes -- and skips only ``Image.open``'s own overhead
and reads the file as that open reads it (pillow-heif 1.9 reads only the parts libheif asks for). Whatever
``Image.open`` would do beyond that -- a plugin failing (Pillow then tries the next one), an earlier
plugin accepting the file, a warning, a decompression-bomb check that fires -- is a
:class:`~exifbench.strategies.extractors.fallback.Fallback`: Pillow itself then gives the outcome, error text and all.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from functools import partial
from typing import Any

from PIL import Image

import exifbench.strategies.extractors.pillow  # noqa: F401  (registers pillow-heif's opener, as the original loader has it)
from exifbench.strategies.extractors.fallback import Fallback
from exifbench.strategies.extractors.png import exif_dict, png_exif


def first_plugin(prefix: bytes, path: str = "", fd: int | None = None) -> str:
    """The format whose plugin ``Image.open`` opens a file starting with ``prefix`` (its first 16 bytes) with, unless
    that plugin's own open fails.

    Plugins registered later (``Image.open`` imports more as it goes) join the end of ``Image.ID``, so the first
    match among those registered now is the first ``Image.open`` tries. With no match, the plugins ``Image.open``
    would import next are imported as it imports them -- the one for ``path``'s extension (else the common ones),
    then the common ones, then all -- and tried in turn; no match at all leaves the file to Pillow. A plugin without
    magic bytes on the way is tried as ``Image.open`` tries it, on the file open at ``fd``: its open must fail the way
    that makes ``Image.open`` go on.
    """
    for step in (_nothing, partial(_import_for_extension, path), Image.preinit, Image.init):
        step()
        if (name := _registered_match(prefix, path, fd)) is not None:
            return name
    raise Fallback("not-identified")


def _nothing() -> None:
    pass


def _open_fails(factory: Any, path: str, fd: int) -> bool:
    """Whether ``factory``'s open of the file at ``fd`` raises what makes ``Image.open`` try the next plugin."""
    os.lseek(fd, 0, os.SEEK_SET)
    with open(os.dup(fd), "rb") as fp:
        try:
            factory(fp, path).close()
        except _GOES_ON:
            return True
        except Exception:
            return False
    return False


def _import_for_extension(path: str) -> None:
    """What ``Image.open`` imports before its first pass: the plugin for the file's extension, else the common ones."""
    if not Image._import_plugin_for_extension(os.path.splitext(path)[1]):
        Image.preinit()


_GOES_ON = (SyntaxError, IndexError, TypeError, struct.error)
"""What a plugin's open may raise for ``Image.open`` to try the next plugin."""


def _registered_match(prefix: bytes, path: str, fd: int | None) -> str | None:
    """The first registered format whose magic bytes match ``prefix``, or ``None``."""
    for name in list(Image.ID):
        factory_accept = Image.OPEN.get(name)
        if factory_accept is None:
            raise Fallback("pillow-plugins")
        factory, accept = factory_accept
        if accept is None:  # a plugin that guesses: Image.open runs its open
            if fd is None or Image.WARN_POSSIBLE_FORMATS or not _open_fails(factory, path, fd):
                raise Fallback("not-identified")
            continue
        result = accept(prefix)
        if isinstance(result, str):  # Image.open warns and goes on: left to Pillow
            raise Fallback("plugin-warning")
        if result:
            return name
    return None


def _webp_exif(image: Image.Image, fd: int) -> dict[str, Any]:
    """A WebP's dict: its plugin's open found the EXIF chunk (libwebp's demuxer) and ``_getexif`` loads nothing."""
    return exif_dict(image.info) if "exif" in image.info else {}


ANSWERS: dict[str, Callable[[Any, int], dict[str, Any]]] = {"PNG": png_exif, "WEBP": _webp_exif}
"""Formats with a ``_getexif`` answered here after their plugin's open: the open, then EXIF without decoding pixels."""


def no_getexif_exif(path: str, fd: int, head: bytes) -> dict[str, Any]:
    """``pillow_exif(path)``'s dict for a file whose plugin has no ``_getexif`` (``{}``) or is in :data:`ANSWERS`;
    raises :class:`Fallback` otherwise.

    ``head`` is the file's first bytes (at least 16 unless the file is shorter), read from ``fd`` already;
    ``fd`` is left open (its position moves).
    """
    name = first_plugin(head[:16], path, fd)
    factory = Image.OPEN[name][0]
    answer = ANSWERS.get(name)
    if answer is None and callable(getattr(factory, "_getexif", None)):
        raise Fallback(f"{name.lower()}-exif")
    os.lseek(fd, 0, os.SEEK_SET)  # read as Image.open reads it (buffered, from the start); only the head is read twice
    with open(os.dup(fd), "rb") as fp:  # a file of the system: pillow-heif's open reads only the parts libheif asks for
        try:
            image = factory(fp, path)
        except Exception as exc:  # Image.open would try the next plugin or raise: Pillow's call
            raise Fallback(f"{name.lower()}-open") from exc
        with image:
            width, height = image.size
            limit = Image.MAX_IMAGE_PIXELS
            if limit is not None and max(1, width) * max(1, height) > limit:
                raise Fallback("large-image")
            return {} if answer is None else answer(image, fd)
