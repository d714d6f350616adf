"""PNG without decoding pixels: what ``PngImageFile._getexif`` returns, from the chunks and an inflate of IDAT.

Pillow's ``_getexif`` on a PNG reads the ``exif`` the open found before the image data (an ``eXIf`` chunk); without
one it calls ``load()`` -- the whole decode -- to see whether one follows the image data, and that decode may raise.
:func:`png_exif` answers the first case from the open's ``info``, parsed by the lean IFD reader. For the second it
replaces the decode by an integrity pass that decides what the decode would: every IDAT chunk is inflated with
``zlib`` (the output thrown away block by block; ``zlib`` releases the GIL), each row's filter byte is checked as
Pillow's ZIP decoder checks it, and the chunks after the image are walked as ``load_end`` walks them. Whatever that
pass cannot vouch for -- an interrupted or over-long stream, a bad filter byte, a chunk after the image whose
handler could raise or add EXIF, an animated PNG, a palette Pillow would refuse -- is a
:class:`~exifbench.strategies.extractors.fallback.Fallback`, and Pillow itself gives the outcome.
"""

from __future__ import annotations

import os
import re
import zlib
from typing import Any

from PIL import ImageFile, PngImagePlugin

from exifbench.strategies.extractors.fallback import Fallback
from exifbench.strategies.extractors.tiff_ifd import merged_exif, named

BLOCK = 1 << 20
"""Inflated bytes held at once by the integrity pass."""

_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
_BITS = {rawmode: depth * _CHANNELS[colour] for (depth, colour), (_, rawmode) in PngImagePlugin._MODES.items()}
"""Bits per pixel of each raw mode Pillow decodes PNG rows with (one raw mode per IHDR depth and colour type)."""
# Adam7, as Pillow's ZipDecode.c walks it: per pass, the first row, the row step, and the column rounding and step.
_STARTING_ROW = (0, 0, 4, 0, 2, 0, 1)
_ROW_INCREMENT = (8, 8, 8, 4, 4, 2, 2)
_OFFSET = (7, 3, 3, 1, 1, 0, 0)
_COL_INCREMENT = (8, 8, 4, 4, 2, 2, 1)
_CID = re.compile(rb"\w\w\w\w")  # PngImagePlugin.is_cid
_RAW_PROFILE = "Raw profile type exif"


def png_exif(image: PngImagePlugin.PngImageFile, fd: int) -> dict[str, Any]:
    """``pillow_exif``'s dict for the PNG ``image``, opened by its plugin (nothing loaded) from the file open at ``fd``."""
    info = image.info
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise Fallback("png-load-truncated")  # Pillow's decode and chunk walk tolerate damage then
    if "exif" in info:  # found before the image data: _getexif does not load
        return exif_dict(info)
    png = image.png
    if png is None or png.im_n_frames is not None:
        raise Fallback("png-animated")
    if _RAW_PROFILE in info:
        raise Fallback("png-raw-profile")
    if image.mode == "P" and png.im_palette is not None and not 0 < len(png.im_palette[1]) <= 768:
        raise Fallback("png-palette")  # putpalette raises on more than 256 entries
    os.lseek(fd, 0, os.SEEK_SET)
    data = read_all(fd)
    end = _decoded_end(image, data)
    _after_image(data, end, png.text_memory)
    return {}  # no EXIF before or after the image data: _getexif gives None


def exif_dict(info: dict[str | tuple[int, int], Any]) -> dict[str, Any]:
    """``getexif()._get_merged_dict()`` from the open's ``info``, the XMP orientation included."""
    payload = info["exif"]
    if not isinstance(payload, bytes):
        raise Fallback("text-exif")  # an iTXt chunk named exif: Exif.load raises on text
    xmp: bytes | None = None
    if text := info.get("XML:com.adobe.xmp"):
        xmp = str(text).encode("utf-8", "surrogatepass")  # the ASCII pattern matches the same in both
    elif (raw := info.get("xmp")) and isinstance(raw, bytes):
        xmp = raw
    return named(merged_exif(payload, 0, len(payload), xmp, True))


