"""``dask`` on a real LocalCluster of worker processes: equal dicts on the real corpus, batching, nothing left running."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors import ExifReader
from exifbench.harness.equality import compare
from exifbench.harness.leaks import Watch, child_processes
from exifbench.strategies import create
from exifbench.strategies import dask as dask_strategy
from exifbench.strategies.dask import SCHEDULER_VARIABLE, DaskLoader, TrustedSchedulerWarning


def wait_until(condition: Callable[[], bool], within_s: float = 30.0) -> bool:
    """Poll ``condition`` until it holds or ``within_s`` passed (a bound on a hang, not a speed limit)."""
    deadline = time.monotonic() + within_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


@pytest.fixture(scope="module")
def photos(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every image of the corpus (JPEG, TIFF, HEIC; broken files included), copied flat."""
    dst = tmp_path_factory.mktemp("dask-photos")
    files = sorted(src for src in corpus_dir.rglob("*.*") if src.is_file() and src.name != "README")
    assert {src.suffix.lower() for src in files} >= {".jpg", ".tiff", ".heic"}, f"expected JPEG, TIFF and HEIC under {corpus_dir}"
    for i, src in enumerate(files):
        shutil.copyfile(src, dst / f"{i:03}-{src.name}")
    return sorted(str(path) for path in dst.iterdir())


@pytest.fixture(scope="module")
def cluster_loader() -> Iterator[DaskLoader]:
    """One LocalCluster (2 processes, 1 thread each) shared by the tests that do not close it themselves."""
    loader = DaskLoader(ExifReader(), workers=2, batch_size=4)
    yield loader
    loader.close()


def test_dicts_equal_the_originals_on_the_real_corpus(cluster_loader: DaskLoader, photos: list[str]) -> None:
    expected = {path: ExifReader()(path).exif for path in photos}
    cluster_loader.preload(photos)
    assert cluster_loader.wait_idle(timeout=60)
    results = {path: cluster_loader.load_exif(path) for path in photos}  # every one ready, none read here
    report = compare(expected, results)
    assert report.checked == len(photos) and report.equal == len(photos), report.mismatches[:3]
    assert sum(1 for exif in expected.values() if exif) > len(photos) / 2  # the comparison saw real EXIF, not empty dicts


def test_preload_batches_files_per_task(cluster_loader: DaskLoader, tmp_path: Path, corpus_dir: Path) -> None:
    paths = []
    for i, src in enumerate(sorted((corpus_dir / "jpg").glob("*.jpg"))[:10]):
        paths.append(str(shutil.copyfile(src, tmp_path / f"{i}.jpg")))
    before = cluster_loader.figures()["dask"]
    cluster_loader.preload(paths)
    assert cluster_loader.wait_idle(timeout=60)
    one_more = str(shutil.copyfile(paths[0], tmp_path / "single.jpg"))
    assert cluster_loader.load_exif(one_more) is None  # not pre-loaded: a task of its own
    assert cluster_loader.wait_idle(timeout=60)
    after = cluster_loader.figures()["dask"]
    assert after["tasks"] - before["tasks"] == 3 + 1  # 10 files in tasks of 4, 4, 2; then the single one
    assert after["files"] - before["files"] == 11
    assert after["workers"] == 2 and after["round_trip_ms"] > 0
    assert after["overhead_per_file_ms"] < after["round_trip_ms"]  # batching spreads a task's cost over its files


def test_close_leaves_no_cluster_process_behind(photos: list[str]) -> None:
    before = {child.pid for child in child_processes()}  # the module's shared cluster, if it is running
    with Watch() as watch:
        loader = create("dask", ExifReader(), workers=2)
        assert len({child.pid for child in child_processes()} - before) >= 2  # its worker processes, while open
        loader.preload(photos)  # left in flight: close cancels what is queued
        loader.close()
    assert watch.usage.leaked_children == []
    assert {child.pid for child in child_processes()} <= before


