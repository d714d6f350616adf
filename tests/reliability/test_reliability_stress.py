"""Many threads on one loader at once: each file is read from storage once, every result equals the baseline.

Reads are counted through the storage layer (``StorageModel(read_log=...)``), which works
across processes. ``sync`` is the original, single-threaded design: under concurrency it
reads a file once per racing caller; that is recorded as a finding, not fixed.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from exifbench.datasets.storage.model import StorageModel
from exifbench.strategies.extractors import ExifReader
from exifbench.harness.equality import compare
from exifbench.strategies import BUILTIN
from tests.helpers import patient

THREADS = 16
FILES = 8


def hammer(name: str, paths: list[str], log: Path, latency_ms: float) -> list[dict[str, dict[str, Any]]]:
    """``THREADS`` callers start together on the same file, then mix preload / poll / blocking calls on all files."""
    reader = ExifReader(storage=StorageModel(latency_ms, read_log=str(log)))
    start = threading.Barrier(THREADS)
    seen: list[dict[str, dict[str, Any]]] = [{} for _ in range(THREADS)]
    failures: list[BaseException] = []

    with patient(name, reader, workers=4) as loader:

        def caller(i: int) -> None:
            try:
                order = [paths[0], *paths[i % len(paths) :], *paths[: i % len(paths)]]
                start.wait(timeout=30)
                for j, path in enumerate(order):
                    kind = (i + j) % 3
                    if kind == 0:
                        loader.preload([path])
                    elif kind == 1:
                        loader.load_exif(path)
                    else:
                        seen[i][path] = loader.load_exif(path, blocking=True)
                for path in paths:
                    seen[i][path] = loader.load_exif(path, blocking=True)
            except Exception as exc:  # surfaced below: a failure in a caller thread must fail the test
                failures.append(exc)

        threads = [threading.Thread(target=caller, args=(i,), name=f"caller-{i}") for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "a caller hung"
    assert not failures, failures
    return seen


def reads_per_path(log: Path) -> Counter[str]:
    return Counter(line.split("\t", 1)[1] for line in log.read_text().splitlines())


@pytest.fixture
def paths(corpus_copy: Path) -> list[str]:
    """Eight real files, one of them unreadable (``{}`` + error), so failures are shared too."""
    good = sorted(str(p) for p in corpus_copy.glob("[A-Z]*.jpg"))[: FILES - 1]
    return [*good, str(corpus_copy / "bad-image00971.jpg")]


@pytest.mark.parametrize("name", [name for name in BUILTIN if name != "sync"])
def test_every_file_is_read_once_and_equals_the_baseline(name: str, paths: list[str], tmp_path: Path) -> None:
    log = tmp_path / "reads.log"
    seen = hammer(name, paths, log, latency_ms=5)
    expected = {path: ExifReader()(path).exif for path in paths}
    assert reads_per_path(log) == {path: 1 for path in paths}
    for results in seen:
        report = compare(expected, results)
        assert report.ok and report.checked == FILES, report.mismatches[:3]


def test_sync_rereads_under_concurrency_but_still_agrees(paths: list[str], tmp_path: Path) -> None:
    """Finding: the original loader's check-then-read is not atomic; racing callers each read the file."""
    log = tmp_path / "reads.log"
    seen = hammer("sync", paths, log, latency_ms=30)
    expected = {path: ExifReader()(path).exif for path in paths}
    reads = reads_per_path(log)
    assert set(reads) == set(paths)
    assert reads[paths[0]] > 1, "16 callers started together on the same uncached file"
    for results in seen:
        assert compare(expected, results).ok