def rows(width: int, height: int, bits: int, interlaced: bool) -> list[tuple[int, int]]:
    """The inflated image data as runs of (row size with its filter byte, rows), in the decoder's order."""
    if not interlaced:
        return [((width * bits + 7) // 8 + 1, height)]
    runs = []
    for step in range(7):
        row_len = ((width + _OFFSET[step]) // _COL_INCREMENT[step] * bits + 7) // 8
        count = len(range(_STARTING_ROW[step], height, _ROW_INCREMENT[step]))
        if row_len > 0 and count:
            runs.append((row_len + 1, count))
    return runs


class _Filters:
    """Checks the filter byte of every row as the inflated bytes stream past: Pillow's decoder knows 0 to 4."""

    def __init__(self, runs: list[tuple[int, int]]) -> None:
        self.runs: list[tuple[int, int, int]] = []  # (first byte, end, row size)
        start = 0
        for size, count in runs:
            self.runs.append((start, start + size * count, size))
            start += size * count
        self.total = start
        self.offset = 0

    def check(self, out: bytes) -> None:
        low, high = self.offset, self.offset + len(out)
        for start, end, size in self.runs:
            if end <= low or start >= high:
                continue
            first = max(start, low)
            first += -(first - start) % size
            stop = min(end, high)
            if first < stop and max(out[first - low : stop - low : size]) > 4:
                raise Fallback("png-filter")
        self.offset = high


def _decoded_end(image: PngImagePlugin.PngImageFile, data: bytes) -> int:
    """Where ``load()`` leaves the file once the image is decoded: the end of the IDAT chunk holding its last byte.

    Follows ``load_read``: consecutive IDAT chunks (CRCs not checked), each read as far as the file goes.
    """
    width, height = image.size
    tile = image.tile
    if len(tile) != 1 or tile[0][0] != "zip" or tile[0][1] != (0, 0, width, height) or min(width, height) <= 0:
        raise Fallback("png-tile")
    bits = _BITS.get(tile[0][3]) if isinstance(tile[0][3], str) else None
    if bits is None:
        raise Fallback("png-tile")
    filters = _Filters(rows(width, height, bits, bool(image.info.get("interlace"))))
    need, produced = filters.total, 0
    inflater = zlib.decompressobj()
    pos = tile[0][2] - 8  # the first IDAT chunk's length field
    while True:
        if data[pos + 4 : pos + 8] != b"IDAT":
            raise Fallback("png-truncated")  # the image data ends first: Pillow raises "image file is truncated"
        length = int.from_bytes(data[pos : pos + 4], "big")
        pending = data[pos + 8 : pos + 8 + length]
        try:
            while pending and produced < need and not inflater.eof:
                out = inflater.decompress(pending, min(BLOCK, need - produced))
                filters.check(out)
                produced += len(out)
                pending = inflater.unconsumed_tail
        except zlib.error:
            raise Fallback("png-zlib") from None
        if produced >= need:
            return pos + 8 + length
        if inflater.eof:
            raise Fallback("png-short-stream")
        pos += 12 + length


def _after_image(data: bytes, pos: int, text_memory: int) -> None:
    """``load_end`` from ``pos``: raises :class:`Fallback` where it would raise or find EXIF after the image data."""
    while True:
        pos += 4  # the CRC, not checked
        head = data[pos : pos + 8]
        pos += 8
        if len(head) < 4 or not _CID.match(head[4:]):
            return  # struct.error or SyntaxError: load_end stops there
        cid = head[4:]
        if cid == b"IEND":
            return
        length = int.from_bytes(head[:4], "big")
        if pos + length > len(data):
            raise Fallback("png-truncated")  # _safe_read raises
        if cid == b"tEXt":
            key, _, value = data[pos : pos + length].partition(b"\0")
            if key in (b"exif", _RAW_PROFILE.encode()):
                raise Fallback("png-late-exif")
            text_memory += len(value) if key else 0
            if text_memory > PngImagePlugin.MAX_TEXT_MEMORY:
                raise Fallback("png-text-memory")
        elif cid != b"IDAT" and hasattr(PngImagePlugin.PngStream, f"chunk_{cid.decode('ascii')}"):
            raise Fallback(f"png-late-{cid.decode('ascii')}")  # a handler that may raise or add EXIF: Pillow's call
        pos += length


def read_all(fd: int) -> bytes:
    """The rest of the file open at ``fd``: as many reads as its size needs (one, on a local disk)."""
    size = os.fstat(fd).st_size - os.lseek(fd, 0, os.SEEK_CUR)
    parts = []
    got = 0
    while got < size and (part := os.read(fd, size - got)):
        parts.append(part)
        got += len(part)
    return b"".join(parts)
