"""A sweep analysed: each configuration's figures, the Pareto front per storage, and what to ship.

The three objectives, all lower-is-better: main-thread **blocking** (total per replay),
**time-to-EXIF p50** (first request → dict ready) and **UI lag p99**. A configuration is on the
front when no other on the same storage (and pattern) is at least as good on all three and
better on one; configurations whose dicts differ from the original's are never candidates.
What to ship is, of the configurations that meet the team's thresholds (not-ready share and
blocking relative to ``sync`` on the same storage) on **every** repeat, the one with the fewest
placeholders — or nothing, said so; and only with at least :data:`MIN_SHIP_REPEATS` repeats, else
the best is named as too little evidence. The thresholds are constraints, not objectives: a
configuration that meets them is shipped even where one that does not dominates it on the front.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from exifbench.reports.analysis.report import RunReport, analyze
from exifbench.reports.statistics import median
from exifbench.reports.documents.runs import RunResult, RunSet
from exifbench.reports.documents.sweep import Configuration, SweepResults, Thresholds

MIN_SHIP_REPEATS = 3
"""Repeats a configuration needs, each within the thresholds, before the sweep says to ship it: one run is not
a verdict (one repeat shipped a configuration at 9.3% placeholders whose median over three was 11.5%)."""


@dataclass(frozen=True)
class Point:
    """One configuration's figures: medians over its repeats, and the worst repeat for the thresholds."""

    label: str
    group: str
    """The storage (and pattern, when it varied) the configuration is compared within."""
    blocking_s: float
    not_ready_share: float
    time_to_exif_p50_ms: float | None
    lag_p99_ms: float
    equal: bool
    reference: bool
    """The group's ``sync``, which the blocking ratios are taken against."""
    repeats: int
    worst_not_ready_share: float
    worst_blocking_s: float
    blocking_ratio: float | None = None
    """Blocking ÷ ``sync``'s in the same group (``None`` without a sync run or when sync did not block)."""
    worst_blocking_ratio: float | None = None
    """The worst repeat's blocking ÷ ``sync``'s median."""

    def objectives(self, with_time_to_exif: bool) -> tuple[float, ...]:
        tte = (self.time_to_exif_p50_ms if self.time_to_exif_p50_ms is not None else 0.0,) if with_time_to_exif else ()
        return (self.blocking_s, *tte, self.lag_p99_ms)

    def meets(self, thresholds: Thresholds) -> bool:
        """Equal dicts, and not-ready share and blocking ratio within the thresholds on every repeat."""
        return (
            self.equal
            and self.worst_not_ready_share <= thresholds.max_not_ready
            and self.worst_blocking_ratio is not None
            and self.worst_blocking_ratio <= thresholds.max_blocking_ratio
        )


@dataclass(frozen=True)
class GroupVerdict:
    """One storage's front and the best configuration meeting the thresholds on every repeat (``None``: none does)."""

    group: str
    front: list[Point]
    best: Point | None

    @property
    def ship(self) -> Point | None:
        """The best, when it has the repeats to ship on (:data:`MIN_SHIP_REPEATS`)."""
        return self.best if self.best is not None and self.best.repeats >= MIN_SHIP_REPEATS else None


@dataclass(frozen=True)
class SweepAnalysis:
    """Every configuration's point and each group's verdict."""

    sweep: SweepResults
    points: list[Point]
    verdicts: list[GroupVerdict]


def pareto_front(objectives: Sequence[Sequence[float]]) -> list[int]:
    """Indices of the points no other point dominates (all objectives lower is better), in input order.

    ``a`` dominates ``b`` when ``a`` is no worse on every objective and better on at least one;
    identical points are all on the front.
    """

    def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
        return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))

    return [i for i, one in enumerate(objectives) if not any(dominates(other, one) for other in objectives)]


