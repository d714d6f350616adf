"""Fall-back reasons travel with each read: a run counts them from its own reads, in any pool."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exifbench.datasets.folder import scan
from exifbench.strategies.extractors import ExifReader
from exifbench.strategies.extractors.error_log import ErrorCollector
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench


@pytest.fixture
def mixed(corpus_dir: Path, tmp_path: Path) -> Path:
    """Camera JPEGs, a TIFF, an MPO, a JPEG without Exif and a file no reader can open."""
    dst = tmp_path / "mixed"
    shutil.copytree(corpus_dir / "jpg" / "gps", dst, ignore=shutil.ignore_patterns("README"))
    shutil.copyfile(corpus_dir / "tiff" / "Arbitro.tiff", dst / "Arbitro.tiff")
    shutil.copyfile(corpus_dir / "jpg" / "tests" / "45-gps_ifd.jpg", dst / "mpo.jpg")
    shutil.copyfile(corpus_dir / "jpg" / "invalid" / "image00971.jpg", dst / "no-exif.jpg")
    (dst / "junk.jpg").write_bytes(b"not a photo")
    return dst


@pytest.mark.parametrize("strategy", ["sync", "threadpool", "lazy", "process"])
def test_each_run_counts_its_own_reads_fallbacks(strategy: str, mixed: Path) -> None:
    folder = scan(mixed)
    config = BenchConfig([strategy], workers=3, repeat=2, extractors=("pillow", "fastpath"))
    runs = run_bench(config, folder, startup_pattern(images=len(folder.files), page=4))
    assert len(runs.runs) == 4
    for run in runs.runs:
        assert run.equal
        assert [error.path for error in run.errors] == [str(mixed / "junk.jpg")]
        if run.config.extractor == "pillow":
            assert run.config.fastpath_fallbacks is None
        else:
            assert run.config.fastpath_fallbacks == {"files": len(folder.files), "mpo": 1, "not-identified": 1}


def test_collector_counts_one_reason_per_file(mixed: Path) -> None:
    collector = ErrorCollector()
    read = ExifReader("fastpath", log=collector)
    for _ in range(3):
        for path in sorted(mixed.iterdir()):
            read.report(str(path), read(str(path)))
    assert collector.fallbacks == {"mpo": 1, "not-identified": 1}
    assert len(collector.errors) == 1
