"""Shared fixtures: the real corpus (required, never skipped) and small copies of it."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "exif-samples"


@pytest.fixture(autouse=True, scope="session")
def private_metadata_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``persistent`` loaders made with the default place keep their database in the session's own folder (module
    fixtures included), never in the user's cache."""
    user_cache = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("exifbench.strategies.store.cache_dir", lambda: user_cache)
        yield


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


@pytest.fixture(scope="session")
def apps_extra() -> None:
    """The real apps of ``examples/apps`` (the ``apps`` extra; PhotoAssistant with ``--no-deps``; ``make test``
    installs both): missing is a failure naming the install, not a skip."""
    missing = [name for name in ("sigal", "photoassistant") if importlib.util.find_spec(name) is None]
    assert not missing, (f"{', '.join(missing)} not installed: .venv/bin/pip install -e '.[apps]' && "
                         ".venv/bin/pip install --no-deps photoassistant==1.1.2 (make test does both)")  # fmt: skip
