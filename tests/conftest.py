"""Shared fixtures: the real corpus (the full one when present, else the selection vendored in tests/corpus) and small copies of it.

The full corpus is ``$EXIFBENCH_CORPUS``, else ``../shared/corpus/exif-samples`` beside the checkout; in CI
(``CI=true``) it is required and its absence stops the session. Without it, the tests run on
``tests/corpus/exif-samples``: unchanged files of the same commit, in the same layout.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDORED = ROOT / "tests" / "corpus" / "exif-samples"
BESIDE = ROOT.parent / "shared" / "corpus" / "exif-samples"
VARIABLE = "EXIFBENCH_CORPUS"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def full_corpus() -> Path | None:
    """The full corpus: ``$EXIFBENCH_CORPUS`` (must exist) or the one beside the checkout, if there."""
    named = os.environ.get(VARIABLE)
    if named:
        return Path(named).resolve()
    return BESIDE if BESIDE.is_dir() else None


def pytest_configure(config: pytest.Config) -> None:
    full = full_corpus()
    if full is not None and not full.is_dir():
        raise pytest.UsageError(f"{VARIABLE}={full}: no such folder (the full corpus: ianare/exif-samples' jpg/, tiff/, heic/)")
    if full is None and in_ci():
        raise pytest.UsageError(f"CI=true needs the full corpus: set {VARIABLE} or put it at {BESIDE}")


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
    """The read-only real corpus: the full one when present, else the vendored selection."""
    return full_corpus() or VENDORED


@pytest.fixture(scope="session")
def full_corpus_dir() -> Path:
    """The full corpus, for tests about it; without it (outside CI only) they are skipped, saying how to run them."""
    full = full_corpus()
    if full is None:
        pytest.skip(f"needs the full corpus ({VARIABLE} or {BESIDE}); CI always runs it")
    return full


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
