"""The fast path returns exactly pillow_exif's dict (or its exception), and names every fall-back."""

from __future__ import annotations

import io
import random
import shutil
import struct
import tracemalloc
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import PIL
import pytest
from PIL import Image

from tests.helpers import fallback_of
from exifbench.strategies.extractors import ExifRead, ExifReader, get_extractor
from exifbench.strategies.extractors.fallback import Fallback
from exifbench.strategies.extractors.fastpath import FIRST_READ, MAX_HEADER, fastpath_exif, header_exif, scan_jpeg
from exifbench.strategies.extractors.pillow import pillow_exif
from exifbench.harness.equality import values_equal

Outcome = tuple[Any, ...]
CAMERA_JPEG = "jpg/Canon_40D.jpg"
GPS_JPEG = "jpg/gps/DSCN0010.jpg"
MUTATION_SOURCES = [CAMERA_JPEG, GPS_JPEG, "jpg/Nikon_D70.jpg", "jpg/tests/45-gps_ifd.jpg", "jpg/xmp/BlueSquare.jpg"]


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the whole corpus (jpg/, tiff/, heic/)."""
    dst = tmp_path_factory.mktemp("corpus")
    shutil.copytree(corpus_dir, dst, dirs_exist_ok=True)
    return dst


def images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "README")


def outcome(extract: Callable[[str], dict[str, Any]], path: Path) -> tuple[Outcome, list[str]]:
    """What ``extract`` does with ``path`` -- its dict or its exception -- and the warnings it emits."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: Outcome = ("dict", extract(str(path)))
        except Exception as exc:
            result = ("raises", type(exc).__name__, str(exc))
    return result, [f"{w.category.__name__}: {w.message}" for w in caught]



def same_order(a: Any, b: Any) -> bool:
    """Dict keys in the same order, recursively (``values_equal`` ignores order)."""
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_order(a[k], b[k]) for k in a)
    return True


def assert_like_pillow(path: Path) -> Outcome:
    """The fast path and Pillow agree on ``path``: same dict (strictly) or same exception, same warnings."""
    (expected, expected_warnings), (actual, actual_warnings) = outcome(pillow_exif, path), outcome(fastpath_exif, path)
    assert expected[0] == actual[0], f"{path}: pillow {expected[:2]} vs fastpath {actual[:2]}"
    if expected[0] == "dict":
        assert values_equal(expected[1], actual[1]), f"{path}: dicts differ"
        assert same_order(expected[1], actual[1]), f"{path}: key order differs"
    else:
        assert expected == actual
    assert expected_warnings == actual_warnings, path
    return actual


# -- the real corpus -----------------------------------------------------------------------


def test_every_corpus_file_gives_pillows_dict(corpus: Path) -> None:
    files = images(corpus)
    assert {p.relative_to(corpus).parts[0] for p in files} >= {"jpg", "tiff", "heic"}
    non_empty = sum(bool(assert_like_pillow(path)[1]) for path in files)
    assert non_empty > len(files) / 2  # the comparison is not vacuous: most JPEGs carry EXIF


def test_corpus_fallbacks_are_only_the_expected_kinds(corpus: Path) -> None:
    files = images(corpus)
    reasons = Counter(fallback_of(path) for path in files)
    assert reasons.pop("mpo") == 1  # TIFF and HEIC are answered too (plugin_open), without Image.open
    assert set(reasons) == {None}, reasons  # JPEGs without Exif are answered ({}) too


def test_camera_jpegs_never_fall_back(corpus: Path) -> None:
    cameras = sorted((corpus / "jpg").glob("*.jpg"))
    assert len(cameras) >= 15
    assert [fallback_of(path) for path in cameras] == [None] * len(cameras)


