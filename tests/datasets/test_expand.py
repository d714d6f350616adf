"""Expanding the real corpus into many distinct files, with a manifest back to the sources."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from exifbench.datasets.expand import MANIFEST_NAME, SCHEMA, Manifest, ManifestEntry, expand
from exifbench.datasets.folder import scan
from exifbench.errors import ExifbenchError


def outputs(dst: Path) -> list[Path]:
    return sorted(path for path in dst.iterdir() if path.name != MANIFEST_NAME)


def test_expands_corpus_to_591_distinct_real_copies(corpus_dir: Path, tmp_path: Path) -> None:
    dst = tmp_path / "expanded"
    manifest = expand(corpus_dir, dst, 591)

    files = outputs(dst)
    assert len(files) == manifest.count == 591
    assert sorted(path.name for path in dst.iterdir()) == sorted([path.name for path in files] + [MANIFEST_NAME])
    stats = [path.lstat() for path in files]
    assert all(path.is_file() and not path.is_symlink() for path in files)
    assert all(stat.st_nlink == 1 for stat in stats)
    assert len({(stat.st_dev, stat.st_ino) for stat in stats}) == 591

    assert Manifest.load(dst / MANIFEST_NAME) == manifest
    assert sorted(entry.file for entry in manifest.files) == [path.name for path in files]
    for entry in manifest.files:
        source = corpus_dir / entry.source
        assert source.is_file(), entry
        assert Path(entry.file).suffix == source.suffix, entry
        assert filecmp.cmp(dst / entry.file, source, shallow=False), entry

    corpus = scan(corpus_dir).files
    assert {entry.source for entry in manifest.files} == set(corpus)
    assert [entry.source for entry in manifest.files[: len(corpus)]] == corpus
    assert scan(dst).files == [path.name for path in files]


def test_manifest_json_shape(corpus_copy: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out"
    expand(corpus_copy, dst, 7)
    data = json.loads((dst / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert data["schema"] == SCHEMA
    assert data["source"] == str(corpus_copy.resolve())
    assert data["count"] == len(data["files"]) == 7
    assert all(set(entry) == {"file", "source"} for entry in data["files"])
    assert Manifest.from_dict(data).to_dict() == data


def test_names_keep_extension_and_flatten_subpaths(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "x.JPG").write_bytes(b"one")
    (src / "y.png").write_bytes(b"two")
    manifest = expand(src, tmp_path / "out", 3)
    assert [(entry.file, entry.source) for entry in manifest.files] == [
        ("0000_a-b-x.JPG", "a/b/x.JPG"),
        ("0001_y.png", "y.png"),
        ("0002_a-b-x.JPG", "a/b/x.JPG"),
    ]


def test_count_smaller_than_source(corpus_copy: Path, tmp_path: Path) -> None:
    manifest = expand(corpus_copy, tmp_path / "out", 3)
    assert len(outputs(tmp_path / "out")) == manifest.count == 3


def test_extensions_filter(corpus_dir: Path, tmp_path: Path) -> None:
    manifest = expand(corpus_dir, tmp_path / "out", 20, extensions="tiff")
    assert all(entry.file.endswith(".tiff") for entry in manifest.files)


@pytest.mark.parametrize("count", [0, -3])
def test_refuses_count_below_one(corpus_copy: Path, tmp_path: Path, count: int) -> None:
    with pytest.raises(ExifbenchError, match="at least 1"):
        expand(corpus_copy, tmp_path / "out", count)


def test_refuses_source_without_images(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    with pytest.raises(ExifbenchError, match="no images"):
        expand(src, tmp_path / "out", 5)
    (src / "notes.txt").write_text("not an image", encoding="utf-8")
    with pytest.raises(ExifbenchError, match="no images"):
        expand(src, tmp_path / "out", 5)
    with pytest.raises(ExifbenchError, match="missing: no such folder"):
        expand(tmp_path / "missing", tmp_path / "out", 5)


def test_refuses_non_empty_destination_without_force(corpus_copy: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out"
    dst.mkdir()
    (dst / "mine.jpg").write_bytes(b"keep me")
    with pytest.raises(ExifbenchError, match="not empty"):
        expand(corpus_copy, dst, 4)
    assert [path.name for path in dst.iterdir()] == ["mine.jpg"]


def test_force_replaces_previous_expansion_and_keeps_other_files(corpus_copy: Path, tmp_path: Path) -> None:
    dst = tmp_path / "out"
    expand(corpus_copy, dst, 9)
    (dst / "mine.jpg").write_bytes(b"keep me")
    manifest = expand(corpus_copy, dst, 4, force=True)
    names = {path.name for path in outputs(dst)}
    assert names == {entry.file for entry in manifest.files} | {"mine.jpg"}
    assert (dst / "mine.jpg").read_bytes() == b"keep me"


def test_refuses_destination_overlapping_source(corpus_copy: Path) -> None:
    with pytest.raises(ExifbenchError, match="overlaps"):
        expand(corpus_copy, corpus_copy / "more", 4)
    with pytest.raises(ExifbenchError, match="overlaps"):
        expand(corpus_copy, corpus_copy, 4, force=True)


def test_manifest_round_trip_and_bad_files(tmp_path: Path) -> None:
    manifest = Manifest(source="/photos", files=[ManifestEntry("0000_a.jpg", "a.jpg")])
    path = tmp_path / MANIFEST_NAME
    manifest.save(path)
    assert Manifest.load(path) == manifest
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST_NAME]

    path.write_text(json.dumps({"schema": "other"}), encoding="utf-8")
    with pytest.raises(ExifbenchError, match=MANIFEST_NAME):
        Manifest.load(path)
    path.write_text(json.dumps({**manifest.to_dict(), "count": 2}), encoding="utf-8")
    with pytest.raises(ExifbenchError, match="count"):
        Manifest.load(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ExifbenchError, match=MANIFEST_NAME):
        Manifest.load(path)
    with pytest.raises(ExifbenchError, match="missing.json"):
        Manifest.load(tmp_path / "missing.json")
