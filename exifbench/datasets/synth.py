"""Synthetic camera JPEGs with realistic EXIF, byte-identical for the same seed.

Each file gets its own ``random.Random`` seeded from ``(seed, index)``, so file
``i`` is the same whatever ``count`` is. Most files carry IFD0 (Make, Model,
DateTime, Orientation) and an Exif sub-IFD; some add a GPS IFD, a MakerNote
blob of a few KB, or an IFD1 thumbnail; a few have no EXIF at all.
"""

from __future__ import annotations

import io
import random
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, TiffTags
from PIL.TiffImagePlugin import IFDRational, ImageFileDirectory_v2

from exifbench.errors import ExifbenchError

VERSION = 1
"""Bump whenever the bytes :func:`synthesize` writes change (it names cached datasets)."""

SIZE = (160, 120)
THUMB_SIZE = (40, 30)

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
MAKER_NOTE = 0x927C

# (Make, Model, focal lengths in mm, chance of GPS, MakerNote header or None); each
# MakerNote is the vendor header, an empty IFD (so parsers stop cleanly), then opaque bytes.
_CAMERAS: tuple[tuple[str, str, tuple[int, ...], float, bytes | None], ...] = (
    ("Canon", "Canon EOS 5D Mark IV", (24, 35, 50, 85, 105), 0.1, b""),
    ("NIKON CORPORATION", "NIKON D750", (24, 35, 70, 200), 0.1, b"Nikon\x00\x02\x11\x00\x00MM\x00*\x00\x00\x00\x08"),
    ("SONY", "ILCE-7M3", (20, 28, 55, 90), 0.15, b"SONY DSC \x00\x00\x00"),
    ("FUJIFILM", "X-T3", (16, 23, 35, 56), 0.1, b"FUJIFILM\x0c\x00\x00\x00"),
    ("OLYMPUS CORPORATION", "E-M10MarkIII", (12, 25, 45), 0.05, b"OLYMPUS\x00II\x03\x00"),
    ("Apple", "iPhone 13 Pro", (6, 9, 3), 0.8, b"Apple iOS\x00\x00\x01MM"),
    ("Google", "Pixel 7", (7, 2), 0.7, None),
    ("samsung", "SM-G991B", (5, 2), 0.7, None),
)
_EXPOSURES = ((1, 4000), (1, 2000), (1, 1000), (1, 500), (1, 250), (1, 125), (1, 60), (1, 30), (1, 15), (1, 4))
_F_NUMBERS = (14, 18, 20, 28, 40, 56, 80, 110, 160)  # tenths
_ISOS = (50, 100, 200, 400, 800, 1600, 3200, 6400)
_ORIENTATIONS = (1, 2, 3, 4, 5, 6, 7, 8)
_ORIENTATION_WEIGHTS = (10, 1, 2, 1, 1, 3, 1, 2)
_EPOCH = datetime(2018, 1, 1)
_TIMESTAMP = "%Y:%m:%d %H:%M:%S"


@dataclass(frozen=True)
class SynthFile:
    """What one synthetic file holds; an empty ``ifd0`` means no EXIF at all."""

    index: int
    ifd0: dict[int, Any] = field(default_factory=dict)
    exif: dict[int, Any] = field(default_factory=dict)
    gps: dict[int, Any] = field(default_factory=dict)
    thumbnail: bool = False


def file_name(index: int, count: int) -> str:
    """``IMG_0007.jpg``; zero-padded wide enough that names sort in index order."""
    return f"IMG_{index:0{max(4, len(str(count - 1)))}d}.jpg"


def plan(index: int, seed: int = 0) -> SynthFile:
    """The EXIF of file ``index`` for ``seed`` (pure: no pixels, no I/O)."""
    rng = _rng(index, seed)
    if rng.random() < 0.04:
        return SynthFile(index)
    make, model, focals, gps_chance, maker_note = rng.choice(_CAMERAS)
    taken = (_EPOCH + timedelta(seconds=rng.randrange(5 * 365 * 86400))).strftime(_TIMESTAMP)
    ifd0 = {
        0x010F: make,
        0x0110: model,
        0x0112: rng.choices(_ORIENTATIONS, _ORIENTATION_WEIGHTS)[0],
        0x011A: IFDRational(72, 1),
        0x011B: IFDRational(72, 1),
        0x0128: 2,  # ResolutionUnit: inch
        0x0132: taken,
        0x0213: 1,  # YCbCrPositioning: centered
    }
    exif: dict[int, Any] = {
        0x829A: IFDRational(*rng.choice(_EXPOSURES)),
        0x829D: IFDRational(rng.choice(_F_NUMBERS), 10),
        0x8827: rng.choice(_ISOS),
        0x9000: b"0232",
        0x9003: taken,
        0x9101: b"\x01\x02\x03\x00",
        0x920A: IFDRational(rng.choice(focals), 1),
        0xA000: b"0100",
        0xA001: 1,  # ColorSpace: sRGB
        0xA002: SIZE[0],
        0xA003: SIZE[1],
    }
    if maker_note is not None and rng.random() < 0.7:
        exif[MAKER_NOTE] = maker_note + bytes(6) + rng.randbytes(rng.randrange(2048, 6144))
    gps = _gps(rng) if rng.random() < gps_chance else {}
    return SynthFile(index, ifd0, exif, gps, thumbnail=rng.random() < 0.5)