def test_tiff_heic_and_a_jpeg_are_answered_without_falling_back(corpus: Path) -> None:
    tiff = next((corpus / "tiff").glob("*.tiff"))
    heic = next((corpus / "heic").rglob("*.HEIC"))
    assert fastpath_exif(str(tiff)) == pillow_exif(str(tiff)) == {}
    assert fastpath_exif(str(heic)) == pillow_exif(str(heic)) == {}
    assert (fallback_of(tiff), fallback_of(heic), fallback_of(corpus / GPS_JPEG)) == (None, None, None)
    assert header_exif(str(corpus / GPS_JPEG))["GPSInfo"]


def test_mpo_defers_to_pillow(corpus: Path) -> None:
    assert_like_pillow(corpus / "jpg/tests/45-gps_ifd.jpg")
    assert fallback_of(corpus / "jpg/tests/45-gps_ifd.jpg") == "mpo"


def test_registered_as_the_fastpath_extractor() -> None:
    assert get_extractor("fastpath") is header_exif


def test_each_read_carries_its_fallback_reason(corpus: Path, tmp_path: Path) -> None:
    junk = tmp_path / "note.jpg"
    junk.write_bytes(b"not an image at all")
    read = ExifReader("fastpath")
    assert read(str(corpus / GPS_JPEG)).fallback is None
    tiff = read(str(next((corpus / "tiff").glob("*.tiff"))))
    assert (tiff.error, tiff.fallback) == (None, None)
    failed = read(str(junk))
    assert failed.exif == {} and failed.fallback == "not-identified"
    assert failed.error is not None and failed.error.startswith("UnidentifiedImageError")
    assert ExifReader("pillow")(str(junk)).fallback is None
    assert read(str(corpus / GPS_JPEG)) == ExifRead(pillow_exif(str(corpus / GPS_JPEG)))


# -- synthetic and damaged files -------------------------------------------------------------


def segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def tiff(*entries: tuple[int, int, int, bytes]) -> bytes:
    """A little-endian TIFF with one IFD of ``(tag, type, count, value bytes)`` entries."""
    ifd_size = 2 + 12 * len(entries) + 4
    table, blob = b"", b""
    for tag, typ, count, value in entries:
        if len(value) <= 4:
            field = value.ljust(4, b"\0")
        else:
            field = struct.pack("<L", 8 + ifd_size + len(blob))
            blob += value
        table += struct.pack("<HHL", tag, typ, count) + field
    return b"II*\0" + struct.pack("<L", 8) + struct.pack("<H", len(entries)) + table + b"\0\0\0\0" + blob


def small_jpeg(*segments: bytes) -> bytes:
    """A real 8x8 JPEG (JFIF without DPI) with ``segments`` inserted right after SOI."""
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG")
    return b"\xff\xd8" + b"".join(segments) + buf.getvalue()[2:]


def exif_jpeg(*entries: tuple[int, int, int, bytes]) -> bytes:
    """A small JPEG whose only Exif segment holds ``tiff(*entries)``."""
    return small_jpeg(segment(0xE1, b"Exif\0\0" + tiff(*entries)))


MAKE = (0x010F, 2, 6, b"Canon\0")
SOFTWARE = (0x0131, 2, 9, b"software\0")
XMP_ORIENTATION = segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta tiff:Orientation=\"6\"/>")


