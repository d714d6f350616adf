"""Fast EXIF extraction: read only the JPEG header and parse the TIFF IFDs ourselves.

:func:`header_exif` returns exactly what :func:`~exifbench.strategies.extractors.pillow.pillow_exif`
returns (keys, key order, value types) without ``Image.open``. It replays the
checks ``JpegImageFile._open`` makes on every marker up to SOS, then the
``Image.Exif`` logic (XMP orientation, DPI probe, Exif/GPS sub-IFD merge).
A file that is not a JPEG goes to :mod:`~exifbench.strategies.extractors.plugin_open` (TIFF, HEIF, AVIF: their
plugin's own open decides between ``{}`` and an error; PNG and WebP: that open, then their EXIF without decoding
pixels). Whenever it cannot vouch for Pillow's outcome -- MPO, odd markers,
a header over :data:`MAX_HEADER` bytes, a Pillow release it was not verified
against, anything Pillow would warn or raise about -- it raises
:class:`~exifbench.strategies.extractors.fallback.Fallback` naming the reason, and the
reader asks Pillow (:func:`fastpath_exif` does the same for direct callers).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache, partial
from typing import Any

import PIL
from PIL import Image

from exifbench.strategies.extractors.fallback import Fallback
from exifbench.strategies.extractors.pillow import pillow_exif
from exifbench.strategies.extractors.plugin_open import no_getexif_exif
from exifbench.strategies.extractors import tiff_ifd
from exifbench.strategies.extractors.tiff_ifd import CORE_VERSION, merged_exif, named

try:  # the compiled core (setup.py builds it; optional): the same scan with the GIL released
    from exifbench.strategies.extractors import _fastcore
except ImportError:  # pragma: no cover - built in every install this project makes
    _fastcore = None  # type: ignore[assignment]
if getattr(_fastcore, "VERSION", None) != CORE_VERSION:
    _fastcore = None  # type: ignore[assignment]  # a stale build: the Python code runs

FIRST_READ = 4096
"""The first read: the whole header of most small JPEGs, the magic bytes of any file; one request."""
LOOKAHEAD = 1024
"""Read beyond what the next segment needs, so the few short segments after it (DQT, SOF, DHT, SOS) come in the same request."""
MAX_HEADER = 1024 * 1024
"""Bytes read before SOS at most; a longer header (junk, fill, huge segments) is left to Pillow."""
VERIFIED_PILLOW = frozenset({(13, 0)})
"""Pillow releases (major, minor) whose dicts this module was verified to reproduce on every corpus file."""

_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF, 0xDE})
_NO_PAYLOAD = frozenset({0xC8, *range(0xD0, 0xDA), *range(0xF0, 0xFE)})  # Pillow reads nothing
_SOS = 0xDA
_EXIF = b"Exif\0\0"
_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_NOT_FF = re.compile(rb"[^\xff]")

COMPILED = _fastcore is not None
"""Whether the compiled core (``_fastcore``, built by setup.py) does the marker scan and the IFD walk; without it the
pure-Python functions here and in :mod:`~exifbench.strategies.extractors.tiff_ifd` do, with the same answers."""


@contextmanager
def pure_python() -> Iterator[None]:
    """The fast path with its compiled core set aside while the block runs, as in an install without a C
    compiler: the oracle the core is checked against, and the pure-Python figures of the benchmarks."""
    global _fastcore
    core = _fastcore
    _fastcore = None  # type: ignore[assignment]
    setattr(tiff_ifd, "_fastcore", None)
    try:
        yield
    finally:
        _fastcore = core
        setattr(tiff_ifd, "_fastcore", core)

Found = tuple[bytes, int, int, bytes | None, bool]
"""What the marker scan found: the Exif payload as ``data[start:end]``, the last XMP packet, whether JFIF set the DPI."""


@lru_cache(maxsize=8)
def unverified_pillow(version: str) -> str | None:
    """The fall-back reason for a Pillow ``version`` outside :data:`VERIFIED_PILLOW`, else ``None``."""
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return f"unverified Pillow {version}"
    return None if (major, minor) in VERIFIED_PILLOW else f"unverified Pillow {major}.{minor}"


def header_exif(path: str) -> dict[str, Any]:
    """``pillow_exif(path)``'s dict, computed from the JPEG header; raises :class:`Fallback` otherwise.

    Anything unexpected (an unreadable file included) is a fall-back too: Pillow then
    produces the outcome, error and all.
    """
    if unverified := unverified_pillow(PIL.__version__):
        raise Fallback(unverified)
    try:
        fd = os.open(path, os.O_RDONLY)  # plain reads into one buffer; no second copy
        try:
            head = os.read(fd, FIRST_READ)
            if not head.startswith(b"\xff\xd8\xff"):
                return no_getexif_exif(path, fd, head)
            found = scan_file(fd, head)
        finally:
            os.close(fd)
        merged = {} if found is None else merged_exif(*found)  # no Exif: ``_getexif`` gives None
    except Fallback:
        raise
    except Exception as exc:
        raise Fallback(f"error:{type(exc).__name__}") from exc
    return named(merged)


def fastpath_exif(path: str) -> dict[str, Any]:
    """:func:`header_exif`, or ``pillow_exif(path)`` where it falls back (raising what Pillow raises)."""
    try:
        return header_exif(path)
    except Fallback:
        return pillow_exif(path)


def scan_file(fd: int, head: bytes) -> Found | None:
    """:func:`scan_jpeg` on the file open at ``fd`` (``head``: its first bytes, read already), through the compiled core
    when it is built: there the walk and its reads run with the GIL released."""
    if _fastcore is None:
        return scan_jpeg(partial(os.read, fd), head)
    result = _fastcore.scan_jpeg(fd, head, MAX_HEADER, LOOKAHEAD)
    if isinstance(result, str):
        raise Fallback(result)
    buf, spans, xmp_start, xmp_end, has_dpi, width, height = result
    xmp = buf[xmp_start:xmp_end] if xmp_start >= 0 else None
    return _found(buf, spans, xmp, has_dpi, None if width < 0 else (width, height))


def scan_jpeg(read: Callable[[int], bytes], buf: bytes) -> Found | None:
    """Walk the markers up to SOS exactly as ``JpegImageFile._open`` would.

    Returns the Exif payload as ``data[start:end]`` (segments joined as Pillow joins them;
    one segment is not copied out of the header), the last XMP packet, and whether JFIF
    already set the DPI -- or ``None`` for a JPEG without
    Exif. Raises :class:`~exifbench.strategies.extractors.fallback.Fallback` wherever Pillow would
    fail, warn, or behave in a way not replicated here, and once the header passes
    :data:`MAX_HEADER` bytes: at most that much is read, in time linear in it. ``buf`` holds the
    bytes read so far (the first read, a JPEG's SOI first); ``read(n)`` reads on (at most ``n`` bytes, fewer at EOF).
    """
    exif: list[tuple[int, int]] = []  # spans of the header: the first segment whole, the others after "Exif\0\0"
    xmp: bytes | None = None
    has_dpi = False
    icc: list[bytes] = []
    size: tuple[int, int] | None = None
    pos, pending = 3, 0xFF  # Pillow has consumed 3 bytes and holds b"\xff"
    while True:
        if pending != 0xFF:  # junk between markers: Pillow reads on, byte by byte, to the next 0xFF
            while (found := buf.find(b"\xff", pos)) < 0:
                pos = len(buf)
                buf = _fill(read, buf, pos + 1)
            pos = found + 1
        if pos >= len(buf):
            buf = _fill(read, buf, pos + 1)
        byte = buf[pos]
        pos += 1
        pending = 0xFF
        if byte == 0xFF:  # fill bytes: the last 0xFF of the run starts the marker
            while (other := _NOT_FF.search(buf, pos)) is None:
                pos = len(buf)
                buf = _fill(read, buf, pos + 1)
            pos = other.start()
            continue
        if byte == 0x00:  # escaped 0xFF: the next byte is read as a new start
            if pos >= len(buf):
                buf = _fill(read, buf, pos + 1)
            pending = buf[pos]
            pos += 1
            continue
        if byte < 0xC0:
            raise Fallback("no-marker")
        if byte not in _NO_PAYLOAD:
            if pos + 2 > len(buf):
                buf = _fill(read, buf, pos + 2)
            n = (buf[pos] << 8 | buf[pos + 1]) - 2
            pos += 2
            start = pos
            if n > 0:
                if pos + n > len(buf):
                    buf = _fill(read, buf, pos + n)
                pos += n
            if byte == _SOS:
                break
            if byte == 0xE1 and buf.startswith(_EXIF, start, pos):
                exif.append((start + 6 if exif else start, pos))
            elif 0xE0 <= byte <= 0xEF:
                s = buf[start:pos]
                if byte == 0xE1 and s.startswith(_XMP):
                    xmp = s.split(b"\x00", 1)[1]
                elif byte == 0xE0 and s.startswith(b"JFIF"):
                    if len(s) < 7:
                        raise Fallback("odd-app-segment")
                    has_dpi = has_dpi or (len(s) >= 12 and s[7] in (1, 2))
                elif byte == 0xE2 and s.startswith(b"ICC_PROFILE\0"):
                    icc.append(s)
                elif byte == 0xE2 and s.startswith(b"MPF\0"):
                    raise Fallback("mpo")
                elif byte == 0xED and s.startswith(b"Photoshop 3.0\x00"):
                    check_photoshop(s)
                elif byte == 0xEE and s.startswith(b"Adobe") and len(s) < 7:
                    raise Fallback("odd-app-segment")
            elif byte in _SOF:
                s = buf[start:pos]
                if len(s) < 6 or s[0] != 8 or s[5] not in (1, 3, 4) or (len(s) - 6) % 3:
                    raise Fallback("odd-sof")
                if icc and len(min(icc)) < 14:
                    raise Fallback("odd-icc")
                icc = []
                size = (s[3] << 8 | s[4], s[1] << 8 | s[2])
            elif byte == 0xDB:
                check_dqt(buf[start:pos])
        if pos >= len(buf):
            buf = _fill(read, buf, pos + 1)
        pending = buf[pos]
        pos += 1
    return _found(buf, exif, xmp, has_dpi, size)


def _found(buf: bytes, exif: list[tuple[int, int]], xmp: bytes | None, has_dpi: bool, size: tuple[int, int] | None) -> Found | None:
    """The scan's answer from what it saw before SOS: the frame checked as Pillow checks it, the Exif spans joined."""
    if size is None or min(size) <= 0:
        raise Fallback("no-frame")
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and max(1, size[0]) * max(1, size[1]) > limit:
        raise Fallback("large-image")
    if not exif:
        return None
    if len(exif) == 1:
        return buf, exif[0][0], exif[0][1], xmp, has_dpi
    joined = b"".join(buf[start:end] for start, end in exif)
    return joined, 0, len(joined), xmp, has_dpi


def _fill(read: Callable[[int], bytes], buf: bytes, end: int) -> bytes:
    """``buf`` extended to at least ``end`` bytes (plus :data:`LOOKAHEAD`), never past :data:`MAX_HEADER`; EOF before SOS falls back.

    Each read grows the buffer by an eighth at least, so the copies stay linear in the header's size.
    """
    if end > MAX_HEADER:
        raise Fallback("large-header")
    buf += read(min(max(end - len(buf) + LOOKAHEAD, len(buf) // 8), MAX_HEADER - len(buf)))
    if end > len(buf):
        raise Fallback("truncated-header")
    return buf


def check_dqt(s: bytes) -> None:
    """Raise where Pillow's DQT handler raises (a table cut short)."""
    i = 0
    while i < len(s):
        i += 65 if s[i] < 16 else 129
        if i > len(s):
            raise Fallback("odd-dqt")


def check_photoshop(s: bytes) -> None:
    """Raise where Pillow's Photoshop (APP13) parser escapes its ``struct.error`` guard."""
    offset, end = 14, len(s)
    while s[offset : offset + 4] == b"8BIM":
        offset += 6  # signature, resource code
        if offset > end:
            return  # code unreadable: Pillow stops quietly
        code = s[offset - 2] << 8 | s[offset - 1]
        if offset == end:
            raise Fallback("odd-photoshop")  # name length byte missing: IndexError
        offset += 1 + s[offset]
        offset += offset & 1
        if offset + 4 > end:
            return
        size = int.from_bytes(s[offset : offset + 4], "big")
        offset += 4
        if code == 0x03ED and len(s[offset : offset + size]) < 14:
            return
        offset += size
        offset += offset & 1
