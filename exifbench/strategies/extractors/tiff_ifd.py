"""A lean TIFF IFD reader that reproduces Pillow's ``Image.Exif`` values exactly.

It mirrors ``ImageFileDirectory_v2.load`` + ``__getitem__``/``_setitem`` and
``Exif._fixup``: same skipped entries, same types (``int``, ``float``, ``str``,
``bytes``, tuples, ``IFDRational``), same key iteration order. Whenever Pillow
would warn, raise, or take a branch this module does not replicate, it raises
:class:`~exifbench.strategies.extractors.fallback.Fallback` so the caller can defer to Pillow itself.
"""

from __future__ import annotations

import re
import struct
from functools import lru_cache
from typing import Any, NamedTuple

from PIL import ExifTags, TiffTags
from PIL.TiffImagePlugin import IFDRational, ImageFileDirectory_v2

from exifbench.strategies.extractors.fallback import Fallback

CORE_VERSION = 2
"""The compiled core's ``VERSION`` this code calls; a build of another version (older than the checkout) is not used."""

try:  # the compiled core (setup.py builds it; optional): the same walk with the GIL released
    from exifbench.strategies.extractors import _fastcore
except ImportError:  # pragma: no cover - built in every install this project makes
    _fastcore = None  # type: ignore[assignment]
if getattr(_fastcore, "VERSION", None) != CORE_VERSION:
    _fastcore = None  # type: ignore[assignment]

_NUMBER_FMT = {3: "H", 4: "L", 6: "b", 8: "h", 9: "l", 11: "f", 12: "d", 13: "L", 16: "Q"}
_RATIONAL_FMT = {5: "L", 10: "l"}  # RATIONAL, SRATIONAL
_ASCII, _BYTE, _UNDEFINED = 2, 1, 7
# Pillow's loaders (type id -> unit size) for the types decoded here; Pillow skips types it has no loader for.
_PILLOW_TYPES = ImageFileDirectory_v2._load_dispatch
_UNIT_SIZE = {
    typ: size for typ, (size, _) in _PILLOW_TYPES.items() if typ in {_ASCII, _BYTE, _UNDEFINED, *_NUMBER_FMT, *_RATIONAL_FMT}
}
_ENTRY = {e: struct.Struct(f"{e}HHL4s") for e in "<>"}
_U16 = {e: struct.Struct(f"{e}H") for e in "<>"}
_U32 = {e: struct.Struct(f"{e}L") for e in "<>"}
_ONE_NUMBER = {e: {typ: struct.Struct(e + fmt).unpack_from for typ, fmt in _NUMBER_FMT.items()} for e in "<>"}
_ONE_RATIONAL = {e: {typ: struct.Struct(e + 2 * fmt).unpack for typ, fmt in _RATIONAL_FMT.items()} for e in "<>"}


@lru_cache(maxsize=4096)
def rational(numerator: int, denominator: int) -> IFDRational:
    """``IFDRational(numerator, denominator)``, shared: it is immutable and costs a ``Fraction`` to build."""
    return IFDRational(numerator, denominator)


def _tag_specs(group: int | None) -> tuple[frozenset[int], dict[int, dict[str, int]]]:
    """Tags declared single-valued and ASCII enums, exactly as ``TiffTags.lookup`` sees them."""
    table = TiffTags.TAGS_V2 if group is None else TiffTags.TAGS_V2_GROUPS.get(group, {})
    single = frozenset(tag for tag, info in table.items() if info.length == 1)
    return single, {tag: info.enum for tag, info in table.items() if info.enum}


_SPECS = {group: _tag_specs(group) for group in (None, 0x8769, 0x8825)}


def _bitmap(tags: frozenset[int]) -> bytes:
    """One bit per 16-bit tag id, set for ``tags``: the compiled core's copy of a set."""
    bits = bytearray(8192)
    for tag in tags:
        bits[tag >> 3] |= 1 << (tag & 7)
    return bytes(bits)


# The compiled core's tables: each type's unit size (0: skipped as Pillow skips it, 255: a type Pillow loads and
# this module does not decode), and the single-valued tags of each group as bitmaps.
_UNITS = bytes(_UNIT_SIZE.get(typ, 255 if typ in _PILLOW_TYPES else 0) for typ in range(256))
assert all(typ < 256 for typ in _PILLOW_TYPES), "a type id past the compiled core's table"
_SINGLE_BITS = {group: _bitmap(single) for group, (single, _) in _SPECS.items()}


