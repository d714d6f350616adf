"""TIFF, HEIF and AVIF through the fast path: the original's ``{}`` or its error, corrupt files included.

The fast path opens these with the plugin ``Image.open`` would try first (exifbench.strategies.extractors.plugin_open);
every variant below -- truncated, bytes flipped, empty -- must give the Pillow reader's dict and its error
(the same text: a failed open is left to Pillow), and the clean files must not fall back at all.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import PIL
import pytest
from PIL import Image, ImageFile

from exifbench.strategies.extractors import ExifReader
from exifbench.strategies.extractors.fallback import Fallback
from exifbench.strategies.extractors.fastpath import header_exif
from exifbench.strategies.extractors.pillow import pillow_exif
from exifbench.harness.equality import values_equal

SAMPLES = {"tiff": "tiff/Arbitro.tiff", "heif": "heic/samplefilehub.heif", "heic": "heic/IMG_5195.HEIC"}


@pytest.fixture(scope="module")
def samples(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The clean files: a corpus TIFF and HEIF, and an AVIF made here."""
    found = {kind: (corpus_dir / relative).read_bytes() for kind, relative in SAMPLES.items()}
    avif = tmp_path_factory.mktemp("avif") / "made.avif"
    Image.new("RGB", (32, 24), (200, 30, 90)).save(avif)
    found["avif"] = avif.read_bytes()
    return found


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def variants(data: bytes, header: int = 600) -> list[tuple[str, bytes]]:
    """The clean file, cut at several places, bytes flipped in its first ``header`` bytes, and empty."""
    cuts = sorted({4, 12, 16, 64, 256, header // 2, header + 8, len(data) // 2, len(data) - 1} - {len(data)})
    found = [("clean", data), ("empty", b"")] + [(f"cut at {n}", data[:n]) for n in cuts if n < len(data)]
    rng = random.Random(len(data))
    for position in rng.sample(range(min(len(data), header)), 16):
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        found.append((f"byte {position} flipped", bytes(flipped)))
    return found


@pytest.mark.parametrize("kind", ["tiff", "heif", "heic", "avif"])
def test_corrupt_variants_give_the_original_dict_and_error(samples: dict[str, bytes], tmp_path: Path, kind: str) -> None:
    fast, original = ExifReader("fastpath"), ExifReader("pillow")
    outcomes = []
    header = 3015 if kind == "heic" else 600  # IMG_5195.HEIC: ftyp and meta, then mdat
    pillow_exif(str(write(tmp_path / f"first.{kind}", samples[kind])))  # Pillow has met the format (its plugin loaded)
    for name, data in variants(samples[kind], header):
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
    assert len(files) >= 6  # the vendored selection has 4 TIFF and 2 HEIF
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


class _Guesser(ImageFile.ImageFile):
    """A plugin without magic bytes whose open takes any file (as a loose third-party plugin might)."""

    format = "GUESS"

    def _open(self) -> None:
        self._mode, self._size = "L", (1, 1)


def test_a_plugin_that_guesses_is_tried_as_image_open_tries_it(samples: dict[str, bytes], tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    path = tmp_path / "a.heif"
    path.write_bytes(samples["heif"])
    assert header_exif(str(path)) == {}
    from PIL import ImImagePlugin  # noqa: F401  (registers IM, a plugin that guesses: no magic bytes)

    monkeypatch.setattr(Image, "ID", ["IM", *Image.ID])  # tried first: its open fails (SyntaxError), Image.open goes on
    assert header_exif(str(path)) == pillow_exif(str(path)) == {}
    monkeypatch.setitem(Image.OPEN, "GUESS", (_Guesser, None))
    monkeypatch.setattr(Image, "ID", ["GUESS", *Image.ID])  # its open succeeds: Image.open takes it, left to Pillow
    with pytest.raises(Fallback, match="not-identified"):
        header_exif(str(path))


def test_odd_heif_layouts_give_pillows_outcome(samples: dict[str, bytes], tmp_path: Path) -> None:
    whole = samples["heic"]  # IMG_5195.HEIC: meta at 24, its iloc box at 2279, mdat at 3015
    assert whole[2283:2287] == b"iloc"
    odd_iloc = whole[:2287] + b"\x03" + whole[2288:]  # an iloc version this module does not know
    second_meta = whole + whole[24:3015]  # a second meta box at the end
    for name, data in [("odd iloc", odd_iloc), ("second meta", second_meta)]:
        path = write(tmp_path / f"{name.replace(' ', '-')}.heic", data)
        mine, theirs = ExifReader("fastpath")(str(path)), ExifReader("pillow")(str(path))
        assert values_equal(mine.exif, theirs.exif) and mine.error == theirs.error, (name, mine, theirs)
