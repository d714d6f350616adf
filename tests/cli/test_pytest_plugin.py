"""The pytest11 plugin: a user's suite gets ``exifbench_replay`` without any import or conftest."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    assert pool.blocking["total_s"] < sync.blocking["total_s"]


def test_my_loader_is_caught(exifbench_replay):
    mine = exifbench_replay("user_loaders:UpperMake", PHOTOS, PATTERN)
    assert not mine.equal
    assert {{m["tag"] for m in mine.equality["mismatches"]}} == {{"Make"}}
'''


def test_a_users_suite_gets_the_replay_fixture(pytester: pytest.Pytester, corpus_copy: Path) -> None:
    pytester.makepyfile(user_loaders=USER_LOADERS, test_user=USER_TESTS.format(photos=str(corpus_copy)))

    result = pytester.runpytest("-p", "no:cacheprovider")

    result.assert_outcomes(passed=2)


def test_the_fixture_is_listed_with_its_docstring(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")

    result = pytester.runpytest("--fixtures")

    result.stdout.fnmatch_lines(["exifbench_replay*", "*(strategy, folder, pattern=None, io_latency_ms=0, ...)*"])
