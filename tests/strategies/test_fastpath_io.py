"""Bytes the fast path reads, counted by the FUSE storage daemon: deterministic, and a fraction of Pillow's.

Camera JPEGs and HEIC files through a real mount, five repeats: the counts are identical every time;
the fast path reads a HEIC as pillow-heif's open reads it (not whole) and a JPEG's header once.
Needs FUSE (Debian's fuse3, installed by the Makefile) and fails when it is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exifbench.datasets.folder import scan
from exifbench.datasets.storage.mount import fuse_problem
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench

HEIC = ["heic/IMG_5195.HEIC", "heic/samplefilehub.heif"]


@pytest.fixture
def photos(corpus_dir: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "photos"
    shutil.copytree(corpus_dir / "jpg" / "gps", dst, ignore=shutil.ignore_patterns("README"))
    for relative in HEIC:
        shutil.copyfile(corpus_dir / relative, dst / Path(relative).name)
    return dst


def test_fastpath_reads_a_fraction_of_pillows_bytes_the_same_every_time(photos: Path) -> None:
    assert fuse_problem() is None, f"{fuse_problem()} — make test installs fuse3"
    folder = scan(photos)
    config = BenchConfig(["sync"], repeat=5, extractors=("pillow", "fastpath"), storage_via="fuse")
    runs = run_bench(config, folder, startup_pattern(images=len(folder.files), page=4)).runs
    pillow = [run.io for run in runs if run.strategy == "sync"]
    fast = [run.io for run in runs if run.strategy == "sync+fastpath"]
    assert len(pillow) == len(fast) == 5 and all(run.equal for run in runs)
    assert all(io == pillow[0] for io in pillow) and all(io == fast[0] for io in fast)
    assert fast[0]["opens"] == pillow[0]["opens"] == len(folder.files)  # no file read twice
    assert fast[0]["bytes"] < 0.5 * pillow[0]["bytes"], (fast[0]["bytes"], pillow[0]["bytes"])
    heic = (photos / "IMG_5195.HEIC").stat().st_size
    heic_fast = fast[0]["files"]["IMG_5195.HEIC"][2]
    assert pillow[0]["files"]["IMG_5195.HEIC"][2] >= heic > 20 * heic_fast  # Pillow reads it whole, fastpath a sliver
