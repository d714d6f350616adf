"""PNG and WebP through the fast path: Pillow's dict or Pillow's error, file by file, without decoding a PNG's pixels."""

from __future__ import annotations

import io
import random
import struct
import warnings
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from tests.helpers import fallback_of
from exifbench.harness.equality import values_equal
from exifbench.strategies.extractors.fastpath import fastpath_exif, header_exif
from exifbench.strategies.extractors.pillow import pillow_exif
from exifbench.strategies.extractors.png import rows

SOURCES = ["jpg/Canon_40D.jpg", "jpg/gps/DSCN0010.jpg", "jpg/Nikon_D70.jpg", "jpg/orientation/portrait_6.jpg"]


@pytest.fixture(autouse=True)
def pillows_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow as it ships: a module imported earlier in the session may have changed its globals (sigal sets
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` when imported), and the fast path then defers to Pillow, as it should."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)


def outcome(extract: Any, path: Path) -> tuple[Any, ...]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: tuple[Any, ...] = ("dict", extract(str(path)))
        except Exception as exc:
            result = ("raises", type(exc).__name__, str(exc))
    return result + (tuple(str(w.message) for w in caught),)


def assert_like_pillow(path: Path) -> tuple[Any, ...]:
    expected, actual = outcome(pillow_exif, path), outcome(fastpath_exif, path)
    assert expected[0] == actual[0], (path, expected[:3], actual[:3])
    if expected[0] == "dict":
        assert values_equal(expected[1], actual[1]) and list(expected[1]) == list(actual[1]), path
        assert expected[2] == actual[2], path
    else:
        assert expected == actual, path
    return actual



def chunk(cid: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + cid + data + struct.pack(">I", zlib.crc32(cid + data))


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    pos, found = 8, []
    while pos < len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        found.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return found


def build(parts: list[tuple[bytes, bytes]]) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunk(cid, data) for cid, data in parts)


def with_late(png: bytes, *late: tuple[bytes, bytes]) -> bytes:
    """``png`` with chunks added after its image data, before IEND."""
    return build([part for part in chunks(png) if part[0] != b"IEND"] + list(late) + [(b"IEND", b"")])


def interlaced(width: int, height: int, bad_row: int | None = None) -> bytes:
    """An 8-bit grey Adam7 PNG built by hand (Pillow writes none); ``bad_row``: that row's filter byte is 9."""
    raw, index = bytearray(), 0
    for size, count in rows(width, height, 8, True):
        for _ in range(count):
            raw += bytes([9 if index == bad_row else 0]) + bytes(size - 1)
            index += 1
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1)
    return build([(b"IHDR", header), (b"IDAT", zlib.compress(bytes(raw))), (b"IEND", b"")])


@pytest.fixture(scope="module")
def pngs(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """PNGs and WebPs made from real camera JPEGs: with their EXIF, without, as palette and grey, EXIF or text after
    the image data, the image data split in small chunks, interlaced."""
    dst = tmp_path_factory.mktemp("pngs")
    made: dict[str, bytes] = {}

    def saved(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
        out = io.BytesIO()
        image.save(out, fmt, **options)
        return out.getvalue()

    for i, name in enumerate(SOURCES):
        with Image.open(corpus_dir / name) as im:
            exif = im.info["exif"]
            small = im.reduce(8)
        plain = saved(small)
        made[f"{i}-exif.png"] = saved(small, exif=exif)
        made[f"{i}-plain.png"] = plain
        made[f"{i}-palette.png"] = saved(small.convert("P"))
        made[f"{i}-grey16.png"] = saved(small.convert("I;16"))
        made[f"{i}.webp"] = saved(small, "WEBP", exif=exif)
        made[f"{i}-late-exif.png"] = with_late(plain, (b"eXIf", exif[6:]))
        made[f"{i}-late-text.png"] = with_late(plain, (b"tEXt", b"Comment\0hi"), (b"prVt", b"x"), (b"IDAT", b""))
        data = b"".join(d for cid, d in chunks(plain) if cid == b"IDAT")
        head = [part for part in chunks(plain) if part[0] not in (b"IDAT", b"IEND")]
        made[f"{i}-split.png"] = build(head + [(b"IDAT", data[k : k + 701]) for k in range(0, len(data), 701)] + [(b"IEND", b"")])
    bare = Image.Exif()
    bare[0x010F] = "Maker"  # no Orientation of its own: the XMP's applies
    xmp = '<x:xmpmeta><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'
    for kind, add in (("itxt", "add_itxt"), ("text", "add_text")):
        text = PngImagePlugin.PngInfo()
        getattr(text, add)("XML:com.adobe.xmp", xmp)
        made[f"xmp-{kind}.png"] = saved(small, exif=bare.tobytes(), pnginfo=text)
    zipped = PngImagePlugin.PngInfo()
    zipped.add_itxt("XML:com.adobe.xmp", xmp, zip=True)
    made["xmp-zipped.png"] = saved(small, exif=bare.tobytes(), pnginfo=zipped)
    made["xmp.webp"] = saved(small, "WEBP", exif=bare.tobytes(), xmp=xmp.encode())
    made["adam7.png"] = interlaced(37, 21)
    made["adam7-bad-filter.png"] = interlaced(37, 21, bad_row=30)
    made["adam7-one-pixel.png"] = interlaced(1, 1)
    for name, data in made.items():
        (dst / name).write_bytes(data)
    return {name: dst / name for name in made}


def test_every_derived_png_and_webp_gives_pillows_answer(pngs: dict[str, Path]) -> None:
    answers = [assert_like_pillow(path) for path in pngs.values()]
    assert sum(kind == "dict" and bool(exif) for kind, exif, *_ in answers) >= 2 * len(SOURCES)  # the EXIF ones
    assert [name for name, path in pngs.items() if outcome(pillow_exif, path)[0] == "raises"] == ["adam7-bad-filter.png"]
    oriented = {name: pillow_exif(str(path)).get("Orientation") for name, path in pngs.items() if name.startswith("xmp")}
    assert oriented == dict.fromkeys(["xmp-itxt.png", "xmp-text.png", "xmp-zipped.png", "xmp.webp"], 6)  # from the XMP


def test_they_are_answered_without_pillow_except_exif_after_the_image(pngs: dict[str, Path]) -> None:
    reasons = {name: fallback_of(path) for name, path in pngs.items()}
    late = {name for name in pngs if "late-exif" in name}
    assert {name: reason for name, reason in reasons.items() if name in late} == dict.fromkeys(late, "png-late-eXIf")
    assert reasons["adam7-bad-filter.png"] == "png-filter"
    served = [name for name, reason in reasons.items() if reason is None]
    assert len(served) == len(pngs) - len(late) - 1, {n: r for n, r in reasons.items() if r}


def test_no_pixel_is_decoded(pngs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Any) -> None:
        raise AssertionError("decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    for name in ("0-plain.png", "0-exif.png", "1-palette.png", "2-split.png", "adam7.png", "3-late-text.png"):
        header_exif(str(pngs[name]))  # raises if load ran (Pillow's _getexif on these loads)
    with pytest.raises(AssertionError, match="decoded"):
        pillow_exif(str(pngs["0-plain.png"]))  # the check is real: Pillow decodes this one


def test_damaged_pngs_give_pillows_answer_or_error(pngs: dict[str, Path], tmp_path: Path) -> None:
    """Seeded flips and cuts anywhere in the files: Pillow's dict or Pillow's error, file by file."""
    rng = random.Random(2512)
    sources = [path.read_bytes() for name, path in pngs.items() if name.endswith(".png")]
    path = tmp_path / "damaged.png"
    reasons: Counter[str | None] = Counter()
    for _ in range(300):
        data = bytearray(rng.choice(sources))
        if rng.random() < 0.2:
            del data[rng.randrange(8, len(data)) :]
        else:
            for _ in range(rng.choice([1, 2, 3])):
                data[rng.randrange(8, len(data))] = rng.choice([0, 1, 5, 0xFF, rng.randrange(256)])
        path.write_bytes(bytes(data))
        assert_like_pillow(path)
        reasons[fallback_of(path)] += 1
    assert reasons[None] >= 20, reasons  # damage Pillow decodes through is answered too
    assert {"png-zlib", "png-truncated", "png-filter"} <= set(reasons), reasons  # and the integrity pass catches


def test_load_truncated_images_leaves_pngs_to_pillow(pngs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert fallback_of(pngs["0-plain.png"]) == "png-load-truncated"


def test_text_after_the_image_counts_toward_pillows_text_limit(pngs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:  # fmt: skip
    path = tmp_path / "texts.png"
    path.write_bytes(with_late(pngs["0-plain.png"].read_bytes(), (b"tEXt", b"a\0" + b"x" * 600), (b"tEXt", b"b\0" + b"y" * 600)))
    monkeypatch.setattr(PngImagePlugin, "MAX_TEXT_MEMORY", 1000)
    assert outcome(pillow_exif, path)[:2] == ("raises", "ValueError")
    assert fallback_of(path) == "png-text-memory"


def handmade(depth: int, colour: int, width: int, height: int, interlace: bool, cut: int = 0) -> bytes:
    """A PNG of IHDR ``depth`` and ``colour`` whose rows (filter 0, pixel bytes 0x55) are built from the PNG layout
    itself, not from the module under test; ``cut``: that many inflated bytes short."""
    bits = depth * {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    passes = [(len(range(start_col, width, step_col)), len(range(start_row, height, step_row)))
              for start_row, step_row, start_col, step_col in
              [(0, 8, 0, 8), (0, 8, 4, 8), (4, 8, 0, 4), (0, 4, 2, 4), (2, 4, 0, 2), (0, 2, 1, 2), (1, 2, 0, 1)]]  # fmt: skip
    raw = bytearray()
    for pixels, count in passes if interlace else [(width, height)]:
        if pixels > 0:
            raw += (b"\0" + b"\x55" * ((pixels * bits + 7) // 8)) * count
    parts = [(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, int(interlace)))]
    if colour == 3:
        parts.append((b"PLTE", bytes(range(48))))
    parts += [(b"IDAT", zlib.compress(bytes(raw[: len(raw) - cut]))), (b"IEND", b"")]
    return build(parts)


@pytest.mark.parametrize("interlace", [False, True], ids=["plain", "adam7"])
def test_every_png_layout_pillow_reads_is_sized_as_pillow_sizes_it(tmp_path: Path, interlace: bool) -> None:
    """Every depth and colour type Pillow decodes, odd sizes, interlaced or not: the pass agrees with Pillow's decode
    on the complete image data and on image data one byte short."""
    served, short_raised, layouts = 0, 0, len(PngImagePlugin._MODES) * 3
    for depth, colour in PngImagePlugin._MODES:
        for width, height in [(1, 1), (3, 5), (13, 9)]:
            for cut in (0, 1):
                path = tmp_path / f"{depth}-{colour}-{width}x{height}-{cut}.png"
                path.write_bytes(handmade(depth, colour, width, height, interlace, cut))
                kind = assert_like_pillow(path)[0]
                if cut:
                    short_raised += kind == "raises"
                    assert fallback_of(path) == "png-short-stream", path.name  # never answered here
                else:
                    assert kind == "dict" and fallback_of(path) is None, path.name  # every complete image: here
                    served += 1
    assert served == layouts and short_raised == layouts  # the short ones: Pillow raises, and only Pillow answers
