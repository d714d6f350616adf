"""Configuration checks itself: from Python or the CLI, a bad value is one ExifbenchError naming it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exifbench.cli import app
from exifbench.datasets.folder import scan
from exifbench.datasets.storage.model import StorageModel
from exifbench.errors import ExifbenchError
from exifbench.datasets.patterns.pattern import startup_pattern
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.strategies import create, resolve
from exifbench.strategies.lazy import LazyLoader

runner = CliRunner()


@pytest.mark.parametrize(
    ("config", "named"),
    [
        (dict(strategies=["sync"], extractors=("pilow",)), "'pilow'"),
        (dict(strategies=["sync", "turbo"]), "'turbo'"),
        (dict(strategies=[]), "no strategy"),
        (dict(strategies=["sync"], extractors=()), "no extractor"),
        (dict(strategies=["sync"], on_not_ready="panic"), "'panic'"),
        (dict(strategies=["sync"], workers=0), "workers"),
        (dict(strategies=["threadpool"], options={"cache_size": 5}), "'cache_size'"),
        (dict(strategies=["sync", "process"], options={"cache_enabled": False}), "'cache_enabled'"),
    ],
)
def test_a_bad_config_is_one_error_naming_the_value(config: dict, named: str) -> None:
    with pytest.raises(ExifbenchError, match=named):
        BenchConfig(**config)


def test_run_bench_refuses_a_misspelt_extractor_instead_of_reporting_every_file(corpus_copy: Path) -> None:
    with pytest.raises(ExifbenchError, match="unknown extractor 'pilow'"):
        run_bench(BenchConfig(["sync"], extractors=("pilow",)), scan(corpus_copy), startup_pattern(8))


def test_an_option_goes_only_to_the_strategies_that_take_it() -> None:
    config = BenchConfig(["threadpool", "lazy"], workers=3, options={"cache_size": 7, "cache_enabled": False})
    storage = {"storage": config.storage}  # offered to all: a strategy may size itself to it
    assert config.loader_options("threadpool") == {**storage, "workers": 3}
    assert config.loader_options("lazy") == {**storage, "workers": 3, "cache_size": 7, "cache_enabled": False}


def test_workers_not_given_leave_each_strategy_its_own_default() -> None:
    hdd = StorageModel(12.7, per="seek", concurrency=1)
    config = BenchConfig(["threadpool", "viewport"], storage=hdd)
    assert "workers" not in config.loader_options("threadpool")
    with create("threadpool", **config.loader_options("threadpool")) as plan, create("viewport", **config.loader_options("viewport")) as sized:
        assert (plan.workers, sized.workers) == (4, 1)  # type: ignore[attr-defined]


def test_create_refuses_an_option_the_class_does_not_take_and_offers_reader_and_workers() -> None:
    with pytest.raises(ExifbenchError, match="'threadpool' does not take option 'cache_size'"):
        create("threadpool", cache_size=3)
    with create("sync", workers=2) as sync, create("lazy", workers=1, cache_size=3) as lazy:
        assert isinstance(lazy, LazyLoader) and lazy.cache.size == 3 and sync.load_exif("/none") == {}


def test_a_user_module_is_importable_for_the_import_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "beside_me.py").write_text("from exifbench.strategies.sync import SyncLoader as Loader\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", os.getcwd())])
    before = list(sys.path)
    try:
        assert resolve("beside_me:Loader").__name__ == "SyncLoader"
        assert sys.path == before
    finally:
        sys.modules.pop("beside_me", None)


def test_cli_names_an_option_no_chosen_strategy_takes(corpus_copy: Path) -> None:
    result = runner.invoke(app, ["run", "-s", "sync,threadpool", "--lru-size", "5", str(corpus_copy)])
    assert result.exit_code == 2 and "--cache-size is taken by none of the strategies sync, threadpool" in result.output, result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_cli_reaches_the_lazy_cache_options(corpus_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["run", "-s", "threadpool,lazy", "--cache-size", "4", "--no-cache", str(corpus_copy), "--json", str(out)])
    assert result.exit_code == 0, result.output
    runs = {run["strategy"]: run for run in json.loads(out.read_text())["runs"]}
    assert runs["lazy"]["config"]["options"] == {"cache_size": 4, "cache_enabled": False}
    assert all(run["equality"]["equal"] == run["equality"]["checked"] > 0 for run in runs.values())
    assert runs["lazy"]["not_ready"] == runs["lazy"]["calls"]  # nothing kept: never ready without blocking
    assert runs["threadpool"]["not_ready"] < runs["threadpool"]["calls"]
