"""The built-in dataset: generated once into the cache, atomically, then reused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from exifbench.datasets import embedded, synth
from exifbench.datasets.embedded import DEFAULT_IO_LATENCY_MS, MARKER, cache_dir, default_dataset, describe
from exifbench.errors import ExifbenchError


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("EXIFBENCH_CACHE_DIR", str(root))
    return root


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    return {
        path.name: (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in folder.iterdir()
    }


def test_default_is_591_images_in_the_cache(cache: Path) -> None:
    folder = default_dataset()
    assert folder.parent == cache
    assert f"v{synth.VERSION}" in folder.name and "n591" in folder.name and "s0" in folder.name
    assert len(list(folder.glob("IMG_*.jpg"))) == 591
    assert (folder / MARKER).is_file()
    assert [path.name for path in cache.iterdir()] == [folder.name]


def test_generated_once_then_reused(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = default_dataset(count=12, seed=1)
    before = snapshot(folder)

    def fail(*args: object, **kwargs: object) -> list[Path]:
        raise AssertionError("regenerated")

    monkeypatch.setattr(synth, "synthesize", fail)
    assert default_dataset(count=12, seed=1) == folder
    assert snapshot(folder) == before


def test_matches_synthesize_output(cache: Path, tmp_path: Path) -> None:
    folder = default_dataset(count=8, seed=4)
    expected = synth.synthesize(tmp_path / "direct", 8, seed=4)
    for path in expected:
        assert (folder / path.name).read_bytes() == path.read_bytes()


def test_count_and_seed_name_separate_datasets(cache: Path) -> None:
    folders = {default_dataset(count=3, seed=0), default_dataset(count=4, seed=0), default_dataset(count=3, seed=1)}
    assert len(folders) == 3


def test_crash_leaves_nothing_behind(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = synth.synthesize

    def crash(dst: Path, count: int, seed: int = 0) -> list[Path]:
        real(dst, 2, seed)
        raise RuntimeError("killed mid-way")

    monkeypatch.setattr(synth, "synthesize", crash)
    with pytest.raises(RuntimeError):
        default_dataset(count=5)
    assert list(cache.iterdir()) == []

    monkeypatch.setattr(synth, "synthesize", real)
    folder = default_dataset(count=5)
    assert len(list(folder.glob("IMG_*.jpg"))) == 5


def test_unfinished_folder_is_regenerated(cache: Path) -> None:
    stale = embedded.dataset_dir(count=4, seed=0)
    stale.mkdir(parents=True)
    (stale / "IMG_0000.jpg").write_bytes(b"half")
    folder = default_dataset(count=4)
    assert folder == stale
    assert (folder / MARKER).is_file()
    assert len(list(folder.glob("IMG_*.jpg"))) == 4
    assert (folder / "IMG_0000.jpg").read_bytes() != b"half"


def test_cache_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXIFBENCH_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "exifbench"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "exifbench"
    monkeypatch.setenv("EXIFBENCH_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"


def test_unwritable_cache_is_a_user_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("EXIFBENCH_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(ExifbenchError, match="cache"):
        default_dataset(count=2)


def test_refuses_count_below_one(cache: Path) -> None:
    with pytest.raises(ExifbenchError, match="at least 1"):
        default_dataset(count=0)


def test_latency_and_description() -> None:
    assert DEFAULT_IO_LATENCY_MS == 23.0
    text = describe()
    assert "\n" not in text and "591" in text and "23 ms" in text
