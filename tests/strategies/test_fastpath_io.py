"""Bytes the fast path reads, counted by the FUSE storage daemon: deterministic, and bounded by the header.

Camera JPEGs and HEIC files through a real mount, five repeats: the counts are identical every time.
What Pillow reads depends on the installed Pillow, pillow-heif and libheif (e.g. libheif 1.23 no longer
reads a HEIC whole), none pinned: Pillow's counts are measured here, never expected. The fast path's own
reads are asserted: a JPEG's header through SOS plus at most its look-ahead (so never more than
Pillow, which must read that header, plus that look-ahead), a HEIC as pillow-heif's open reads it
(what Pillow's open reads) plus the first read, and exactly Pillow's bytes where the fast path defers to Pillow.
Needs FUSE (Debian's fuse3, installed by the Makefile) and fails when it is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import PIL
import pytest

from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.datasets.storage.mount import fuse_problem
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.strategies.extractors.fastpath import FIRST_READ, LOOKAHEAD, unverified_pillow

HEIC = ["heic/IMG_5195.HEIC", "heic/samplefilehub.heif"]


@pytest.fixture
def photos(corpus_dir: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "photos"
    shutil.copytree(corpus_dir / "jpg" / "gps", dst, ignore=shutil.ignore_patterns("README"))
    for relative in HEIC:
        shutil.copyfile(corpus_dir / relative, dst / Path(relative).name)
    return dst


def header_end(data: bytes) -> int:
    """Where a clean JPEG's SOS segment ends: what any reader giving Pillow's dict has to read."""
    pos = 2
    while True:
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if data[pos + 1] == 0xDA:
            return end
        pos = end


def test_fastpath_reads_the_header_and_no_more_the_same_every_time(photos: Path) -> None:
    assert fuse_problem() is None, f"{fuse_problem()} — make test installs fuse3"
    folder = scan(photos)
    config = BenchConfig(["sync"], repeat=5, extractors=("pillow", "fastpath"), storage_via="fuse")
    runs = run_bench(config, folder, startup_pattern(images=len(folder.files), page=4)).runs
    pillow = [run.io for run in runs if run.strategy == "sync" and run.io is not None]
    fast = [run.io for run in runs if run.strategy == "sync+fastpath" and run.io is not None]
    assert len(pillow) == len(fast) == 5 and all(run.equal for run in runs)
    assert all(io == pillow[0] for io in pillow) and all(io == fast[0] for io in fast)
    assert fast[0].total("opens") == pillow[0].total("opens") == len(folder.files)  # no file read twice
    fast_bytes = {name: counts[2] for name, counts in fast[0].files.items()}
    pillow_bytes = {name: counts[2] for name, counts in pillow[0].files.items()}
    if unverified_pillow(PIL.__version__):  # every file falls back: Pillow reads it
        assert fast_bytes == pillow_bytes
        return
    jpegs = [name for name in folder.files if name.endswith(".jpg")]
    assert len(jpegs) >= 3
    for name in jpegs:
        end = header_end((photos / name).read_bytes())
        assert end <= fast_bytes[name] <= end + max(LOOKAHEAD, end // 8), (name, end, fast_bytes[name])
        assert fast_bytes[name] <= pillow_bytes[name] + max(LOOKAHEAD, end // 8), (name, fast_bytes[name], pillow_bytes[name])
    for name in (Path(relative).name for relative in HEIC):  # the magic bytes' read, then the plugin's open as Pillow's
        assert fast_bytes[name] <= pillow_bytes[name] + FIRST_READ, (name, fast_bytes[name], pillow_bytes[name])