def pillow_order(values: dict[int, Any]) -> dict[int, Any]:
    """``values`` re-keyed in the order ``dict(ImageFileDirectory_v2)`` yields them."""
    return {tag: values[tag] for tag in set(values) | set()}


class Tiff(NamedTuple):
    """TIFF data inside a larger buffer, ``data[base:end]``, read in place: offsets count from ``base``."""

    data: bytes
    base: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.base


def load_ifd(tiff: Tiff, offset: int, endian: str, group: int | None, ordered: bool = False) -> dict[int, Any]:
    """The IFD at ``offset`` as ``Exif`` returns its values, in file order (``ordered``: in the order
    ``dict(ImageFileDirectory_v2)`` yields them): :func:`load_ifd_py`'s answer, from the compiled core when it is built
    (its entries are walked with the GIL released)."""
    if _fastcore is None:
        values = load_ifd_py(tiff, offset, endian, group)
        return pillow_order(values) if ordered else values
    found = _fastcore.load_ifd(tiff.data, tiff.base, tiff.end, offset, endian == ">", _UNITS, _SINGLE_BITS[group],
                               _SPECS[group][1], rational, ordered)  # fmt: skip
    if isinstance(found, str):
        raise Fallback(found)
    return found


def load_ifd_py(tiff: Tiff, offset: int, endian: str, group: int | None) -> dict[int, Any]:
    """The IFD at ``offset`` as ``Exif`` returns its values, in file order (pure Python: the fall-back and the oracle).

    Mirrors ``ImageFileDirectory_v2.load`` (which entries survive), its
    ``__getitem__``/``_setitem`` decoding and ``Exif._fixup`` (1-tuples collapse).
    Raises :class:`~exifbench.strategies.extractors.fallback.Fallback` wherever Pillow would warn or special-case.
    """
    data, base, limit = tiff.data, tiff.base, tiff.size
    start = offset + 2
    if start > limit:
        raise Fallback("truncated-ifd")
    (count,) = _U16[endian].unpack_from(data, base + offset)
    end = start + 12 * count
    if end + 4 > limit:  # entries or the next-IFD pointer cut off: Pillow warns
        raise Fallback("truncated-ifd")
    pointer = _U32[endian].unpack
    one_number = _ONE_NUMBER[endian]
    one_rational = _ONE_RATIONAL[endian]
    unit_size = _UNIT_SIZE
    single, enums = _SPECS[group]
    out: dict[int, Any] = {}
    total = 0
    for tag, typ, n, inline in _ENTRY[endian].iter_unpack(data[base + start : base + end]):
        if tag in out:
            continue
        unit = unit_size.get(typ)
        if unit is None:
            if typ in _PILLOW_TYPES:
                raise Fallback(f"tag-type-{typ}")  # a type this Pillow loads and this module does not decode
            continue  # Pillow ignores unsupported types silently
        size = n * unit
        if size > 4:
            total += size
            (where,) = pointer(inline)
            if total > limit or where + size > limit:
                raise Fallback("tag-data-out-of-range")
            value = data[base + where : base + where + size]
        elif not size:
            continue  # zero-length entries are dropped
        elif n == 1 and typ in one_number:  # the commonest entry: one number held in the entry itself
            out[tag] = one_number[typ](inline)[0]
            continue
        else:
            value = inline[:size]
        if typ == _ASCII:  # one trailing NUL dropped, latin-1, enum names become ints
            text = (value[:-1] if value[-1:] == b"\0" else value).decode("latin-1", "replace")
            enum = enums.get(tag)
            out[tag] = enum.get(text, text) if enum else text
        elif typ == _BYTE or typ == _UNDEFINED:
            out[tag] = value
        elif n == 1:
            if typ in one_rational:
                out[tag] = rational(*one_rational[typ](value))
            else:
                out[tag] = one_number[typ](value)[0]
        elif tag in single:  # Pillow warns and truncates (or drops PhotometricInterpretation)
            raise Fallback("multi-value-single-tag")
        elif typ in _RATIONAL_FMT:
            ints = struct.unpack(f"{endian}{2 * n}{_RATIONAL_FMT[typ]}", value)
            out[tag] = tuple(map(rational, ints[::2], ints[1::2]))
        else:
            out[tag] = struct.unpack(f"{endian}{n}{_NUMBER_FMT[typ]}", value)
    return out


