"""What is measured per strategy: the gated metrics, and each strategy's figures over its repeats.

Every gated metric is read the same way from a run, and higher is worse for all of them.
``min_effect`` is the default minimum absolute difference of medians for a change to
count as a regression at all, in the metric's unit: below it a change is noise, however
significant (0.39 → 0.70 ms of total blocking over 593 calls is nobody's regression). The
defaults sit above what unchanged code moved between runs on a busy shared 2-core machine
(README, "CI regression gate"). A
metric a run did not measure (memory outside ``decide``, time-to-EXIF in documents older
than it) reads as ``None`` and is skipped, never taken as zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from exifbench.reports.format import duration
from exifbench.reports.statistics import Ratio, Spread, bootstrap_ratio, median
from exifbench.reports.documents.equality import EqualitySpec, equality_of
from exifbench.datasets.storage.io import FIELDS as IO_COUNTS
from exifbench.reports.documents.runs import Mismatch, RunResult, RunSet, pool_workers
from exifbench.datasets.patterns.pattern import FRAME_MS

NO_IO = "no I/O counts in this result (they come from a run through the FUSE mount: any --storage profile but local)"


@dataclass(frozen=True)
class Metric:
    """One gated metric: how to read it from a run, in which unit, and its default minimum effect."""

    name: str
    unit: str
    meaning: str
    min_effect: float
    read: Callable[[RunResult], float | None]
    unmeasured: str = "not measured"
    """Why a run may lack it, for the error when no run has it."""


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _own(run: RunResult) -> float | None:
    """``blocking.total_s`` less ``blocking.queued_ms``: the blocking a loaded machine did not add."""
    queued = run.blocking.queued_ms
    return None if queued is None else max(0.0, run.blocking.total_s - queued / 1000)


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("blocking", "s", "total main-thread blocking", 0.010, lambda run: run.blocking.total_s),
        Metric("blocking_own", "s", "main-thread blocking less its run-queue wait (another process on the CPU)", 0.010,
               lambda run: _own(run), "not measured (the kernel gave no run-queue wait: /proc/self/task/TID/schedstat)"),
        Metric("p99", "ms", "p99 blocking per call", 1.0, lambda run: run.blocking.p99_ms),
        Metric("not_ready", "calls", "calls answered not ready", 20, lambda run: float(run.not_ready)),
        Metric("time_to_exif", "ms", "time-to-EXIF p90", 50.0, lambda run: run.time_to_exif.p90_ms),
        Metric("frames", "frames", "60 Hz frames missed", 5, lambda run: run.responsiveness.frames_missed),
        Metric("lag", "ms", "UI tick lag p99", 2 * FRAME_MS, lambda run: run.responsiveness.lag_p99_ms),
        Metric("background", "s", "background completion", 0.200, lambda run: run.background_s),
        Metric("memory", "MB", "peak RSS growth", 20.0,
               lambda run: run.extra.resources.rss_growth_mb if run.extra.resources else None,
               "not measured (peak RSS is watched by decide's runs)"),
        Metric("bytes_read", "bytes", "bytes read from storage", 4096, lambda run: float(run.io.total("bytes")) if run.io else None, NO_IO),
        Metric("read_requests", "requests", "read requests to storage", 1, lambda run: float(run.io.total("reads")) if run.io else None,
               NO_IO),
    )  # fmt: skip
}


@dataclass(frozen=True)
class ExactMetric:
    """A count of ``gate --base``'s exact tier: the same on every runner for the same code."""

    name: str
    unit: str
    meaning: str


EXACT: dict[str, ExactMetric] = {
    metric.name: metric
    for metric in (
        ExactMetric("cpu_first_read", "instructions", "CPU instructions per first read (every thread)"),
        ExactMetric("cpu_cached_call", "instructions", "CPU instructions per cached call"),
        ExactMetric("cpu_main_replay", "instructions", "main-thread CPU instructions per replay"),
        ExactMetric("io_opens", "opens", "file opens per replay, as the FUSE mount counted them"),
        ExactMetric("io_requests", "requests", "read requests per replay, as the mount counted them"),
        ExactMetric("io_bytes", "bytes", "bytes read per replay, as the mount counted them"),
    )
}
IO_FIELDS = {"io_opens": "opens", "io_requests": "reads", "io_bytes": "bytes"}
"""Each exact I/O metric's field in a run's ``io`` block."""
UNITS = {**{name: metric.unit for name, metric in METRICS.items()}, **{name: metric.unit for name, metric in EXACT.items()}}
"""Each metric's unit, for :func:`exifbench.reports.format.measured`."""
GATED = tuple(name for name in METRICS if name != "p99")
"""What ``gate`` and ``history`` judge by default: every metric but p99 (on request); a metric a run did not
measure (I/O counts without the FUSE mount, memory outside ``decide``) is skipped."""


def values(runs: list[RunResult], metric: str) -> list[float]:
    """``metric`` of every run that measured it."""
    return [value for run in runs if (value := METRICS[metric].read(run)) is not None]


