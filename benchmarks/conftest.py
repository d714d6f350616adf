"""Fixtures for the pytest-benchmark suite: a small copy of the real corpus and the scaled start-up pattern."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from exifbench.datasets.folder import scan
from exifbench.harness.bench import baseline
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.plan import ReplayPlan, plan_replay

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "exif-samples"
IMAGES = 96


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 96 images of the real corpus (its sorted scan), copied with their sub-folders."""
    assert CORPUS.is_dir(), f"real corpus missing at {CORPUS}: clone with ../shared beside the repo"
    dst = tmp_path_factory.mktemp("photos")
    for relative in scan(CORPUS).files[:IMAGES]:
        (dst / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / relative, dst / relative)
    return dst


@pytest.fixture(scope="session")
def warm_up_paths() -> list[str]:
    """Eight real images that are not in the replay (the corpus' own copies): they start a pool's workers."""
    return [str(CORPUS / relative) for relative in scan(CORPUS).files[:8]]


@pytest.fixture(scope="session")
def plan(photos: Path) -> ReplayPlan:
    """``startup_pattern(images=96)`` (98 calls) resolved against the copy."""
    return plan_replay(startup_pattern(images=IMAGES), scan(photos))


@pytest.fixture(scope="session")
def expected(plan: ReplayPlan) -> dict[str, dict[str, Any]]:
    """The original loader's dict for every file the replay loads."""
    return baseline(plan)
