"""pytest plugin (``pytest11`` entry point): replay your loader in your own test suite, with every run option.

    def test_my_loader(exifbench_replay, benchmark):
        mine = exifbench_replay("mypkg.loaders:MyLoader", photos, storage="nfs", repeat=5, benchmark=benchmark)
        assert mine.equal and mine.blocking.total_s < 0.05

With ``benchmark`` (pytest-benchmark's fixture) each repeat is one round, and the round's time is the replay's
alone: the test's benchmark times with :func:`replay_clock`, which stands still while exifbench mounts the
storage, reads the reference dicts, builds and closes the loader and compares EXIF. exifbench's metrics
(blocking, frames, time-to-EXIF, I/O counts...) are added to the saved JSON as benchmarks of their own, with
stats over the repeats, so ``pytest-benchmark compare`` and github-action-benchmark track each one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from exifbench.datasets import open_dataset
from exifbench.datasets.patterns.builtin import load_pattern
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.datasets.storage.model import StorageChoice
from exifbench.errors import ExifbenchError
from exifbench.harness.bench import BenchConfig, run_bench, storage_mount
from exifbench.harness.orchestrate import merge
from exifbench.reports.analysis.metrics import median_run
from exifbench.reports.documents.equality import parse_equality
from exifbench.reports.documents.runs import RunResult, RunSet
from exifbench.reports.renderers import export  # a module: a pytest_* name imported here would be taken for a hook

ReplayRunner = Callable[..., RunResult]
TRACKED = pytest.StashKey[dict[str, RunSet]]()
"""Per session: each benchmarked test's run set, by the benchmark's full name, for the saved JSON."""


class _Clock:
    """``perf_counter`` less the time a benchmarked round spends outside its replays (paused there)."""

    def __init__(self) -> None:
        self._excluded = 0.0
        self._paused_at: float | None = None
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            now = time.perf_counter()
            return now - self._excluded - (now - self._paused_at if self._paused_at is not None else 0.0)

    def pause(self) -> None:
        with self._lock:
            if self._paused_at is None:
                self._paused_at = time.perf_counter()

    def resume(self) -> None:
        with self._lock:
            if self._paused_at is not None:
                self._excluded += time.perf_counter() - self._paused_at
                self._paused_at = None


_CLOCK = _Clock()


def replay_clock() -> float:
    """The timer of a test that uses both ``exifbench_replay`` and ``benchmark``: seconds that advance only inside
    replays while a round runs (and like ``perf_counter`` outside rounds)."""
    return _CLOCK.now()


class _ReplayOnly:
    """A replay hook that lets :func:`replay_clock` run during each replay only."""

    @contextmanager
    def around(self, strategy: str, repeat: int) -> Iterator[dict[str, Any]]:
        _CLOCK.resume()
        try:
            yield {}
        finally:
            _CLOCK.pause()

    def measured(self, run: RunResult) -> None:
        """Nothing to add to the run."""


def replay_runs(
    strategy: str,
    folder: str | Path,
    pattern: str | Pattern | None = None,
    io_latency_ms: float | None = None,
    workers: int | None = None,
    on_not_ready: str = "defaults",
    *,
    storage: str | None = None,
    repeat: int = 1,
    extractor: str = "pillow",
    ui: str = "probe",
    options: dict[str, Any] | None = None,
    equality: str = "pillow",
    normalize: str | None = None,
    benchmark: Any = None,
) -> RunSet:
    """Replay ``pattern`` (a name, a file, a :class:`Pattern`; default ``startup-593``) on ``folder`` ``repeat``
    times: every run (a strategy that failed is one :class:`ExifbenchError`).

    ``storage`` is a profile (``local``, ``nfs``, ``original``...; see ``exifbench storage profiles``) and
    ``io_latency_ms`` overrides its latency; charged through the FUSE mount where FUSE is available (so a loader
    that reads files itself pays it too), else in-process (``run.config.storage_charged`` says whether it did).
    ``extractor``, ``ui``, ``workers``, ``on_not_ready``, ``options`` (``cache_size``...), ``equality``
    (``pillow``, ``fields:Make,Model``, ``off``) and ``normalize`` (``module:function``) are ``run``'s options.
    ``benchmark``: pytest-benchmark's fixture, given at most once per test; each repeat is then one round, timed
    by the replay alone (see the module's docstring).
    """
    dataset = open_dataset(folder, StorageChoice(storage, io_latency_ms))
    config = BenchConfig([strategy], workers=workers, repeat=repeat, on_not_ready=on_not_ready, storage=dataset.storage,
                         storage_via=dataset.via, extractors=(extractor,), options=dict(options or {}), ui=ui,
                         equality=parse_equality(equality, normalize))  # fmt: skip
    replayed = pattern if isinstance(pattern, Pattern) else load_pattern(pattern)
    runs = run_bench(config, dataset.folder, replayed) if benchmark is None else _benchmarked(benchmark, config, dataset.folder, replayed)
    for failure in runs.failed:
        raise ExifbenchError(f"strategy {failure.strategy!r} failed: {failure.error}")
    if not runs.runs:
        raise ExifbenchError(f"strategy {strategy!r}: no run was measured")
    return runs


def replay_runner(*args: Any, **kwargs: Any) -> RunResult:
    """:func:`replay_runs` (same arguments), and of its runs the repeat with the median total blocking."""
    runs = replay_runs(*args, **kwargs)
    return median_run(runs, runs.runs[0].strategy)


def _benchmarked(benchmark: Any, config: BenchConfig, folder: Any, pattern: Pattern) -> RunSet:
    """Every repeat as one round of ``benchmark.pedantic`` through one mount; the run set kept for the saved JSON."""
    if getattr(benchmark, "_timer", replay_clock) is not replay_clock:
        raise ExifbenchError("exifbench_replay(benchmark=...): the benchmark does not time with exifbench's replay_clock "
                             "(the test must request both fixtures, exifbench_replay and benchmark)")  # fmt: skip
    runs = RunSet()
    one = replace(config, repeat=1, hook=_ReplayOnly())
    with storage_mount(config, folder) as mount:

        def round_() -> None:
            _CLOCK.pause()
            try:
                measured = run_bench(one, folder, pattern, mount=mount)
            finally:
                _CLOCK.resume()
            for index, run in enumerate(measured.runs):
                run.repeat = len(runs.runs) + index
            merge(runs, measured)

        benchmark.pedantic(round_, rounds=config.repeat, iterations=1)
    benchmark.extra_info["exifbench"] = {entry["name"]: entry["value"] for entry in export.github_action_benchmark(runs)}
    return runs


@pytest.fixture
def exifbench_replay(request: pytest.FixtureRequest) -> ReplayRunner:
    """A function ``(strategy, folder, pattern=None, io_latency_ms=None, ..., storage=, repeat=, extractor=, ui=,
    options=, equality=, normalize=, benchmark=) -> RunResult``."""

    def runner(*args: Any, **kwargs: Any) -> RunResult:
        runs = replay_runs(*args, **kwargs)
        benchmark = kwargs.get("benchmark")
        if benchmark is not None:
            request.config.stash.setdefault(TRACKED, {})[benchmark.fullname] = runs
        return median_run(runs, runs.runs[0].strategy)

    return runner


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that requests both ``exifbench_replay`` and ``benchmark`` times with :func:`replay_clock` (its other
    ``benchmark`` marker options are kept)."""
    for item in items:
        if {"exifbench_replay", "benchmark"} <= set(getattr(item, "fixturenames", ())):
            marker = item.get_closest_marker("benchmark")
            item.add_marker(pytest.mark.benchmark(**{**(marker.kwargs if marker else {}), "timer": replay_clock}), append=False)


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_json(config: pytest.Config, benchmarks: list[Any], output_json: dict[str, Any]) -> None:
    """Add each exifbench-benchmarked test's metrics to the saved JSON as benchmarks of their own, named
    ``TEST[STRATEGY: METRIC]`` with stats over the repeats (durations in seconds, counts as counted)."""
    tracked = config.stash.get(TRACKED, {})
    for bench in list(output_json.get("benchmarks", [])):
        runs = tracked.get(bench.get("fullname", ""))
        if runs is not None:
            output_json["benchmarks"].extend(export.pytest_benchmark_entries(runs, bench.get("group") or bench["name"], bench["name"], bench["fullname"]))
