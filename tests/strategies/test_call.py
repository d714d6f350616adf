"""``call:module:function``: an app's plain ``path -> dict`` function is a loader with the original's semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from exifbench.datasets.folder import scan
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.errors import ExifbenchError
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.strategies import create, resolve
from exifbench.strategies.extractors.pillow import pillow_exif
from tests import user_loaders

APP = "call:tests.user_loaders:app_exif"


def test_the_function_is_called_once_per_file_on_the_callers_thread_and_none_is_empty(corpus_copy: Path) -> None:
    good, bad = str(corpus_copy / "Canon_40D.jpg"), str(corpus_copy / "bad-image00971.jpg")
    user_loaders.CALLS.clear()
    with create(APP) as loader:
        loader.preload([good, bad])
        assert user_loaders.CALLS == []  # the original had no pre-loading
        assert loader.load_exif(good) == pillow_exif(good)  # not None: read now, even non-blocking
        assert loader.load_exif(good) is loader.load_exif(good)
        assert loader.load_exif(bad) == {}  # the function's None: no EXIF
    assert user_loaders.CALLS == [good, bad]
    assert resolve(APP) is resolve(APP) and resolve(APP).__name__ == APP


def test_a_call_loader_runs_and_equals_the_original(corpus_copy: Path) -> None:
    folder = scan(corpus_copy)
    runs = run_bench(BenchConfig(["sync", APP]), folder, startup_pattern(len(folder.files)))
    run = runs.of(APP)[0]
    assert run.equal and run.equality.checked == len(folder.files)
    assert run.not_ready == 0 and run.config.on_loader_error == "file"
    assert run.blocking.load_exif_ms > 0 and run.blocking.preload_ms < run.blocking.load_exif_ms


@pytest.mark.parametrize(("name", "message"), [
    ("call:tests.user_loaders", "name a function as call:module:function"),
    ("call:tests.user_loaders:nothing", "tests.user_loaders has no function 'nothing'"),
    ("call:tests.user_loaders:DictLoader", "has no function 'DictLoader'"),
    ("call:no_such_module_here:f", "cannot import 'no_such_module_here'"),
])  # fmt: skip
def test_a_bad_call_name_is_one_line(name: str, message: str) -> None:
    with pytest.raises(ExifbenchError, match=message):
        resolve(name)
