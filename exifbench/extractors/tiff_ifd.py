"""A lean TIFF IFD reader that reproduces Pillow's ``Image.Exif`` values exactly.

It mirrors ``ImageFileDirectory_v2.load`` + ``__getitem__``/``_setitem`` and
``Exif._fixup``: same skipped entries, same types (``int``, ``float``, ``str``,
``bytes``, tuples, ``IFDRational``), same key iteration order. Whenever Pillow
would warn, raise, or take a branch this module does not replicate, it raises
:class:`Unsupported` so the caller can defer to Pillow itself.
"""

from __future__ import annotations

import struct
from typing import Any

from PIL import TiffTags
from PIL.TiffImagePlugin import IFDRational, ImageFileDirectory_v2

# Pillow's loaders: type id -> unit size. Types missing here are skipped by Pillow too.
_UNIT_SIZE: dict[int, int] = {typ: size for typ, (size, _) in ImageFileDirectory_v2._load_dispatch.items()}
_NUMBER_FMT = {3: "H", 4: "L", 6: "b", 8: "h", 9: "l", 11: "f", 12: "d", 13: "L", 16: "Q"}
_RATIONAL_FMT = {5: "L", 10: "l"}  # RATIONAL, SRATIONAL
_ENTRY = {e: struct.Struct(f"{e}HHL4s") for e in "<>"}
_U16 = {e: struct.Struct(f"{e}H") for e in "<>"}
_U32 = {e: struct.Struct(f"{e}L") for e in "<>"}
_ONE_NUMBER = {e: {typ: struct.Struct(e + fmt).unpack_from for typ, fmt in _NUMBER_FMT.items()} for e in "<>"}
_ONE_RATIONAL = {e: {typ: struct.Struct(e + 2 * fmt).unpack for typ, fmt in _RATIONAL_FMT.items()} for e in "<>"}


class Unsupported(Exception):
    """The lean reader cannot vouch for Pillow's result; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _tag_specs(group: int | None) -> tuple[frozenset[int], dict[int, dict[str, int]]]:
    """Tags declared single-valued and ASCII enums, exactly as ``TiffTags.lookup`` sees them."""
    table = TiffTags.TAGS_V2 if group is None else TiffTags.TAGS_V2_GROUPS.get(group, {})
    single = frozenset(tag for tag, info in table.items() if info.length == 1)
    return single, {tag: info.enum for tag, info in table.items() if info.enum}


_SPECS = {group: _tag_specs(group) for group in (None, 0x8769, 0x8825)}


def pillow_order(values: dict[int, Any]) -> dict[int, Any]:
    """``values`` re-keyed in the order ``dict(ImageFileDirectory_v2)`` yields them."""
    return {tag: values[tag] for tag in set(values) | set()}


def load_ifd(data: bytes, offset: int, endian: str, group: int | None) -> dict[int, Any]:
    """The IFD at ``offset`` as ``Exif`` returns its values, in file order.

    Mirrors ``ImageFileDirectory_v2.load`` (which entries survive), its
    ``__getitem__``/``_setitem`` decoding and ``Exif._fixup`` (1-tuples collapse).
    Raises :class:`Unsupported` wherever Pillow would warn or special-case.
    """
    limit = len(data)
    start = offset + 2
    if start > limit:
        raise Unsupported("truncated-ifd")
    (count,) = _U16[endian].unpack_from(data, offset)
    end = start + 12 * count
    if end + 4 > limit:  # entries or the next-IFD pointer cut off: Pillow warns
        raise Unsupported("truncated-ifd")
    pointer = _U32[endian].unpack
    one_number = _ONE_NUMBER[endian]
    one_rational = _ONE_RATIONAL[endian]
    single, enums = _SPECS[group]
    out: dict[int, Any] = {}
    total = 0
    for tag, typ, n, inline in _ENTRY[endian].iter_unpack(data[start:end]):
        if tag in out:
            continue
        unit = _UNIT_SIZE.get(typ)
        if unit is None:
            continue  # Pillow ignores unsupported types silently
        size = n * unit
        if size > 4:
            total += size
            (where,) = pointer(inline)
            if total > limit or where + size > limit:
                raise Unsupported("tag-data-out-of-range")
            value = data[where : where + size]
        elif size:
            value = inline[:size]
        else:
            continue  # zero-length entries are dropped
        if typ == 2:  # ASCII: one trailing NUL dropped, latin-1, enum names become ints
            text = (value[:-1] if value[-1:] == b"\0" else value).decode("latin-1", "replace")
            enum = enums.get(tag)
            out[tag] = enum.get(text, text) if enum else text
        elif typ == 1 or typ == 7:  # BYTE, UNDEFINED
            out[tag] = value
        elif n == 1:
            if typ in one_rational:
                out[tag] = IFDRational(*one_rational[typ](value))
            elif typ in one_number:
                out[tag] = one_number[typ](value)[0]
            else:
                raise Unsupported(f"tag-type-{typ}")
        elif tag in single:  # Pillow warns and truncates (or drops PhotometricInterpretation)
            raise Unsupported("multi-value-single-tag")
        elif typ in _RATIONAL_FMT:
            ints = struct.unpack(f"{endian}{2 * n}{_RATIONAL_FMT[typ]}", value)
            out[tag] = tuple(map(IFDRational, ints[::2], ints[1::2]))
        elif typ in _NUMBER_FMT:
            out[tag] = struct.unpack(f"{endian}{n}{_NUMBER_FMT[typ]}", value)
        else:
            raise Unsupported(f"tag-type-{typ}")
    return out
