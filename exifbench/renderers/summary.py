"""Aggregating runs across repeats: medians, spread, and ratios to ``sync`` with a bootstrap CI."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from exifbench.errors import ExifbenchError
from exifbench.documents.runs import RunResult, RunSet
from exifbench.analysis.statistics import median, percentile

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

    def text(self, repeats: int) -> str:
        """The median in seconds (ms below 1 s), with ``[low–high]`` in the same unit when there are repeats."""
        unit = "s" if abs(self.median) >= 1 else "ms"
        if repeats < 2:
            return f"{_number(self.median, unit)} {unit}"
        return f"{_number(self.median, unit)} {unit} [{_number(self.low, unit)}–{_number(self.high, unit)}]"


def _number(seconds: float, unit: str) -> str:
    if unit == "s":
        return f"{seconds:.3f}"
    ms = seconds * 1000
    return f"{ms:.3g}" if abs(ms) < 1000 else f"{ms:.0f}"


def duration(seconds: float) -> str:
    """``2.440 s`` from one second up, ``292 ms`` / ``0.377 ms`` below: small numbers keep their digits."""
    unit = "s" if abs(seconds) >= 1 else "ms"
    return f"{_number(seconds, unit)} {unit}"


@dataclass(frozen=True)
class Ratio:
    """``candidate / reference`` of medians, with a 95% bootstrap interval over repeats."""

    value: float
    low: float
    high: float

    def text(self, repeats: int) -> str:
        """``0.001×``, with the 95% interval ``[low–high]`` when there are repeats."""
        value = f"{self.value:.3g}×"
        return value if repeats < 2 else f"{value} [{self.low:.3g}–{self.high:.3g}]"


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
    lag_p99_ms: float = 0.0
    frames_over_budget: float = 0.0


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
                lag_p99_ms=median([run.responsiveness.get("lag_p99_ms", 0.0) for run in mine]),
                frames_over_budget=median([run.responsiveness.get("frames_over_budget", 0) for run in mine]),
            )
        )
    return summaries


def cold_text(config: dict[str, Any]) -> str:
    """What ``--cold`` achieved: were first reads after eviction measurably slower than warm ones?"""
    check = config.get("cold_check") or {}
    if not check:
        return "cold page cache (not checked)"
    verdict = "measurably slower" if check["measurably_slower"] else "not measurably slower"
    return (f"cold page cache: first reads {check['cold_median_ms']:.3g} ms vs warm {check['warm_median_ms']:.3g} ms "
            f"median over {check['files']} files ({verdict})")  # fmt: skip


def extractor_text(config: dict[str, Any]) -> str:
    """The extractor(s) compared, with the fast path's fall-backs to Pillow when it was used."""
    name = ", ".join(config.get("extractors") or [str(config.get("extractor", "?"))])
    fallbacks = dict(config.get("fastpath_fallbacks") or {})
    if not fallbacks:
        return name
    files = fallbacks.pop("files", 0)
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(fallbacks.items())) or "none"
    return f"{name} (fastpath fell back to Pillow on {sum(fallbacks.values())} of {files} files: {reasons})"


def setup(runs: RunSet) -> dict[str, str]:
    """What was measured, from the first run's config: dataset, pattern, storage model, policy, repeats."""
    if not runs.runs:
        raise ExifbenchError("results: no runs to report")
    config = runs.runs[0].config
    repeats = max(len(runs.of(name)) for name in runs.strategies)
    return {
        "dataset": f"{config.get('dataset', '?')} ({runs.runs[0].images} images)",
        "pattern": str(config.get("pattern", "?")),
        "storage": str(config.get("storage", "?")) + (f", {cold_text(config)}" if config.get("cold") else ""),
        "not ready": f"{config.get('on_not_ready', '?')} (what the caller does with None)",
        "workers": str(config.get("workers", "?")),
        "extractor": extractor_text(config),
        "repeats": f"{repeats}" + ("" if runs.complete else " (interrupted: incomplete)"),
    }


