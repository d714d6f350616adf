"""Each reader's error log is its own: two runs in one process, even at once on two threads, never see each other's errors."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.pattern import Call, Pattern
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.strategies.extractors import ExifReader
from exifbench.strategies.extractors.error_log import ErrorCollector
from exifbench.strategies.threadpool import ThreadPoolLoader
from tests.helpers import PATIENT_S

GENEROUS_S = 60.0  # upper bounds against hangs only


def test_two_logs_open_at_once_on_two_threads_get_only_their_own_errors(tmp_path: Path) -> None:
    bad = {side: tmp_path / f"{side}.jpg" for side in "ab"}
    for path in bad.values():
        path.write_bytes(b"not a jpeg")
    logs = {side: ErrorCollector() for side in "ab"}
    both_open, both_read = threading.Barrier(2, timeout=GENEROUS_S), threading.Barrier(2, timeout=GENEROUS_S)
    results: dict[str, Any] = {}

    def side(name: str) -> None:
        with ThreadPoolLoader(ExifReader(log=logs[name]), workers=1, timeout_s=PATIENT_S) as loader:
            both_open.wait()
            results[name] = loader.load_exif(str(bad[name]), blocking=True)
            both_read.wait()  # neither log is closed before the other side's error is reported

    threads = [threading.Thread(target=side, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(GENEROUS_S)
    assert results == {"a": {}, "b": {}}
    for name in "ab":
        assert [error["path"] for error in logs[name].errors] == [str(bad[name])], name


def test_a_run_keeps_only_the_errors_its_own_reader_reported(corpus_dir: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copyfile(sorted((corpus_dir / "jpg").glob("*.jpg"))[0], photos / "good.jpg")
    (photos / "junk.jpg").write_bytes(b"not a jpeg")
    elsewhere = tmp_path / "elsewhere.jpg"
    elsewhere.write_bytes(b"not a jpeg either")
    outside = ErrorCollector()

    def meanwhile(strategy: str, repeat: int, calls: int) -> None:  # another reader's failure during the run
        ExifReader(log=outside).load(str(elsewhere))

    runs = run_bench(BenchConfig(["sync"], tick_ms=1.0), scan(photos), Pattern("both", [Call(0), Call(1)]), meanwhile)
    (run,) = runs.runs
    assert [error.path for error in run.errors] == [str(photos / "junk.jpg")]
    assert [error["path"] for error in outside.errors] == [str(elsewhere)]