@pytest.mark.parametrize(
    ("name", "data", "fallback"),
    [
        ("plain", exif_jpeg(MAKE, (0x0112, 3, 1, b"\x03\0")), None),
        ("xmp orientation", small_jpeg(segment(0xE1, b"Exif\0\0" + tiff(MAKE)), XMP_ORIENTATION), None),
        ("doubled Exif prefix", small_jpeg(segment(0xE1, b"Exif\0\0Exif\0\0" + tiff(MAKE))), None),
        (
            "Exif split over two segments",
            small_jpeg(
                segment(0xE1, b"Exif\0\0" + tiff(MAKE, SOFTWARE)[:20]),
                segment(0xE1, b"Exif\0\0" + tiff(MAKE, SOFTWARE)[20:]),
            ),
            None,
        ),
        ("ASCII enum becomes int", exif_jpeg((0x0128, 2, 5, b"inch\0")), None),
        (
            "skipped entries: unknown type, zero count, duplicate",
            exif_jpeg(MAKE, (0x0110, 99, 1, b"x"), (0x0131, 2, 0, b""), (0x010F, 2, 4, b"Dup\0")),
            None,
        ),
        (
            "signed, float and multi-valued types",
            exif_jpeg(
                (0x9204, 10, 1, struct.pack("<ll", -1, 3)),
                (0x9999, 11, 1, struct.pack("<f", 1.5)),
                (0x999A, 12, 1, struct.pack("<d", 2.25)),
                (0x999B, 3, 3, struct.pack("<3H", 1, 2, 3)),
                (0x999C, 5, 2, struct.pack("<4L", 1, 0, 0, 0)),
                (0x999D, 7, 5, b"\0\1\2\3\4"),
                (0x999E, 8, 1, struct.pack("<h", -7)),
            ),
            None,
        ),
        (
            "fill bytes and junk between markers",
            small_jpeg(b"\xff\xff", segment(0xE1, b"Exif\0\0" + tiff(MAKE)), b"\x00\x12"),
            None,
        ),
        ("Orientation with two values", exif_jpeg((0x0112, 3, 2, b"\1\0\2\0")), "multi-value-single-tag"),
        ("XResolution as text", exif_jpeg((0x0128, 3, 1, b"\2\0"), (0x011A, 2, 2, b"7\0")), "odd-dpi"),
        ("tag data beyond the segment", exif_jpeg((0x010F, 2, 200, b"\xf0\0\0\0")), "tag-data-out-of-range"),
        ("IFD cut short", small_jpeg(segment(0xE1, b"Exif\0\0" + tiff(MAKE, MAKE)[:20])), "truncated-ifd"),
        ("not a TIFF header", small_jpeg(segment(0xE1, b"Exif\0\0XX*\0\x08\0\0\0")), "tiff-header"),
        ("no Exif at all", small_jpeg(), None),
        ("not an image", b"hello, world", "not-identified"),
        ("JPEG cut inside APP1", exif_jpeg(MAKE)[:30], "truncated-header"),
        ("16-bit frame", exif_jpeg(MAKE).replace(b"\xff\xc0\x00\x11\x08", b"\xff\xc0\x00\x11\x10"), "odd-sof"),
    ],
)
def test_synthetic_files_match_pillow(tmp_path: Path, name: str, data: bytes, fallback: str | None) -> None:
    path = tmp_path / "synthetic.jpg"
    path.write_bytes(data)
    assert_like_pillow(path)
    assert fallback_of(path) == fallback, name


def test_xmp_orientation_and_enum_values_come_through(tmp_path: Path) -> None:
    path = tmp_path / "xmp.jpg"
    path.write_bytes(small_jpeg(segment(0xE1, b"Exif\0\0" + tiff(MAKE, (0x0128, 2, 5, b"inch\0"))), XMP_ORIENTATION))
    assert header_exif(str(path)) == {"Make": "Canon", "Orientation": 6, "ResolutionUnit": 2}


def test_missing_file_raises_like_pillow(tmp_path: Path) -> None:
    kind = assert_like_pillow(tmp_path / "absent.jpg")
    assert kind[:2] == ("raises", "FileNotFoundError")
    assert fallback_of(tmp_path / "absent.jpg") == "error:FileNotFoundError"