def time_to_exif_p50(run: RunResult) -> float | None:
    """The run's time-to-EXIF p50 in ms; ``None`` for documents made before time-to-EXIF was measured."""
    return run.time_to_exif.p50_ms


def group_of(configuration: Configuration, varied: list[str]) -> str:
    """The storage, plus the pattern when the sweep varied it."""
    pattern = f" · {configuration.settings['pattern']}" if "pattern" in varied and "pattern" in configuration.settings else ""
    return configuration.storage + pattern


def point(configuration: Configuration, varied: list[str]) -> Point:
    """Medians over the configuration's runs, and its worst run's blocking and not-ready share."""
    runs = configuration.runs
    ttes = [value for value in map(time_to_exif_p50, runs) if value is not None]
    blocking = [run.blocking.total_s for run in runs]
    not_ready = [run.not_ready / run.calls if run.calls else 0.0 for run in runs]
    return Point(
        label=configuration.label(varied),
        group=group_of(configuration, varied),
        blocking_s=median(blocking),
        not_ready_share=median(not_ready),
        time_to_exif_p50_ms=median(ttes) if ttes else None,
        lag_p99_ms=median([run.responsiveness.figure("lag_p99_ms") for run in runs]),
        equal=all(run.equal for run in runs),
        reference=configuration.strategy == "sync",
        repeats=len(runs),
        worst_not_ready_share=max(not_ready),
        worst_blocking_s=max(blocking),
    )


def _ship_order(p: Point) -> tuple[float, float, float, float]:
    """Among configurations meeting the thresholds: what the user sees (fewest placeholders; time-to-EXIF, which is
    near zero for every large pool, only breaks ties), then lag, then blocking."""
    return (p.not_ready_share, p.time_to_exif_p50_ms or 0.0, p.lag_p99_ms, p.blocking_s)


def analyze_sweep(sweep: SweepResults) -> SweepAnalysis:
    """Points with their blocking ratios to ``sync``, and each group's front and choice."""
    points = [point(one, sweep.varied) for one in sweep.configurations if one.runs]
    sync_blocking = {p.group: p.blocking_s for p in points if p.reference}
    points = [
        replace(p, blocking_ratio=p.blocking_s / sync, worst_blocking_ratio=p.worst_blocking_s / sync)
        if (sync := sync_blocking.get(p.group)) else p
        for p in points
    ]
    verdicts = []
    for group in dict.fromkeys(p.group for p in points):
        candidates = [p for p in points if p.group == group and p.equal]
        with_tte = all(p.time_to_exif_p50_ms is not None for p in candidates)
        front = [candidates[i] for i in pareto_front([p.objectives(with_tte) for p in candidates])]
        meeting = sorted((p for p in candidates if p.meets(sweep.thresholds)), key=_ship_order)
        verdicts.append(GroupVerdict(group, front, meeting[0] if meeting else None))
    return SweepAnalysis(sweep, points, verdicts)


def group_reports(sweep: SweepResults) -> list[tuple[str, RunReport]]:
    """Each group's configurations as one run set, analysed as ``run`` analyses one, against the group's ``sync``:
    the tables ``--wide`` shows. Each run is named by its configuration's label within the group (``threadpool ×16``;
    the group names the storage and pattern), which already names the pool's size."""
    within = [key for key in sweep.varied if key not in ("storage", "pattern")]
    groups: dict[str, list[tuple[Configuration, list[RunResult]]]] = {}
    for one in sweep.configurations:
        if one.runs:
            named = [replace(run, strategy=one.label(within), config=replace(run.config, pool_workers=None)) for run in one.runs]
            groups.setdefault(group_of(one, sweep.varied), []).append((one, named))
    reports = []
    for group, members in groups.items():
        reference = next((runs[0].strategy for one, runs in members if one.strategy == "sync"), "sync")
        runs = RunSet([run for _, mine in members for run in mine], complete=sweep.complete)
        reports.append((group, analyze(runs, reference)))
    return reports
