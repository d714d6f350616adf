"""Aggregating runs across repeats: medians, spread, and ratios to ``sync`` with a bootstrap CI."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from exifbench.harness.result import RunResult, RunSet
from exifbench.harness.timing import median, percentile

METRICS: dict[str, Callable[[RunResult], float]] = {
    "blocking": lambda run: run.blocking["total_s"],
    "background": lambda run: run.background_s,
    "p99": lambda run: run.blocking["p99_ms"],
    "not_ready": lambda run: float(run.not_ready),
}


@dataclass(frozen=True)
class Spread:
    """Median and range of one metric over repeats."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(median(values), min(values, default=0.0), max(values, default=0.0))


@dataclass(frozen=True)
class Ratio:
    """``candidate / reference`` of medians, with a 95% bootstrap interval over repeats."""

    value: float
    low: float
    high: float


def bootstrap_ratio(candidate: Sequence[float], reference: Sequence[float], rounds: int = 2000, seed: int = 0) -> Ratio:
    """Ratio of medians; the interval resamples each side's repeats with replacement."""
    ref = median(reference)
    value = median(candidate) / ref if ref else float("inf")
    if len(candidate) < 2 or len(reference) < 2:
        return Ratio(value, value, value)
    rng = random.Random(seed)
    samples = []
    for _ in range(rounds):
        ref_sample = median(rng.choices(reference, k=len(reference)))
        cand_sample = median(rng.choices(candidate, k=len(candidate)))
        samples.append(cand_sample / ref_sample if ref_sample else float("inf"))
    return Ratio(value, percentile(samples, 2.5), percentile(samples, 97.5))


@dataclass(frozen=True)
class StrategySummary:
    """One strategy's figures over all its repeats."""

    strategy: str
    repeats: int
    calls: int
    blocking_s: Spread
    p50_ms: float
    p99_ms: float
    max_ms: float
    not_ready: Spread
    background_s: Spread
    equal: bool
    checked: int
    mismatches: int
    errors: int
    complete: bool
    ratio_to_sync: Ratio | None


def summarize(runs: RunSet, reference: str = "sync") -> list[StrategySummary]:
    """One :class:`StrategySummary` per strategy, in run order."""
    ref_values = [METRICS["blocking"](run) for run in runs.of(reference)]
    summaries = []
    for name in runs.strategies:
        mine = runs.of(name)
        blocking = [METRICS["blocking"](run) for run in mine]
        summaries.append(
            StrategySummary(
                strategy=name,
                repeats=len(mine),
                calls=max(run.calls for run in mine),
                blocking_s=Spread.of(blocking),
                p50_ms=median([run.blocking["p50_ms"] for run in mine]),
                p99_ms=median([run.blocking["p99_ms"] for run in mine]),
                max_ms=max(run.blocking["max_ms"] for run in mine),
                not_ready=Spread.of([float(run.not_ready) for run in mine]),
                background_s=Spread.of([run.background_s for run in mine]),
                equal=all(run.equal for run in mine),
                checked=max(run.equality["checked"] for run in mine),
                mismatches=sum(len(run.equality["mismatches"]) for run in mine),
                errors=len({e["path"] for run in mine for e in run.errors}),
                complete=all(run.complete for run in mine),
                ratio_to_sync=bootstrap_ratio(blocking, ref_values) if ref_values and name != reference else None,
            )
        )
    return summaries