def median_run(runs: RunSet, strategy: str) -> RunResult:
    """The repeat of ``strategy`` with the median total blocking, preferring unprofiled repeats."""
    mine = runs.of(strategy)
    pool = [run for run in mine if "profile" not in run.extra] or mine
    ordered = sorted(pool, key=METRICS["blocking"])
    return ordered[(len(ordered) - 1) // 2]


@dataclass(frozen=True)
class ProfileSummary:
    """One strategy's profiled repeat: its files, headline, and the profiler's wall-time overhead."""

    strategy: str
    repeat: int
    files: list[str]
    headline: str
    profiled_s: float
    unprofiled: Spread | None

    @property
    def overhead(self) -> float | None:
        """``profiled / unprofiled median - 1`` of the replay's wall time; ``None`` without an unprofiled repeat."""
        if self.unprofiled is None or not self.unprofiled.median:
            return None
        return self.profiled_s / self.unprofiled.median - 1

    def overhead_text(self) -> str:
        if self.overhead is None or self.unprofiled is None:
            return "profiler overhead could not be measured: no unprofiled repeat to compare with (use --repeat 2+)"
        spread = self.unprofiled
        text = (
            f"profiler overhead {self.overhead:+.1%} of replay wall time ({duration(self.profiled_s)} profiled vs "
            f"{duration(spread.median)} unprofiled median, range {duration(spread.low)}–{duration(spread.high)})"
        )
        if self.profiled_s <= spread.high:
            text += "; not above the unprofiled range, so not measurable here"
        return text


PROFILE_FILE = re.compile(r"profile-[A-Za-z0-9_.-]+\.(html|txt)")
"""Profile file names a result document may name; anything else (a path, ``..``) is ignored."""


def profiles(runs: RunSet) -> list[ProfileSummary]:
    """Every profiled run (``extra["profile"]``), compared with the unprofiled repeats of its strategy."""
    found = []
    for run in runs.runs:
        info = run.extra.get("profile")
        if not isinstance(info, dict):
            continue
        others = [o.background_s for o in runs.of(run.strategy) if "profile" not in o.extra and o.complete]
        files = info.get("files") if isinstance(info.get("files"), dict) else {}
        found.append(
            ProfileSummary(
                strategy=run.strategy,
                repeat=run.repeat,
                files=[n for n in files.values() if isinstance(n, str) and PROFILE_FILE.fullmatch(n)],
                headline=str(info.get("headline", "")),
                profiled_s=run.background_s,
                unprofiled=Spread.of(others) if others else None,
            )
        )
    return found


TABLE_HEADERS = (
    "strategy", "repeats", "calls", "blocking total", "vs sync (95% CI)", "p50 ms", "p99 ms", "max ms",
    "not ready", "background", "UI lag p99", "dropped frames", "equality", "errors",
)  # fmt: skip
NUMERIC_COLUMNS = frozenset(i for i, h in enumerate(TABLE_HEADERS) if h not in ("strategy", "equality"))
"""Columns of :data:`TABLE_HEADERS` to right-align."""
EQUALITY_COLUMN = TABLE_HEADERS.index("equality")


def summary_row(s: StrategySummary) -> list[str]:
    """One strategy's row of the comparison table as plain strings (columns :data:`TABLE_HEADERS`)."""
    return [
        s.strategy if s.complete else f"{s.strategy} (incomplete)",
        str(s.repeats),
        str(s.calls),
        s.blocking_s.text(s.repeats),
        s.ratio_to_sync.text(s.repeats) if s.ratio_to_sync else "—",
        f"{s.p50_ms:.3f}",
        f"{s.p99_ms:.3f}",
        f"{s.max_ms:.3f}",
        f"{s.not_ready.median:.0f}",
        s.background_s.text(s.repeats),
        f"{s.lag_p99_ms:.2f} ms",
        f"{s.frames_over_budget:.0f}",
        f"equal ({s.checked} files)" if s.equal else f"{s.mismatches} mismatches",
        str(s.errors),
    ]


def table_rows(runs: RunSet) -> list[list[str]]:
    """The comparison table, one :func:`summary_row` per strategy, for HTML and Markdown."""
    return [summary_row(s) for s in summarize(runs)]


def verdicts(runs: RunSet, reference: str = "sync") -> list[str]:
    """Plain sentences: the equality verdict, the error count, each strategy's blocking relative to ``reference``."""
    summaries = summarize(runs, reference)
    unequal = [s for s in summaries if not s.equal]
    lines = [
        "Equality: every strategy returned exactly the original loader's dicts "
        f"({max((s.checked for s in summaries), default=0)} files)."
        if not unequal
        else "Equality: MISMATCHES in " + ", ".join(f"{s.strategy} ({s.mismatches} tags)" for s in unequal) + "."
    ]
    failed = {e["path"] for run in runs.runs for e in run.errors}
    lines.append(f"Errors: {len(failed)} file(s) failed to load (the loader returned {{}} for them).")
    ref = next((s for s in summaries if s.strategy == reference), None)
    for s in summaries:
        if ref is None or s.ratio_to_sync is None:
            continue
        interval = f" (95% CI {s.ratio_to_sync.low:.3g}–{s.ratio_to_sync.high:.3g})" if s.repeats > 1 else ""
        lines.append(
            f"{s.strategy} blocks the main thread {s.ratio_to_sync.value:.3g}× as long as {reference}{interval}: "
            f"{duration(s.blocking_s.median)} vs {duration(ref.blocking_s.median)} (medians)."
        )
    return lines
