"""``exifbench sweep``: every configuration of a matrix replayed interleaved, into one sweep document.

The matrix is the product of its dimensions (``strategy × workers × extractor × storage ×
pattern``); ``sync`` is added on every storage (and pattern) as the reference blocking is
judged against. Each repeat replays every configuration once, in matrix order (A B C A B C…),
each through :func:`exifbench.harness.bench.run_bench` — the same run ``exifbench run`` makes —
in the one orchestration loop (:mod:`exifbench.harness.orchestrate`), with every storage's mount kept
for the whole sweep.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from exifbench.datasets import Dataset
from exifbench.datasets.storage.mount import StorageFailed
from exifbench.reports.documents.fingerprint import fingerprint, key
from exifbench.reports.documents.history import append
from exifbench.reports.documents.runs import RunResult, RunSet
from exifbench.reports.documents.sweep import Configuration, SweepResults, Thresholds
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.harness.bench import BenchConfig, ReplayHook, run_bench, storage_mount
from exifbench.harness.orchestrate import collect, interleave
from exifbench.strategies import ORIGINAL, accepts, resolve

DIMENSIONS = ("strategy", "workers", "extractor", "storage", "pattern")

SweepProgress = Callable[[str, int, int], None]
"""Called as ``hook(configuration, repeat, calls_done)``."""


@dataclass(frozen=True)
class Matrix:
    """The values of each dimension, in the order the user gave them."""

    strategies: list[str]
    workers: list[int | None]
    """``None``: each strategy's own default."""
    extractors: list[str]
    storages: list[str]
    patterns: list[str]

    @property
    def varied(self) -> list[str]:
        """The dimensions with more than one value (the strategy always names a configuration)."""
        sizes = [len(self.strategies), len(self.workers), len(self.extractors), len(self.storages), len(self.patterns)]
        return ["strategy", *(key for key, size in zip(DIMENSIONS, sizes, strict=True) if key != "strategy" and size > 1)]

    def configurations(self) -> list[Configuration]:
        """Every combination, then a ``sync`` reference on each storage and pattern that has none."""
        product = itertools.product(self.strategies, self.workers, self.extractors, self.storages, self.patterns)
        found = [Configuration(dict(zip(DIMENSIONS, values, strict=True))) for values in product]
        for storage, pattern in itertools.product(self.storages, self.patterns):
            if not any(one.strategy == ORIGINAL and one.storage == storage and one.settings["pattern"] == pattern for one in found):
                settings = {"strategy": ORIGINAL, "workers": None, "extractor": "pillow", "storage": storage, "pattern": pattern}
                found.append(Configuration(settings, reference=True))
        return found


@dataclass(frozen=True)
class LabelledHook:
    """``base.hook`` (e.g. the profiler) seeing each run under its configuration's label and the sweep's repeat,
    so ``threadpool ×4`` and ``threadpool ×64`` get files of their own and only repeat 0 is profiled."""

    hook: ReplayHook
    label: str
    repeat: int

    def around(self, strategy: str, repeat: int) -> AbstractContextManager[dict[str, Any]]:
        return self.hook.around(self.label, self.repeat)

    def measured(self, run: RunResult) -> None:
        self.hook.measured(replace(run, strategy=self.label, repeat=self.repeat))  # ``extra`` is shared: what the hook adds stays


def bench_config(base: BenchConfig, configuration: Configuration, dataset: Dataset) -> BenchConfig:
    """``base`` narrowed to one configuration: its strategy, workers, extractor, storage; one repeat."""
    settings = configuration.settings
    cls = resolve(configuration.strategy)
    return replace(
        base,
        strategies=[configuration.strategy],
        workers=settings["workers"],
        extractors=(str(settings["extractor"]),),
        storage=dataset.storage,
        storage_via=dataset.via,
        repeat=1,
        options={key: value for key, value in base.options.items() if accepts(cls, key)},
    )


def run_sweep(
    matrix: Matrix,
    base: BenchConfig,
    datasets: dict[str, Dataset],
    patterns: dict[str, Pattern],
    thresholds: Thresholds = Thresholds(),
    progress: SweepProgress | None = None,
    stop: threading.Event | None = None,
) -> SweepResults:
    """Replay every configuration ``base.repeat`` times, interleaved; on ``stop`` keep what was measured.

    ``datasets`` maps each storage of the matrix to its opened dataset, ``patterns`` each pattern name to
    its pattern. A configuration whose loader fails is not run again; the others go on.
    """
    configurations = matrix.configurations()
    sweep = SweepResults(configurations, matrix.varied, thresholds, base.repeat)
    first = next(iter(datasets.values()))
    sweep.context = {"dataset": first.label, "images": len(first.folder.files), "on_not_ready": base.on_not_ready,
                     "options": dict(base.options), "ui": base.ui}  # fmt: skip
    with ExitStack() as stack:
        mounts = {
            storage: stack.enter_context(storage_mount(replace(base, storage=dataset.storage, storage_via=dataset.via), dataset.folder))
            for storage, dataset in datasets.items()
        }

        def measure(configuration: Configuration, repeat: int) -> RunSet:
            dataset, label = datasets[configuration.storage], configuration.label(sweep.varied)

            def hook(strategy: str, _repeat: int, calls: int) -> None:
                if progress is not None:
                    progress(label, repeat, calls)

            config = bench_config(base, configuration, dataset)
            if base.hook is not None:
                config = replace(config, hook=LabelledHook(base.hook, label, repeat))
            pattern = patterns[str(configuration.settings["pattern"])]
            measured = run_bench(config, dataset.folder, pattern, hook, stop, dataset.label, mounts[configuration.storage])
            return RunSet([replace(run, repeat=repeat) for run in measured.runs], measured.complete,
                          [replace(failure, repeat=repeat) for failure in measured.failed])  # fmt: skip

        def keep(configuration: Configuration, measured: RunSet) -> None:
            configuration.runs.extend(measured.runs)
            configuration.failed = configuration.failed or next(iter(measured.failed), None)

        try:
            sweep.complete = collect(interleave(configurations, base.repeat, measure, stop), stop, keep).complete
        except StorageFailed:
            sweep.complete = False
            raise
    return sweep


def save_to_history(sweep: SweepResults, directory: Path) -> list[Path]:
    """Append the sweep's runs to the history at ``directory``: one run document per fingerprint — the runs one
    ``run --save`` with those settings would add (its strategies side by side) — and the files written."""
    by_fingerprint: dict[str, RunSet] = {}
    for one in sweep.configurations:
        for run in one.runs:
            by_fingerprint.setdefault(key(fingerprint(run)), RunSet()).runs.append(run)
    return [append(directory, runs) for runs in by_fingerprint.values()]
