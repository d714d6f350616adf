"""What is measured per strategy: the gateable metrics, and each strategy's figures over its repeats."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from exifbench.analysis.statistics import Ratio, Spread, bootstrap_ratio, median
from exifbench.documents.runs import RunResult, RunSet
from exifbench.errors import ExifbenchError

def io_total(run: RunResult, name: str) -> float:
    """One of the storage daemon's totals for ``run`` (``opens``, ``reads``, ``bytes``); a user error when not counted."""
    if name not in run.io:
        raise ExifbenchError(f"{run.strategy}: no I/O counts in this result (they come from a run through the FUSE "
                             "mount: any --storage profile but local)")  # fmt: skip
    return float(run.io[name])


METRICS: dict[str, Callable[[RunResult], float]] = {
    "blocking": lambda run: run.blocking["total_s"],
    "background": lambda run: run.background_s,
    "p99": lambda run: run.blocking["p99_ms"],
    "not_ready": lambda run: float(run.not_ready),
    "bytes_read": lambda run: io_total(run, "bytes"),
    "read_requests": lambda run: io_total(run, "reads"),
}
"""Gateable per-run figures; ``bytes_read`` and ``read_requests`` are counted by the storage daemon (deterministic)."""
UNITS = {"blocking": "s", "background": "s", "p99": "ms", "not_ready": "calls", "bytes_read": "bytes",
         "read_requests": "requests"}  # fmt: skip
"""Each metric's unit, for :func:`exifbench.format.measured`."""


def unique_mismatches(runs: Iterable[RunResult]) -> list[dict[str, Any]]:
    """Every differing tag once, whichever repeats found it (first seen kept, in order)."""
    every = [m for run in runs for m in run.equality["mismatches"]]
    return list({(m["path"], m["tag"]): m for m in every}.values())


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
    lag_p99_ms: float = 0.0
    frames_missed: float = 0.0
    time_to_exif_p90_ms: float = 0.0
    charged: bool = True
    io: dict[str, float] | None = None
    """Median opens, read requests and bytes per run, as counted by the storage daemon (``None``: not mounted)."""


def charged(runs: list[RunResult]) -> bool:
    """Did the storage model charge every one of ``runs`` (false: in-process model, a loader without a reader)?"""
    return all(run.config.get("storage_charged", True) for run in runs)


def summarize(runs: RunSet, reference: str = "sync") -> list[StrategySummary]:
    """One :class:`StrategySummary` per strategy, in run order (a 2,000-round bootstrap each: compute once)."""
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
                lag_p99_ms=median([run.responsiveness.get("lag_p99_ms", 0.0) for run in mine]),
                frames_missed=median([run.responsiveness.get("frames_missed", 0) for run in mine]),
                time_to_exif_p90_ms=median([run.time_to_exif.get("p90_ms", 0.0) for run in mine]),
                charged=charged(mine),
                io={key: median([float(run.io[key]) for run in mine]) for key in ("opens", "reads", "bytes")}
                if all(run.io for run in mine) else None,
            )
        )
    return summaries


def median_run(runs: RunSet, strategy: str) -> RunResult:
    """The repeat of ``strategy`` with the median total blocking, preferring unprofiled repeats."""
    mine = runs.of(strategy)
    pool = [run for run in mine if "profile" not in run.extra] or mine
    ordered = sorted(pool, key=METRICS["blocking"])
    return ordered[(len(ordered) - 1) // 2]
