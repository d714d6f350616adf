"""The vendored corpus: every kind of file the tests need, each byte-identical to the full corpus' file."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import VENDORED


def vendored() -> list[str]:
    return sorted(p.relative_to(VENDORED).as_posix() for p in VENDORED.rglob("*") if p.is_file())


def test_the_selection_has_every_kind_and_stays_small() -> None:
    files = vendored()
    for folder in ["jpg/gps/", "jpg/orientation/", "jpg/tests/", "jpg/invalid/", "jpg/xmp/", "tiff/", "heic/"]:
        assert any(name.startswith(folder) and not name.endswith("README") for name in files), folder
    assert sum((VENDORED / name).stat().st_size for name in files) < 4_000_000


def test_every_vendored_file_is_the_full_corpus_file(full_corpus_dir: Path) -> None:
    differ = [name for name in vendored() if (VENDORED / name).read_bytes() != (full_corpus_dir / name).read_bytes()]
    assert differ == []
