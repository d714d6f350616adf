"""What of a HEIF file pillow-heif's open reads: every box except the coded image data in ``mdat``.

pillow-heif opens a file by handing libheif the whole file as one ``bytes`` object; libheif parses
the boxes (``ftyp``, ``meta`` with its item tables and properties), reads the data of the items
it interprets at open (Exif and XMP blocks, grid and overlay descriptors) and leaves the coded
images (``hvc1``, ``av01``... tiles, thumbnails, depth maps) for decoding. :func:`sparse_heif`
builds a ``bytes`` object of the file's length with every other region read from the file (where
coded image data sits it holds whatever the allocator gave), so the open sees the bytes it reads
from the file, without megabytes of pixels being read. Anything this module does not follow (odd box sizes, ``iloc``
construction methods other than file offsets, external data references), or a libheif whose open
was not verified to read only these regions (:data:`VERIFIED_LIBHEIF`), makes it answer ``None``:
the caller then reads the whole file.
"""

from __future__ import annotations

import ctypes
import os
import struct
from functools import lru_cache

CODED = frozenset({b"hvc1", b"av01", b"avc1", b"jpeg", b"vvc1", b"j2k1", b"unci", b"evc1"})
"""Item types whose data is a coded image: read only when decoding, never at open."""
VERIFIED_LIBHEIF = frozenset({(1, 23)})
"""libheif versions (major, minor) whose open was checked to read no coded image data (the corpus tests)."""
MAX_TOP_BOXES = 64
"""More top-level boxes than this (a HEIF has a handful) and the whole file is read instead."""
_U16, _U32, _U64 = struct.Struct(">H"), struct.Struct(">I"), struct.Struct(">Q")


class _Unsure(Exception):
    """A layout this module does not follow: read the whole file."""


class _Reader:
    """Reads byte ranges of a file, remembering what was read (the file's first bytes come read already)."""

    def __init__(self, fd: int, head: bytes, size: int) -> None:
        self.fd, self.head, self.size = fd, head, size
        self.regions: list[tuple[int, bytes]] = [(0, head)]
        self.bytes_read = len(head)

    def get(self, start: int, length: int) -> bytes:
        if start < 0 or length < 0 or start + length > self.size:
            raise _Unsure
        if start + length <= len(self.head):
            return self.head[start : start + length]
        data = os.pread(self.fd, length, start)
        if len(data) != length:
            raise _Unsure
        self.regions.append((start, data))
        self.bytes_read += length
        return data


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """The boxes in ``data[start:end]``: (type, payload start, box end)."""
    found = []
    while start < end:
        if start + 8 > end:
            raise _Unsure
        size, kind = _U32.unpack_from(data, start)[0], data[start + 4 : start + 8]
        header = 8
        if size == 1:
            if start + 16 > end:
                raise _Unsure
            size, header = _U64.unpack_from(data, start + 8)[0], 16
        elif size == 0:
            size = end - start
        if size < header or start + size > end:
            raise _Unsure
        found.append((kind, start + header, start + size))
        start += size
    return found


def _item_types(iinf: bytes) -> dict[int, bytes]:
    """Item id -> item type, from ``iinf`` (``infe`` versions 2 and 3 only)."""
    version = iinf[0]
    pos = 4 + (2 if version == 0 else 4)
    types = {}
    for kind, start, _ in _boxes(iinf, pos, len(iinf)):
        if kind != b"infe" or iinf[start] not in (2, 3):
            raise _Unsure
        wide = iinf[start] == 3
        item = (_U32 if wide else _U16).unpack_from(iinf, start + 4)[0]
        at = start + 4 + (4 if wide else 2) + 2
        types[item] = iinf[at : at + 4]
    return types


_WIDTH = {0: "", 4: "I", 8: "Q"}


@lru_cache(maxsize=64)
def _layout(fmt: str) -> struct.Struct:
    return struct.Struct(">" + fmt)


