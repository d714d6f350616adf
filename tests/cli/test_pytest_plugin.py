"""The pytest11 plugin: a user's suite gets ``exifbench_replay`` without any import or conftest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark_formats import action_pytest_results

pytest_plugins = ["pytester"]

USER_LOADERS = '''
from exifbench.strategies.sync import SyncLoader


class UpperMake(SyncLoader):
    """A user's loader with a bug: it upper-cases the camera make."""

    def load_exif(self, path, blocking=False):
        exif = super().load_exif(path, blocking)
        return {**exif, "Make": exif["Make"].upper()} if "Make" in exif else exif
'''

USER_TESTS = '''
from exifbench.datasets.patterns.pattern import startup_pattern

PHOTOS = {photos!r}
PATTERN = startup_pattern(images=24)


def test_threadpool_blocks_less_than_sync(exifbench_replay):
    sync = exifbench_replay("sync", PHOTOS, PATTERN, io_latency_ms=10)
    pool = exifbench_replay("threadpool", PHOTOS, PATTERN, io_latency_ms=10)
    assert sync.equal and pool.equal
    assert sync.calls == pool.calls == 26
    assert pool.blocking.total_s < sync.blocking.total_s


def test_my_loader_is_caught(exifbench_replay):
    mine = exifbench_replay("upper_make_loader:UpperMake", PHOTOS, PATTERN)
    assert not mine.equal
    assert {{m.tag for m in mine.equality.mismatches}} == {{"Make"}}
'''


def test_a_users_suite_gets_the_replay_fixture(pytester: pytest.Pytester, corpus_copy: Path) -> None:
    pytester.makepyfile(upper_make_loader=USER_LOADERS, test_user=USER_TESTS.format(photos=str(corpus_copy)))

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=2)


def test_the_fixture_is_listed_with_its_docstring(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")

    result = pytester.runpytest("--fixtures")

    result.stdout.fnmatch_lines(["exifbench_replay*", "*(strategy, folder, pattern=None, io_latency_ms=None, ..., storage=, repeat=*"])


TIMED_LOADERS = '''
import time

from exifbench.pytest_plugin import replay_clock
from exifbench.strategies.sync import SyncLoader

CLOCK_DURING = {"init": [], "close": [], "load": []}


class SlowToOpenAndClose(SyncLoader):
    """Takes 0.2 s to build and to close, 1 ms per call: only the calls are the replay."""

    def __init__(self, reader):
        before = replay_clock()
        time.sleep(0.2)
        CLOCK_DURING["init"].append(replay_clock() - before)
        super().__init__(reader)

    def load_exif(self, path, blocking=False):
        before = replay_clock()
        time.sleep(0.001)
        try:
            return super().load_exif(path, blocking)
        finally:
            CLOCK_DURING["load"].append(replay_clock() - before)

    def close(self):
        before = replay_clock()
        time.sleep(0.2)
        CLOCK_DURING["close"].append(replay_clock() - before)
        super().close()
'''

APP_SHAPES = '''
from exifbench.strategies.sync import SyncLoader


class Shaped(SyncLoader):
    """An app's own dict shape: ("Make", value) pairs under its own keys, and the normalize that maps them back."""

    def load_exif(self, path, blocking=False):
        return {f"app.{key}": (key, value) for key, value in super().load_exif(path, blocking).items()}

    def normalize(self, path, exif):
        return dict(exif.values())
'''

BENCHMARKED = '''
from exifbench.datasets.patterns.pattern import startup_pattern
from timed_loaders import CLOCK_DURING

PHOTOS = {photos!r}


def test_mine(exifbench_replay, benchmark):
    mine = exifbench_replay("timed_loaders:SlowToOpenAndClose", PHOTOS, startup_pattern(images=6, page=3), storage="nfs",
                            repeat=3, extractor="fastpath", ui="asyncio", benchmark=benchmark)
    assert mine.equal and mine.calls == 8 and mine.config.extractor == "fastpath" and mine.config.ui == "asyncio"
    assert mine.io.total("reads") > 0  # read through the mount, as the nfs profile charges it
    assert CLOCK_DURING["init"] == [0.0] * 3 and CLOCK_DURING["close"] == [0.0] * 3
    assert len(CLOCK_DURING["load"]) >= 24 and min(CLOCK_DURING["load"]) > 0  # the calls and the final drain: all timed


def test_equality_by_fields(exifbench_replay):
    shaped = exifbench_replay("app_shapes:Shaped", PHOTOS, startup_pattern(images=6, page=3), equality="fields:Make,Model")
    assert shaped.equal and shaped.config.equality is not None and shaped.config.equality.fields == ("Make", "Model")


def test_plain_benchmark_is_untouched(benchmark):
    benchmark(sum, range(10))
'''


def test_benchmark_times_only_the_replay_and_tracks_each_metric(pytester: pytest.Pytester, corpus_copy: Path) -> None:
    pytester.makepyfile(timed_loaders=TIMED_LOADERS, app_shapes=APP_SHAPES, test_user_benchmark=BENCHMARKED.format(photos=str(corpus_copy)))
    saved = pytester.path / "bench.json"

    result = pytester.runpytest("-p", "no:cacheprovider", f"--benchmark-json={saved}")

    result.assert_outcomes(passed=3)
    benches = {bench["name"]: bench for bench in json.loads(saved.read_text())["benchmarks"]}
    timed = benches["test_mine"]
    assert timed["options"]["timer"] == "replay_clock" and timed["stats"]["rounds"] == 3
    assert all(0 < duration for duration in timed["stats"]["data"])
    assert benches["test_plain_benchmark_is_untouched"]["options"]["timer"] != "replay_clock"
    for metric in ("blocking", "frames", "time_to_exif", "read_requests", "bytes_read"):
        tracked = benches[f"test_mine[SlowToOpenAndClose: {metric}]".replace("SlowToOpenAndClose", "timed_loaders:SlowToOpenAndClose")]
        assert tracked["stats"]["rounds"] == 3 and tracked["fullname"].startswith(timed["fullname"] + "::")
    compared = subprocess.run([str(Path(sys.executable).parent / "pytest-benchmark"), "compare", str(saved)],
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert compared.returncode == 0 and "Failed to load" not in compared.stdout + compared.stderr
    assert "timed_loaders:SlowToOpenAndClose: read_requests" in compared.stdout
    charted = {entry["name"] for entry in action_pytest_results(json.loads(saved.read_text()))}  # github-action-benchmark, tool: pytest
    assert {bench["fullname"] for bench in benches.values()} == charted
