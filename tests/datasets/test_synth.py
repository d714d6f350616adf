"""Synthetic dataset: deterministic bytes, realistic EXIF that reads back through Pillow."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image, TiffImagePlugin, TiffTags

from exifbench.datasets.synth import EXIF_IFD, MAKER_NOTE, THUMB_SIZE, file_name, plan, synthesize
from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors.pillow import pillow_exif

COUNT = 200


def digests(paths: list[Path]) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


@pytest.fixture(scope="module")
def synth_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return synthesize(tmp_path_factory.mktemp("synth"), COUNT, seed=0)


def test_writes_count_sorted_names(synth_files: list[Path]) -> None:
    assert [path.name for path in synth_files] == [f"IMG_{index:04d}.jpg" for index in range(COUNT)]
    assert sorted(path.name for path in synth_files[0].parent.iterdir()) == [path.name for path in synth_files]


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = digests(synthesize(tmp_path / "a", 40, seed=7))
    second = digests(synthesize(tmp_path / "b", 40, seed=7))
    assert first == second


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    first = digests(synthesize(tmp_path / "a", 40, seed=7))
    other = digests(synthesize(tmp_path / "b", 40, seed=8))
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first)


def test_file_does_not_depend_on_count(tmp_path: Path) -> None:
    few = digests(synthesize(tmp_path / "few", 5, seed=3))
    many = digests(synthesize(tmp_path / "many", 30, seed=3))
    assert few == {name: many[name] for name in few}


def test_every_file_reads_back_the_tags_written(synth_files: list[Path]) -> None:
    for index, path in enumerate(synth_files):
        spec = plan(index, seed=0)
        exif = pillow_exif(str(path))
        if not spec.ifd0:
            assert exif == {}, path
            continue
        for tag, value in {**spec.ifd0, **spec.exif}.items():
            assert exif[ExifTags.TAGS[tag]] == value, (path, ExifTags.TAGS[tag])
        for name in ("Make", "Model", "DateTime", "Orientation", "DateTimeOriginal", "ExposureTime", "FNumber"):
            assert name in exif, (path, name)
        assert {"ISOSpeedRatings", "FocalLength"} <= exif.keys()
        assert isinstance(exif["FNumber"], TiffImagePlugin.IFDRational)
        if spec.gps:
            gps = exif["GPSInfo"]
            assert gps == spec.gps, path
            assert gps[1] in ("N", "S") and gps[3] in ("E", "W")
            assert len(gps[2]) == len(gps[4]) == 3
            assert 6 in gps
        else:
            assert "GPSInfo" not in exif, path


def test_thumbnails_are_in_ifd1_and_decode(synth_files: list[Path]) -> None:
    for index, path in enumerate(synth_files):
        spec = plan(index, seed=0)
        with Image.open(path) as image:
            exif = image.getexif()
            ifd1 = exif.get_ifd(ExifTags.IFD.IFD1)
            raw = image.info.get("exif", b"")[6:]
        if not spec.thumbnail:
            assert ifd1 == {}, path
            continue
        start, length = ifd1[0x0201], ifd1[0x0202]
        assert ifd1[0x0103] == 6
        with Image.open(io.BytesIO(raw[start : start + length])) as thumb:
            assert thumb.format == "JPEG" and thumb.size == THUMB_SIZE


def test_maker_notes_are_undefined_blobs_of_a_few_kb(synth_files: list[Path]) -> None:
    seen = 0
    for index, path in enumerate(synth_files):
        if MAKER_NOTE not in plan(index, seed=0).exif:
            continue
        seen += 1
        with Image.open(path) as image:
            raw = image.info["exif"][6:]
            offset = image.getexif()[EXIF_IFD]
        ifd = TiffImagePlugin.ImageFileDirectory_v2(raw[:8])
        fp = io.BytesIO(raw)
        fp.seek(offset)
        ifd.load(fp)
        assert ifd.tagtype[MAKER_NOTE] == ifd.tagtype[0x9000] == TiffTags.UNDEFINED, path
        assert 2048 <= len(ifd[MAKER_NOTE]) <= 8192, path
    assert seen


def test_feature_mix_is_plausible(synth_files: list[Path]) -> None:
    specs = [plan(index, seed=0) for index in range(COUNT)]
    without_exif = sum(not spec.ifd0 for spec in specs)
    with_gps = sum(bool(spec.gps) for spec in specs)
    with_thumbnail = sum(spec.thumbnail for spec in specs)
    with_maker_note = sum(MAKER_NOTE in spec.exif for spec in specs)
    assert 1 <= without_exif <= COUNT * 0.1
    assert COUNT * 0.15 <= with_gps <= COUNT * 0.6
    assert COUNT * 0.3 <= with_thumbnail <= COUNT * 0.7
    assert COUNT * 0.25 <= with_maker_note <= COUNT * 0.75
    assert {spec.ifd0[0x0112] for spec in specs if spec.ifd0} == set(range(1, 9))
    assert len({spec.ifd0[0x0110] for spec in specs if spec.ifd0}) >= 5


def test_rerun_over_own_output_is_allowed_and_identical(tmp_path: Path) -> None:
    first = digests(synthesize(tmp_path, 12, seed=1))
    assert digests(synthesize(tmp_path, 12, seed=1)) == first


def test_refuses_folder_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExifbenchError, match="notes.txt"):
        synthesize(tmp_path, 5)
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_refuses_larger_previous_output(tmp_path: Path) -> None:
    synthesize(tmp_path, 6)
    with pytest.raises(ExifbenchError, match="IMG_0005.jpg"):
        synthesize(tmp_path, 5)


def test_refuses_bad_count_and_file_destination(tmp_path: Path) -> None:
    with pytest.raises(ExifbenchError, match="at least 1"):
        synthesize(tmp_path / "out", 0)
    target = tmp_path / "file.jpg"
    target.write_bytes(b"")
    with pytest.raises(ExifbenchError, match="not a directory"):
        synthesize(target, 3)


def test_names_widen_to_keep_sort_order() -> None:
    assert file_name(7, 591) == "IMG_0007.jpg"
    assert file_name(7, 10001) == "IMG_00007.jpg"