def _extents(iloc: bytes, types: dict[int, bytes]) -> list[tuple[int, int]]:
    """File ranges (start, length) of the items that are not coded images."""
    version = iloc[0]
    sizes = (iloc[4] >> 4, iloc[4] & 15, iloc[5] >> 4, iloc[5] & 15 if version else 0)
    if version > 2 or any(size not in _WIDTH for size in sizes):
        raise _Unsure
    offset_fmt, length_fmt, base_fmt, index_fmt = (_WIDTH[size] for size in sizes)
    wide = "I" if version == 2 else "H"
    count, pos = _layout(wide).unpack_from(iloc, 6)[0], 6 + (4 if version == 2 else 2)
    item_layout = _layout(wide + ("H" if version else "") + "H" + base_fmt + "H")  # id, method, reference, base, count
    extent_layout = _layout(index_fmt + offset_fmt + length_fmt)
    ranges = []
    for _ in range(count):
        fields = item_layout.unpack_from(iloc, pos)
        pos += item_layout.size
        item, method = fields[0], (fields[1] & 15 if version else 0)
        reference, extent_count = fields[2 if version else 1], fields[-1]
        base = fields[-2] if base_fmt else 0
        coded = types.get(item, b"") in CODED
        for _ in range(extent_count):
            extent = extent_layout.unpack_from(iloc, pos)
            pos += extent_layout.size
            if coded and method == 0 and reference == 0:
                continue  # a coded image's data: not read at open
            if method == 1 and item in types:  # in idat, inside meta: read with it
                continue
            if method != 0 or reference != 0 or item not in types or not length_fmt or extent[-1] == 0:
                raise _Unsure  # another file, another item's data, or "to the end of the file"
            ranges.append((base + (extent[-2] if offset_fmt else 0), extent[-1]))
    return ranges


@lru_cache(maxsize=1)
def libheif_verified() -> bool:
    """Whether the installed libheif's open is one verified to read no coded image data."""
    from pillow_heif import libheif_version

    major, minor = (int(part) for part in libheif_version().split(".")[:2])
    return (major, minor) in VERIFIED_LIBHEIF


def sparse_heif(fd: int, head: bytes, size: int) -> bytes | None:
    """The file as pillow-heif's open reads it (coded image data not read), or ``None`` where unsure or not worth it."""
    if size <= len(head) or not libheif_verified():  # small enough to read whole (bytes of length 0 or 1 are shared)
        return None
    reader = _Reader(fd, head, size)
    try:
        pos, metas, count = 0, [], 0
        while pos < size:
            count += 1
            if count > MAX_TOP_BOXES:
                return None
            kind, start, end = _top_box(reader.get(pos, min(16, size - pos)), pos, size)
            if kind != b"mdat":
                box = reader.get(pos, end - pos)
                if kind == b"meta":
                    metas.append(box[start - pos :])
            pos = end
        if len(metas) != 1:
            return None
        children = [(kind, metas[0][s:e]) for kind, s, e in _boxes(metas[0], 4, len(metas[0]))]
        tables = {kind: box for kind, box in children if kind in (b"iinf", b"iloc")}
        if len(tables) != 2 or sum(kind in tables for kind, _ in children) != 2:  # each exactly once
            return None
        for start, length in _extents(tables[b"iloc"], _item_types(tables[b"iinf"])):
            reader.get(start, length)
            if reader.bytes_read > size // 2:  # mostly read anyway: one read of it all is cheaper
                return None
    except (_Unsure, IndexError, struct.error):
        return None
    return _assemble(size, reader.regions)


def _top_box(header: bytes, pos: int, size: int) -> tuple[bytes, int, int]:
    """A top-level box from its first bytes: (type, payload start, end), in file positions."""
    if len(header) < 8:
        raise _Unsure
    length, kind, skip = _U32.unpack_from(header)[0], header[4:8], 8
    if length == 1:
        if len(header) < 16:
            raise _Unsure
        length, skip = _U64.unpack_from(header, 8)[0], 16
    elif length == 0:
        length = size - pos
    if length < skip or pos + length > size:
        raise _Unsure
    return kind, pos + skip, pos + length


_new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
_new_bytes.argtypes = (ctypes.c_void_p, ctypes.c_ssize_t)
_new_bytes.restype = ctypes.py_object


def _assemble(size: int, regions: list[tuple[int, bytes]]) -> bytes:
    """A new ``bytes`` of ``size`` with ``regions`` written in; the rest is left as allocated, unread (never zeroed:
    filling megabytes would cost what reading them costs, and the open never reads there)."""
    whole: bytes = _new_bytes(None, size)
    address = ctypes.cast(ctypes.c_char_p(whole), ctypes.c_void_p).value
    assert address is not None
    for start, data in regions:
        ctypes.memmove(address + start, data, len(data))
    return whole
