"""Scanning folders, the storage model's cold-cache check, HEIC through pillow-heif."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import cold_check
from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors import ExifReader


def test_scan_is_recursive_sorted_and_filtered(corpus_dir: Path) -> None:
    folder = scan(corpus_dir)
    every = sorted(p.relative_to(corpus_dir).as_posix() for p in corpus_dir.rglob("*") if p.is_file())
    assert folder.files == sorted(folder.files) == [name for name in every if not name.endswith("README")]
    assert "jpg/gps/DSCN0010.jpg" in folder.files and "tiff/Arbitro.tiff" in folder.files and "heic/IMG_5195.HEIC" in folder.files
    only_tiff = scan(corpus_dir, "TIFF,.tif")
    assert only_tiff.files and all(name.startswith("tiff/") for name in only_tiff.files)


def test_unreadable_entries_are_reported_not_fatal(tmp_path: Path, corpus_dir: Path) -> None:
    shutil.copyfile(corpus_dir / "jpg" / "Canon_40D.jpg", tmp_path / "b.jpg")
    os.symlink(tmp_path / "gone.jpg", tmp_path / "a-broken.jpg")
    (tmp_path / "loop").mkdir()
    os.symlink(tmp_path, tmp_path / "loop" / "back")
    (tmp_path / "dir.jpg").mkdir()
    folder = scan(tmp_path)
    assert folder.files == ["b.jpg"]
    reasons = {Path(s.path).name: s.reason for s in folder.skipped}
    assert reasons["a-broken.jpg"] == "broken symlink"
    assert any("symlink loop" in reason for reason in reasons.values())


def test_scan_of_a_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ExifbenchError, match="nope: no such folder"):
        scan(tmp_path / "nope")
    (tmp_path / "file.jpg").write_bytes(b"")
    with pytest.raises(ExifbenchError, match="file.jpg: not a folder"):
        scan(tmp_path / "file.jpg")
    with pytest.raises(ExifbenchError, match="no file extensions"):
        scan(tmp_path, " , ")


def test_cold_check_evicts_and_compares(corpus_copy: Path) -> None:
    paths = sorted(str(p) for p in corpus_copy.iterdir())
    check = cold_check(paths, sample=8)
    assert check["files"] == 8 and check["evicted"] == 8
    assert check["cold_median_ms"] > 0 and check["warm_median_ms"] > 0
    assert isinstance(check["measurably_slower"], bool)


def test_heic_files_open_through_pillow_heif(corpus_dir: Path) -> None:
    from PIL import Image

    heic = sorted((corpus_dir / "heic").rglob("*.[hH][eE][iI][cCfF]"))
    assert len(heic) >= 2 and heic == sorted(p for p in (corpus_dir / "heic").rglob("*") if p.is_file())
    for path in heic:
        with Image.open(path) as img:
            assert type(img).__module__.startswith("pillow_heif")
            assert len(img.getexif()) > 0  # EXIF is there ...
        read = ExifReader()(str(path))
        assert read.exif == {} and read.error is None  # ... but no _getexif: {}, as the original gave
