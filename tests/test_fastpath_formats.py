"""TIFF, HEIF and AVIF through the fast path: the original's ``{}`` or its error, corrupt files included.

The fast path opens these with the plugin ``Image.open`` would try first (exifbench.extractors.plugin_open);
every variant below -- truncated, bytes flipped, empty -- must give the Pillow reader's dict and its error
(the same text: a failed open is left to Pillow), and the clean files must not fall back at all.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import PIL
import pytest
from PIL import Image

from exifbench.extractors import ExifReader
from exifbench.extractors.fallback import Fallback
from exifbench.extractors.fastpath import header_exif
from exifbench.replay.equality import values_equal

SAMPLES = {"tiff": "tiff/Arbitro.tiff", "heif": "heic/samplefilehub.heif"}


@pytest.fixture(scope="module")
def samples(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The clean files: a corpus TIFF and HEIF, and an AVIF made here."""
    found = {kind: (corpus_dir / relative).read_bytes() for kind, relative in SAMPLES.items()}
    avif = tmp_path_factory.mktemp("avif") / "made.avif"
    Image.new("RGB", (32, 24), (200, 30, 90)).save(avif)
    found["avif"] = avif.read_bytes()
    return found


def variants(data: bytes) -> list[tuple[str, bytes]]:
    """The clean file, cut at several places, bytes flipped in its header, and empty."""
    cuts = sorted({4, 12, 16, 64, 256, len(data) // 2, len(data) - 1} - {len(data)})
    found = [("clean", data), ("empty", b"")] + [(f"cut at {n}", data[:n]) for n in cuts if n < len(data)]
    rng = random.Random(len(data))
    for position in rng.sample(range(min(len(data), 600)), 12):
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        found.append((f"byte {position} flipped", bytes(flipped)))
    return found


@pytest.mark.parametrize("kind", ["tiff", "heif", "avif"])
def test_corrupt_variants_give_the_original_dict_and_error(samples: dict[str, bytes], tmp_path: Path, kind: str) -> None:
    fast, original = ExifReader("fastpath"), ExifReader("pillow")
    outcomes = []
    for name, data in variants(samples[kind]):
        path = tmp_path / f"{name.replace(' ', '-')}.{kind}"
        path.write_bytes(data)
        mine, theirs = fast(str(path)), original(str(path))
        assert values_equal(mine.exif, theirs.exif) and mine.error == theirs.error, (kind, name, mine, theirs)
        outcomes.append((name, theirs.error is None, mine.fallback))
    assert ("clean", True, None) in outcomes  # the clean file is answered without Pillow
    assert any(not ok for _, ok, _ in outcomes)  # some variants fail to open: their errors came through
    answered = [name for name, ok, fallback in outcomes if ok and fallback is None]
    assert answered, outcomes


def test_corpus_tiff_and_heic_are_answered_without_pillow(corpus_dir: Path, tmp_path: Path) -> None:
    files = sorted((corpus_dir / "tiff").glob("*.tiff")) + sorted(p for p in (corpus_dir / "heic").rglob("*") if p.is_file())
    assert len(files) >= 12
    fast, original = ExifReader("fastpath"), ExifReader("pillow")
    for path in files:
        copy = tmp_path / path.name
        shutil.copyfile(path, copy)
        assert fast(str(copy)) == original(str(copy)) == (({}, None, None)), path.name


def test_unverified_pillow_falls_back_for_tiff_too(samples: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.tiff"
    path.write_bytes(samples["tiff"])
    monkeypatch.setattr(PIL, "__version__", "12.2.0")
    with pytest.raises(Fallback, match="unverified Pillow 12.2"):
        header_exif(str(path))


def test_a_plugin_tried_earlier_leaves_the_file_to_pillow(samples: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.heif"
    path.write_bytes(samples["heif"])
    assert header_exif(str(path)) == {}
    monkeypatch.setattr(Image, "ID", ["IM", *Image.ID])  # a guessing plugin first: Image.open would try it first
    with pytest.raises(Fallback, match="not-identified"):
        header_exif(str(path))
