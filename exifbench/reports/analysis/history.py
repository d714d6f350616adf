"""Judging a history: each metric's level over saved runs, its change points, and the newest run against
the last stable stretch before it.

For one strategy and metric, each saved run contributes the median over its repeats.
Change points (:func:`~exifbench.reports.statistics.change_points`) split the series
into stable segments. The newest run is judged with the regression rule
(:mod:`exifbench.reports.analysis.regression`) against every repeat of the runs in the last
stable segment before it — not against the run just before, which may itself have been
a fluke, nor against a level the code has long left.
"""

from __future__ import annotations

from dataclasses import dataclass

from exifbench.reports.analysis.metrics import METRICS, values
from exifbench.reports.analysis.regression import Change, Limits, judge
from exifbench.reports.statistics import change_points, median
from exifbench.reports.documents.history import Series
from exifbench.errors import ExifbenchError


@dataclass(frozen=True)
class Trend:
    """One strategy's metric over a series: one median per saved run, and where its level changed."""

    strategy: str
    metric: str
    labels: list[str]
    medians: list[float]
    changes: list[int]


def strategies(series: Series) -> list[str]:
    """Strategies of the newest run, in its order."""
    return series.entries[-1].runs.strategies


def trend(series: Series, strategy: str, metric: str) -> Trend:
    """``metric`` of ``strategy`` over the runs that measured it, with change points."""
    labels, medians = [], []
    for entry in series.entries:
        measured = values(entry.runs.of(strategy), metric)
        if measured:
            labels.append(entry.label)
            medians.append(median(measured))
    return Trend(strategy, metric, labels, medians, change_points(medians))


def stable_reference(series: Series, strategy: str, metric: str) -> tuple[list[float], int]:
    """Every repeat's value in the last stable segment before the newest run, and how many runs it spans."""
    older = series.entries[:-1]
    per_run = [values(entry.runs.of(strategy), metric) for entry in older]
    measured = [run_values for run_values in per_run if run_values]
    if not measured:
        return [], 0
    changes = change_points([median(run_values) for run_values in measured])
    segment = measured[changes[-1] if changes else 0 :]
    return [value for run_values in segment for value in run_values], len(segment)


def judge_newest(series: Series, strategy: str, metric: str, limits: Limits) -> tuple[Change, int]:
    """The newest run's ``metric`` against the last stable segment; and that segment's length in runs."""
    if len(series.entries) < 2:
        raise ExifbenchError(f"history series {series.key}: needs at least 2 saved runs to judge the newest")
    candidate = values(series.entries[-1].runs.of(strategy), metric)
    reference, runs = stable_reference(series, strategy, metric)
    if not candidate or not reference:
        raise ExifbenchError(f"history series {series.key}: no {METRICS[metric].meaning} for {strategy} to compare")
    return judge(candidate, reference, limits), runs