# -- Exif._get_merged_dict: IFD0 with the Exif and GPS sub-IFDs, as ``_getexif`` returns it -----------------------

_EXIF = b"Exif\0\0"
_XMP_ORIENTATION = re.compile(rb'tiff:Orientation(="|>)([0-9])')
_TIFF_HEADS = {b"II*\0": "<", b"MM\0*": ">"}
_ORIENTATION, _RES_UNIT, _X_RES = 0x0112, 0x0128, 0x011A
_EXIF_IFD, _GPS_IFD = int(ExifTags.IFD.Exif), int(ExifTags.IFD.GPSInfo)


class _Names(dict[int, str]):
    """Tag id -> ``ExifTags.TAGS`` name, else ``str(id)`` (kept: ids are 16-bit) -- one lookup per tag."""

    def __missing__(self, tag: int) -> str:
        name = self[tag] = str(tag)
        return name


_NAMES = _Names(ExifTags.TAGS)


def named(merged: dict[int, Any]) -> dict[str, Any]:
    """``merged`` keyed as the original loader keys it: ``ExifTags.TAGS`` names, else the id as a string."""
    if _fastcore is not None:
        return _fastcore.named(merged, _NAMES)
    names = _NAMES
    return {names[tag]: value for tag, value in merged.items()}


def merged_exif(data: bytes, start: int, end: int, xmp: bytes | None, has_dpi: bool) -> dict[int, Any]:
    """``Exif._get_merged_dict`` after ``getexif`` and the DPI probe, keyed by tag id.

    ``data[start:end]`` is the Exif payload as ``Exif.load`` gets it: up to two ``Exif\0\0`` prefixes are dropped (a
    JPEG's APP1 payload has one; a PNG's eXIf chunk is given one; a WebP's EXIF chunk usually has none).
    ``has_dpi``: JFIF set the DPI, so the JPEG plugin's DPI probe did not read the resolution tags first (pass
    ``True`` for formats without that probe).
    """
    tiff = Tiff(data, start, end)
    for _ in range(2):
        if data.startswith(_EXIF, tiff.base, end):
            tiff = Tiff(data, tiff.base + 6, end)
    endian = "<"
    values: dict[int, Any] = {}  # IFD0, in file order (Pillow's ``_tagdata``)
    if tiff.size > 0:
        endian = _TIFF_HEADS.get(data[tiff.base : tiff.base + 4], "") if tiff.size >= 8 else ""
        if not endian:
            raise Fallback("tiff-header")
        offset = int.from_bytes(data[tiff.base + 4 : tiff.base + 8], "little" if endian == "<" else "big")
        values = load_ifd(tiff, offset, endian, None)
    # Exif._data: tags set or read before _get_merged_dict, in that order.
    early: dict[int, Any] = {}
    if _ORIENTATION not in values and xmp and (match := _XMP_ORIENTATION.search(xmp)):
        early[_ORIENTATION] = int(match[2])
    if not has_dpi:
        for tag in (_RES_UNIT, _X_RES):
            if tag not in values:
                break
            early[tag] = values.pop(tag)
        if _X_RES in early and type(early[_X_RES]) not in (IFDRational, int, float):
            raise Fallback("odd-dpi")
    keys = set(early)
    keys.update(iter(set(values) | set()))
    ifd0 = {tag: early[tag] if tag in early else values[tag] for tag in keys}
    merged = dict(ifd0)
    if _EXIF_IFD in ifd0 and (sub := sub_ifd(tiff, ifd0[_EXIF_IFD], endian, _EXIF_IFD)):
        merged.update(sub)
    if _GPS_IFD in ifd0:
        merged[_GPS_IFD] = sub_ifd(tiff, ifd0[_GPS_IFD], endian, _GPS_IFD)
    return merged


def sub_ifd(tiff: Tiff, pointer: Any, endian: str, group: int) -> dict[int, Any] | None:
    """``Exif._get_ifd_dict``: ``None`` when the pointer is not an int (``seek`` raises TypeError)."""
    if type(pointer) is not int:
        return None
    if not 0 <= pointer < 2**63:  # seek raises ValueError / OverflowError: Pillow's problem
        raise Fallback("odd-ifd-pointer")
    return load_ifd(tiff, pointer, endian, group, ordered=True)