def test_truncated_corpus_jpeg_raises_like_pillow(corpus: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes((corpus / CAMERA_JPEG).read_bytes()[:1500])
    assert assert_like_pillow(path)[:2] == ("raises", "OSError")
    assert fallback_of(path) == "truncated-header"


def test_random_damage_to_real_headers_matches_pillow(corpus: Path, tmp_path: Path) -> None:
    """Seeded byte flips and cuts in real headers: same dict or same exception, same warnings."""
    rng = random.Random(20240607)
    sources = [(corpus / name).read_bytes() for name in MUTATION_SOURCES]
    path = tmp_path / "damaged.jpg"
    served, reasons = 0, set()
    for _ in range(300):
        data = bytearray(rng.choice(sources))
        if rng.random() < 0.15:
            del data[rng.randrange(4, min(len(data), 20000)) :]
        else:
            for _ in range(rng.choice([1, 2, 5])):
                where = rng.randrange(2, min(len(data), rng.choice([600, 3000, 20000])))
                data[where] = rng.choice([0, 1, 2, 7, 0xFF, rng.randrange(256)])
        path.write_bytes(bytes(data))
        assert_like_pillow(path)
        reason = fallback_of(path)
        served += reason is None
        reasons.add(reason)
    print(f"{served} of 300 served by the fast path; {len(reasons - {None})} fall-back reasons: {sorted(reasons - {None})}")
    assert served >= 100, "most damaged files should still take the fast path"
    assert len(reasons) >= 5, reasons


# -- bounded headers and verified Pillow releases ------------------------------------------


class CountingFile(io.RawIOBase):
    """A raw file that counts the bytes its reader asked for and got."""

    def __init__(self, path: Path) -> None:
        self._fh = open(path, "rb", buffering=0)
        self.bytes_read = 0

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)
        self.bytes_read += n or 0
        return n or 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._fh.close()
        super().close()


def padded_jpeg(path: Path, padding: int, fill: bytes) -> None:
    """A JPEG header (SOI, JFIF), then ``padding`` bytes of ``fill`` (sparse when zeros), then an Exif JPEG."""
    head = b"\xff\xd8" + segment(0xE0, b"JFIF\0\1\1\0\0\1\0\1\0\0")
    with open(path, "wb") as fh:
        fh.write(head)
        if fill == b"\0":
            fh.seek(padding, io.SEEK_CUR)  # a hole: zeros without using the disk
        else:
            fh.write(fill * padding)
        fh.write(exif_jpeg(MAKE)[2:])


@pytest.mark.parametrize("fill", [b"\0", b"\xff"])
def test_fill_before_exif_reads_a_bounded_header_in_a_bounded_buffer(tmp_path: Path, fill: bytes) -> None:
    path = tmp_path / "padded.jpg"
    padded_jpeg(path, 40 * 1024 * 1024, fill)
    counting = CountingFile(path)
    tracemalloc.start()
    try:
        with pytest.raises(Fallback, match="large-header"):
            scan_jpeg(counting.read, counting.read(FIRST_READ))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        counting.close()
    assert counting.bytes_read <= MAX_HEADER
    assert peak < 3 * MAX_HEADER, peak  # never the 40 MB, never quadratic copies


@pytest.mark.parametrize("fill", [b"\0", b"\xff"])
def test_fill_within_the_bound_is_served_like_pillow(tmp_path: Path, fill: bytes) -> None:
    path = tmp_path / "padded.jpg"
    padded_jpeg(path, 200_000, fill)
    assert assert_like_pillow(path)[1] == {"Make": "Canon"}
    assert fallback_of(path) is None


def test_fill_past_the_bound_falls_back_to_pillows_answer(tmp_path: Path) -> None:
    path = tmp_path / "padded.jpg"
    padded_jpeg(path, MAX_HEADER + 1, b"\0")
    read = ExifReader("fastpath")(str(path))
    assert read == ExifRead(pillow_exif(str(path)), fallback="large-header")


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("13.0.0", None),
        ("13.0.3", None),
        ("12.2.0", "unverified Pillow 12.2"),
        ("10.0.0", "unverified Pillow 10.0"),
        ("13.1.0", "unverified Pillow 13.1"),
        ("14.0.0", "unverified Pillow 14.0"),
        ("nightly", "unverified Pillow nightly"),
    ],
)
def test_unverified_pillow_releases_fall_back(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, version: str, reason: str | None
) -> None:
    monkeypatch.setattr(PIL, "__version__", version)
    path = str(corpus / GPS_JPEG)
    assert ExifReader("fastpath")(path) == ExifRead(pillow_exif(path), fallback=reason)
    assert fallback_of(Path(path)) == reason
