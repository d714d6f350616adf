"""Files Pillow opens with a plugin that has no ``_getexif`` (TIFF, HEIF, AVIF...): the original's ``{}`` without ``Image.open``.

For such a file the original loader's outcome is decided by the plugin's open alone: ``{}`` when it
succeeds, an error when it fails. :func:`no_getexif_exif` runs exactly that open -- the plugin
``Image.open`` would try first, on the same bytes -- and skips only ``Image.open``'s own overhead
and reads the file as that open reads it (pillow-heif 1.9 reads only the parts libheif asks for). Whatever
``Image.open`` would do beyond that -- a plugin failing (Pillow then tries the next one), an earlier
plugin accepting the file, a warning, a decompression-bomb check that fires -- is a
:class:`~exifbench.strategies.extractors.fallback.Fallback`: Pillow itself then gives the outcome, error text and all.
"""

from __future__ import annotations

import os
from typing import Any

from PIL import Image

import exifbench.strategies.extractors.pillow  # noqa: F401  (registers pillow-heif's opener, as the original loader has it)
from exifbench.strategies.extractors.fallback import Fallback


def first_plugin(prefix: bytes) -> str:
    """The format whose plugin ``Image.open`` tries first on a file starting with ``prefix`` (its first 16 bytes).

    Plugins registered later (``Image.open`` imports more as it goes) join the end of ``Image.ID``, so the first
    match among those registered now is the first ``Image.open`` tries; no match leaves the file to Pillow.
    """
    for name in Image.ID:
        factory_accept = Image.OPEN.get(name)
        if factory_accept is None:
            raise Fallback("pillow-plugins")
        accept = factory_accept[1]
        if accept is None:  # no magic bytes matched: Image.open now tries the plugins that guess
            raise Fallback("not-identified")
        result = accept(prefix)
        if isinstance(result, str):  # Image.open warns and goes on: left to Pillow
            raise Fallback("plugin-warning")
        if result:
            return name
    raise Fallback("not-identified")


def no_getexif_exif(path: str, fd: int, head: bytes) -> dict[str, Any]:
    """``pillow_exif(path)``'s ``{}`` for a file whose plugin has no ``_getexif``; raises :class:`Fallback` otherwise.

    ``head`` is the file's first bytes (at least 16 unless the file is shorter), read from ``fd`` already;
    ``fd`` is left open (its position moves).
    """
    name = first_plugin(head[:16])
    factory = Image.OPEN[name][0]
    if callable(getattr(factory, "_getexif", None)):
        raise Fallback(f"{name.lower()}-exif")
    os.lseek(fd, 0, os.SEEK_SET)  # read as Image.open reads it (buffered, from the start); only the head is read twice
    fp = open(os.dup(fd), "rb")  # a file of the system: pillow-heif's open reads only the parts libheif asks for
    try:
        with fp, factory(fp, path) as image:
            width, height = image.size
    except Exception as exc:  # Image.open would try the next plugin or raise: Pillow's call
        raise Fallback(f"{name.lower()}-open") from exc
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and max(1, width) * max(1, height) > limit:
        raise Fallback("large-image")
    return {}