def unique_mismatches(runs: Iterable[RunResult]) -> list[Mismatch]:
    """Every differing tag once, whichever repeats found it (first seen kept, in order)."""
    every = [m for run in runs for m in run.equality.mismatches]
    return list({(m.path, m.tag): m for m in every}.values())


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
    time_to_exif_p50_ms: float = 0.0
    time_to_exif_p90_ms: float = 0.0
    charged: bool = True
    io: dict[str, float] | None = None
    """Median opens, read requests and bytes per run, as counted by the storage daemon (``None``: not mounted)."""
    workers: int | None = None
    """The pool's size as the strategy chose it or was given it (``None``: no pool, or not recorded)."""
    raised: int = 0
    """Files ``load_exif`` raised for (each that file's error; kept out of the equality check)."""
    parts_ms: dict[str, float] = field(default_factory=dict)
    """Median main-thread time (ms) per part of the blocking (``startup``, ``preload``, ``load_exif``, …), as recorded."""
    equality: EqualitySpec = field(default_factory=EqualitySpec)
    """What ``equal`` means (``--equality``)."""
    baseline_exif: int | None = None
    """Files whose expected dict held anything (0: equality checked nothing; ``None``: not recorded)."""

    @property
    def checks_nothing(self) -> bool:
        """Compared, but every expected dict was empty: "equal" says nothing about these files."""
        return not self.equality.off and self.checked > 0 and self.baseline_exif == 0


def charged(runs: list[RunResult]) -> bool:
    """Did the storage model charge every one of ``runs`` (false: in-process model, a loader without a reader)?"""
    return all(run.config.storage_charged for run in runs)


def mismatch_count(runs: Iterable[RunResult]) -> int:
    """Differing tags (or fields), each file's each once over every repeat: the one count every output shows."""
    return len(unique_mismatches(runs))


def baseline_exif(runs: list[RunResult]) -> int | None:
    """Most files with a non-empty expected dict in any of ``runs`` (``None`` when a run did not record it)."""
    counts = [n for run in runs if isinstance(n := run.equality.baseline_exif, int)]
    return max(counts) if counts and len(counts) == len(runs) else None


def summarize(runs: RunSet, reference: str = "sync") -> list[StrategySummary]:
    """One :class:`StrategySummary` per strategy, in run order (a 2,000-round bootstrap each: compute once)."""
    ref_values = [run.blocking.total_s for run in runs.of(reference)]
    equality = equality_of(run.config.equality for run in runs.runs)
    summaries = []
    for name in runs.strategies:
        mine = runs.of(name)
        blocking = [run.blocking.total_s for run in mine]
        summaries.append(
            StrategySummary(
                strategy=name,
                repeats=len(mine),
                calls=max(run.calls for run in mine),
                blocking_s=Spread.of(blocking),
                p50_ms=median([run.blocking.p50_ms for run in mine]),
                p99_ms=median([run.blocking.p99_ms for run in mine]),
                max_ms=max(run.blocking.max_ms for run in mine),
                not_ready=Spread.of([float(run.not_ready) for run in mine]),
                background_s=Spread.of([run.background_s for run in mine]),
                equal=all(run.equal for run in mine),
                checked=max(run.equality.checked for run in mine),
                mismatches=mismatch_count(mine),
                raised=len({path for run in mine for path in run.equality.raised}),
                errors=len({e.path for run in mine for e in run.errors}),
                complete=all(run.complete for run in mine),
                ratio_to_sync=bootstrap_ratio(blocking, ref_values) if ref_values and name != reference else None,
                lag_p99_ms=median([run.responsiveness.figure("lag_p99_ms") for run in mine]),
                frames_missed=median([run.responsiveness.figure("frames_missed") for run in mine]),
                time_to_exif_p50_ms=median([run.time_to_exif.p50_ms or 0.0 for run in mine]),
                time_to_exif_p90_ms=median([run.time_to_exif.p90_ms or 0.0 for run in mine]),
                charged=charged(mine),
                io={key: median([float(run.io.total(key)) for run in mine if run.io]) for key in IO_COUNTS}
                if all(run.io for run in mine) else None,
                workers=pool_workers(mine),
                parts_ms=parts_ms(mine),
                equality=equality,
                baseline_exif=baseline_exif(mine),
            )
        )
    return summaries


def parts_ms(runs: list[RunResult]) -> dict[str, float]:
    """The median of each main-thread part every one of ``runs`` recorded (see :meth:`RunResult.blocking_parts_ms`)."""
    recorded = [run.blocking_parts_ms() for run in runs]
    common = [part for part in recorded[0] if all(part in parts for parts in recorded)] if recorded else []
    return {part: median([parts[part] for parts in recorded]) for part in common}


PART_NAMES = {"startup": "startup", "preload": "preload", "load_exif": "load_exif", "reask": "re-asks",
              "callbacks": "callbacks", "close": "close"}  # fmt: skip
"""How each main-thread part (:data:`~exifbench.reports.documents.runs.MAIN_THREAD_PARTS`) is named in a table."""
OF_WHICH_SHARE = 0.10
"""A part other than the pattern's load_exif calls taking this share of the blocking or more is named beside it."""


def of_which(parts_ms: dict[str, float], total_s: float) -> str:
    """``", of which preload 7.535 s"``: the part other than the pattern's calls that took most of ``total_s`` of
    blocking, when it took :data:`OF_WHICH_SHARE` or more; ``""`` otherwise."""
    others = {part: ms for part, ms in parts_ms.items() if part != "load_exif"}
    if not others or total_s <= 0:
        return ""
    part, ms = max(others.items(), key=lambda item: item[1])
    return f", of which {PART_NAMES[part]} {duration(ms / 1000)}" if ms >= OF_WHICH_SHARE * total_s * 1000 else ""


def median_run(runs: RunSet, strategy: str) -> RunResult:
    """The repeat of ``strategy`` with the median total blocking, preferring unprofiled repeats."""
    mine = runs.of(strategy)
    pool = [run for run in mine if "profile" not in run.extra] or mine
    ordered = sorted(pool, key=lambda run: run.blocking.total_s)
    return ordered[(len(ordered) - 1) // 2]
