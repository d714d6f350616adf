"""The fast path's compiled core gives the pure-Python path's answers (the oracle), reads the same bytes, and reads off
the GIL."""

from __future__ import annotations

import os
import random
import threading
from pathlib import Path
from typing import Any

import pytest

from exifbench.datasets.synth import synthesize
from exifbench.harness.equality import values_equal
from exifbench.strategies.extractors import fastpath, tiff_ifd
from exifbench.strategies.extractors.fallback import Fallback
from exifbench.strategies.extractors.fastpath import FIRST_READ, LOOKAHEAD, MAX_HEADER, header_exif, pure_python, scan_file

SOURCES = ["jpg/Canon_40D.jpg", "jpg/gps/DSCN0010.jpg", "jpg/Nikon_D70.jpg", "jpg/xmp/BlueSquare.jpg",
           "jpg/Fujifilm_FinePix_E500.jpg", "jpg/Pentax_K10D.jpg"]  # fmt: skip


def answer(path: Path) -> tuple[str, Any]:
    try:
        return "dict", header_exif(str(path))
    except Fallback as exc:
        return "fallback", exc.reason


def scanned(path: Path) -> Any:
    """The marker scan's result on ``path`` (the header buffer itself included: what was read), or its fall-back."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return scan_file(fd, os.read(fd, FIRST_READ))
    except Fallback as exc:
        return exc.reason
    finally:
        os.close(fd)


def assert_same(path: Path) -> tuple[str, Any]:
    compiled, compiled_scan = answer(path), scanned(path)
    with pure_python():
        python, python_scan = answer(path), scanned(path)
    assert compiled[0] == python[0], (path, compiled, python)
    if compiled[0] == "dict":
        assert values_equal(python[1], compiled[1]) and list(python[1]) == list(compiled[1]), path
    else:
        assert compiled == python
    if isinstance(compiled_scan, tuple) and isinstance(python_scan, tuple):
        compiled_scan, python_scan = compiled_scan[1:], python_scan[1:]  # the joined payload, not the buffer holding it
    assert compiled_scan == python_scan, path
    return compiled


def test_the_compiled_core_is_built_here() -> None:
    assert fastpath.COMPILED, "setup.py's extension was not built, or is older than this checkout: pip install -e . (make)"


def test_compiled_and_pure_python_agree_on_every_corpus_file(corpus_dir: Path) -> None:
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg"))
    kinds = [assert_same(path)[0] for path in files]
    assert kinds.count("dict") > len(files) / 2


def test_compiled_and_pure_python_agree_on_the_embedded_kind_of_file(tmp_path: Path) -> None:
    files = synthesize(tmp_path / "synth", 40)
    answers = [assert_same(path) for path in files]
    assert sum(kind == "dict" and bool(exif) for kind, exif in answers) >= 20


def test_compiled_and_pure_python_agree_on_damaged_headers(corpus_dir: Path, tmp_path: Path) -> None:
    """Seeded flips and cuts in the headers and IFDs of real files: the same dict or the same fall-back reason."""
    rng = random.Random(25)
    sources = [(corpus_dir / name).read_bytes() for name in SOURCES]
    path = tmp_path / "damaged.jpg"
    reasons: set[str] = set()
    for _ in range(600):
        data = bytearray(rng.choice(sources))
        if rng.random() < 0.1:
            del data[rng.randrange(4, min(len(data), 20000)) :]
        else:
            for _ in range(rng.choice([1, 2, 4])):
                where = rng.randrange(2, min(len(data), rng.choice([400, 3000, 12000])))
                data[where] = rng.choice([0, 1, 2, 5, 7, 0xFF, rng.randrange(256)])
        path.write_bytes(bytes(data))
        kind, value = assert_same(path)
        if kind == "fallback":
            reasons.add(value)
    assert len(reasons) >= 5, reasons  # the damage reaches the scan's and the IFD walk's checks


def test_a_header_past_the_bound_falls_back_alike(tmp_path: Path) -> None:
    path = tmp_path / "long.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * (MAX_HEADER + 10))
    assert assert_same(path) == ("fallback", "large-header")
    fill = tmp_path / "fill.jpg"
    fill.write_bytes(b"\xff\xd8" + b"\xff" * (MAX_HEADER + LOOKAHEAD))
    assert assert_same(fill) == ("fallback", "large-header")


def test_the_scan_reads_with_the_gil_released(corpus_dir: Path) -> None:
    """The scan blocks in read(2) on a pipe that only this thread fills: it can fill it only if the scan let go of
    the GIL."""
    data = (corpus_dir / SOURCES[0]).read_bytes()
    assert fastpath._fastcore is not None and len(data) < 65536  # the whole file fits in the pipe: the write never blocks
    reader, writer = os.pipe()
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(fastpath._fastcore.scan_jpeg(reader, data[:16], MAX_HEADER, 0)))
    try:
        worker.start()
        os.write(writer, data[16:])  # a Python call: it runs only while the scan is off the GIL (8 KB: a pipe holds 64 KiB)
        worker.join(timeout=30)
    finally:
        os.close(writer)
        worker.join(timeout=30)
        os.close(reader)
    assert not worker.is_alive()
    assert isinstance(result[0], tuple) and result[0][1], result  # it found the Exif segment in what was written


@pytest.mark.parametrize("offset", [2**32, 2**40, 2**63 - 1])
def test_an_ifd_pointer_past_any_buffer_is_a_truncated_ifd_alike(offset: int) -> None:
    tiff = tiff_ifd.Tiff(b"II*\x00\x08\x00\x00\x00" + bytes(8), 0, 16)
    with pytest.raises(Fallback, match="truncated-ifd"):
        tiff_ifd.load_ifd(tiff, offset, "<", None)
    with pytest.raises(Fallback, match="truncated-ifd"):
        tiff_ifd.load_ifd_py(tiff, offset, "<", None)