def render(spec: SynthFile, seed: int = 0) -> bytes:
    """The JPEG bytes of ``spec``: a smooth random pattern plus its EXIF."""
    rng = _rng(spec.index, seed, "pixels")
    small = Image.frombytes("RGB", (20, 15), rng.randbytes(20 * 15 * 3))
    image = small.resize(SIZE, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    if spec.ifd0:
        image.save(out, "JPEG", quality=85, exif=_exif_bytes(spec, image))
    else:
        image.save(out, "JPEG", quality=85)
    return out.getvalue()


def synthesize(dst: Path, count: int, seed: int = 0) -> list[Path]:
    """Write ``count`` synthetic JPEGs into ``dst`` (created if needed) and return their paths.

    ``dst`` may only hold files this call would write (a previous run's output).
    """
    if count < 1:
        raise ExifbenchError(f"{dst}: count must be at least 1, got {count}")
    dst = Path(dst).expanduser()
    if dst.exists() and not dst.is_dir():
        raise ExifbenchError(f"{dst}: not a directory")
    names = [file_name(index, count) for index in range(count)]
    wanted = set(names)
    strangers = sorted(entry.name for entry in dst.iterdir() if entry.name not in wanted) if dst.exists() else []
    if strangers:
        raise ExifbenchError(f"{dst}: holds {strangers[0]!r}, not a synth output; choose an empty folder")
    dst.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, name in enumerate(names):
        path = dst / name
        path.write_bytes(render(plan(index, seed), seed))
        paths.append(path)
    return paths


def _rng(index: int, seed: int, purpose: str = "exif") -> random.Random:
    return random.Random(f"exifbench.synth/{VERSION}:{seed}:{index}:{purpose}")


def _gps(rng: random.Random) -> dict[int, Any]:
    lat, lon = rng.uniform(-60.0, 70.0), rng.uniform(-180.0, 180.0)
    return {
        0x0000: b"\x02\x02\x00\x00",
        0x0001: "N" if lat >= 0 else "S",
        0x0002: _dms(abs(lat)),
        0x0003: "E" if lon >= 0 else "W",
        0x0004: _dms(abs(lon)),
        0x0005: b"\x00",
        0x0006: IFDRational(rng.randrange(0, 30000), 10),
    }


def _dms(degrees: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    hundredths = round(degrees * 360000)
    whole, rest = divmod(hundredths, 360000)
    minutes, seconds = divmod(rest, 6000)
    return IFDRational(whole, 1), IFDRational(minutes, 1), IFDRational(seconds, 100)


def _exif_bytes(spec: SynthFile, image: Image.Image) -> bytes:
    """The APP1 payload: Pillow's IFD0 + sub-IFDs, then the fixes Pillow cannot make."""
    exif = Image.Exif()
    exif.update(spec.ifd0)
    exif.get_ifd(EXIF_IFD).update(spec.exif)
    if spec.gps:
        exif.get_ifd(GPS_IFD).update(spec.gps)
    payload = exif.tobytes()
    prefix, tiff = payload[:6], bytearray(payload[6:])
    endian = "<" if tiff[:2] == b"II" else ">"
    (exif_offset,) = struct.unpack_from(endian + "L", tiff, _entry(tiff, endian, 8, EXIF_IFD) + 8)
    for tag, value in spec.exif.items():  # Pillow writes bytes as BYTE; cameras write UNDEFINED
        if isinstance(value, bytes):
            _mark_undefined(tiff, endian, exif_offset, tag)
    if spec.thumbnail:
        _append_ifd1(tiff, endian, _thumbnail(image))
    return prefix + bytes(tiff)


def _thumbnail(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.resize(THUMB_SIZE, Image.Resampling.BICUBIC).save(out, "JPEG", quality=75)
    return out.getvalue()


def _entry(tiff: bytearray, endian: str, ifd_offset: int, tag: int) -> int:
    """Offset of ``tag``'s 12-byte entry in the IFD at ``ifd_offset``."""
    (count,) = struct.unpack_from(endian + "H", tiff, ifd_offset)
    for position in range(ifd_offset + 2, ifd_offset + 2 + 12 * count, 12):
        if struct.unpack_from(endian + "H", tiff, position)[0] == tag:
            return position
    raise LookupError(f"tag {tag:#06x} not in IFD at {ifd_offset}")


def _mark_undefined(tiff: bytearray, endian: str, ifd_offset: int, tag: int) -> None:
    struct.pack_into(endian + "H", tiff, _entry(tiff, endian, ifd_offset, tag) + 2, TiffTags.UNDEFINED)


def _append_ifd1(tiff: bytearray, endian: str, thumbnail: bytes) -> None:
    """Append IFD1 pointing at ``thumbnail`` and link it from IFD0's next-IFD offset."""
    if len(tiff) % 2:
        tiff.append(0)
    start = len(tiff)
    ifd1 = ImageFileDirectory_v2(ifh=bytes(tiff[:8]))
    ifd1[0x0103] = 6  # Compression: JPEG
    ifd1[0x011A] = IFDRational(72, 1)
    ifd1[0x011B] = IFDRational(72, 1)
    ifd1[0x0128] = 2  # ResolutionUnit: inch
    ifd1[0x0201] = 0
    ifd1[0x0202] = len(thumbnail)
    ifd1[0x0201] = start + len(ifd1.tobytes(start))  # entry sizes do not depend on the value
    (ifd0_entries,) = struct.unpack_from(endian + "H", tiff, 8)
    struct.pack_into(endian + "L", tiff, 8 + 2 + 12 * ifd0_entries, start)
    tiff += ifd1.tobytes(start) + thumbnail
