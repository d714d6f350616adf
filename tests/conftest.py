"""Shared fixtures: the real corpus (required, never skipped) and small copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "exif-samples"


@pytest.fixture(autouse=True)
def private_metadata_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test's ``persistent`` loaders keep their database in the test's own folder, never the user's cache."""
    monkeypatch.setattr("exifbench.strategies.store.cache_dir", lambda: tmp_path / "user-cache")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The read-only real corpus; its absence is a failure, not a skip."""
    assert CORPUS.is_dir(), f"real corpus missing at {CORPUS}: clone with ../shared beside the repo"
    return CORPUS


@pytest.fixture
def corpus_copy(corpus_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the corpus' camera JPEGs (top-level ``jpg/*.jpg``) plus a few bad files."""
    dst = tmp_path / "photos"
    dst.mkdir()
    for src in sorted((corpus_dir / "jpg").glob("*.jpg")):
        shutil.copyfile(src, dst / src.name)
    for bad in ["tests/30-type_error.jpg", "invalid/image00971.jpg"]:
        shutil.copyfile(corpus_dir / "jpg" / bad, dst / ("bad-" + Path(bad).name))
    return dst