def test_a_close_that_never_finishes_is_abandoned_and_the_cluster_killed(photos: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    before = {child.pid for child in child_processes()}
    loader = create("dask", ExifReader(), workers=2)
    assert isinstance(loader, DaskLoader)
    local = loader._cluster._local
    assert local is not None

    def hangs(timeout: float | None = None) -> None:
        raise TimeoutError(f"closing took more than {timeout} s")  # what distributed raises at the bound

    monkeypatch.setattr(local, "close", hangs)
    with pytest.warns(dask_strategy.DaskCloseWarning, match="did not close within"):
        loader.close()
    assert wait_until(lambda: {child.pid for child in child_processes()} <= before)
    monkeypatch.undo()
    local.close()  # its loop thread


def test_an_unreachable_scheduler_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCHEDULER_VARIABLE, "tcp://127.0.0.1:9")
    monkeypatch.setattr(dask_strategy, "CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(ExifbenchError, match=r"dask: cannot start or reach tcp://127\.0\.0\.1:9"):
        DaskLoader(ExifReader())


def test_a_running_cluster_named_by_scheduler_is_used_and_left_running(cluster_loader: DaskLoader, photos: list[str]) -> None:
    address = cluster_loader._cluster.client.scheduler.address
    with pytest.warns(TrustedSchedulerWarning, match="can run code in this process"):
        remote = DaskLoader(ExifReader(), scheduler=address)
    with remote:
        remote.preload(photos[:6])
        assert remote.wait_idle(timeout=60)
        assert remote.figures()["dask"]["scheduler"] == address and remote.figures()["dask"]["tasks"] == 1
        assert [remote.load_exif(path) for path in photos[:6]] == [ExifReader()(path).exif for path in photos[:6]]
    assert cluster_loader._cluster.client.submit(len, "abc").result(timeout=30) == 3  # the cluster still serves


def test_cli_run_dask_reports_its_overhead_per_file(corpus_copy: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from exifbench.cli import app
    from exifbench.reports.documents.runs import RunSet

    out = tmp_path / "dask.json"
    result = CliRunner().invoke(app, ["run", "-s", "threadpool,dask", "--workers", "2", str(corpus_copy), "--json", str(out)])
    assert result.exit_code == 0, result.output
    runs = RunSet.load(out)
    assert [run.strategy for run in runs.runs] == ["threadpool", "dask"] and all(run.equal for run in runs.runs)
    figures = runs.of("dask")[0].extra["dask"]
    assert figures["files"] == runs.of("dask")[0].images and figures["overhead_per_file_ms"] > 0


def test_cli_run_dask_with_an_unreachable_scheduler_is_one_line(corpus_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from exifbench.cli import app

    monkeypatch.setattr(dask_strategy, "CONNECT_TIMEOUT_S", 1.0)
    result = CliRunner().invoke(app, ["run", "-s", "dask", "--no-reference", str(corpus_copy), "--scheduler", "tcp://127.0.0.1:9"])
    assert "failed: strategy 'dask' (repeat 0): dask: cannot start or reach tcp://127.0.0.1:9" in " ".join(result.output.split())


def test_without_distributed_dask_is_one_line_naming_the_extra(corpus_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from exifbench.cli import app

    monkeypatch.setitem(sys.modules, "distributed", None)  # not importable, as without the dask extra
    result = CliRunner().invoke(app, ["run", "-s", "sync,dask", str(corpus_copy)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["error: strategy 'dask' needs distributed, which is not installed: pip install 'exifbench[dask]'"], result.output


def test_a_scheduler_off_loopback_is_refused_unless_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scheduler's preloads and pickled results run code in the client: one elsewhere was used as given."""
    monkeypatch.setattr(dask_strategy, "CONNECT_TIMEOUT_S", 1.0)
    for address in ("tcp://192.0.2.1:8786", "tls://192.0.2.1:8786", "192.0.2.1:8786"):
        with pytest.raises(ExifbenchError, match="not on this machine's loopback.*--trust-scheduler"):
            DaskLoader(ExifReader(), scheduler=address)
    monkeypatch.setenv(SCHEDULER_VARIABLE, "tcp://192.0.2.1:8786")
    with pytest.raises(ExifbenchError, match="not on this machine's loopback"):
        DaskLoader(ExifReader())
    with pytest.warns(TrustedSchedulerWarning), pytest.raises(ExifbenchError, match="cannot start or reach tcp://192.0.2.1"):
        DaskLoader(ExifReader(), trust_scheduler=True)  # trusted: connected to (and unreachable here)


def test_cli_refuses_a_scheduler_off_loopback_without_trust_scheduler(corpus_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from exifbench.cli import app

    monkeypatch.setattr(dask_strategy, "CONNECT_TIMEOUT_S", 1.0)
    refused = CliRunner().invoke(app, ["run", "-s", "dask", str(corpus_copy), "--scheduler", "tcp://192.0.2.1:8786"])
    assert refused.exit_code == 1 and "not on this machine's loopback" in " ".join(refused.output.split())
    trusted = CliRunner().invoke(app, ["run", "-s", "dask", str(corpus_copy), "--scheduler", "tcp://192.0.2.1:8786",
                                       "--trust-scheduler"])  # fmt: skip
    assert "cannot start or reach tcp://192.0.2.1:8786" in " ".join(trusted.output.split())
