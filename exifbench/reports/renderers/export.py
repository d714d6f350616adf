"""A run set's metrics in other tools' formats, for a team's own benchmark CI.

* ``github-action-benchmark``: the ``customSmallerIsBetter`` input of benchmark-action/github-action-benchmark,
  a JSON list of ``{name, unit, value, range?, extra?}`` (``range`` and ``extra`` are strings), one entry per
  strategy and metric, its value the median over the repeats.
* ``pytest-benchmark``: a document ``pytest-benchmark compare`` loads (``machine_info``, ``commit_info``,
  ``benchmarks`` with ``stats`` over the repeats, ``datetime``, ``version``), one benchmark per strategy and metric.
* ``csv``: one row per run and metric (``strategy,repeat,metric,unit,value``).

Every metric is one of the gate's (:data:`~exifbench.reports.analysis.metrics.METRICS`), higher is worse for all;
a metric no run measured is left out and named by :func:`unmeasured`.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from exifbench import __version__
from exifbench.reports.analysis.metrics import METRICS, Metric
from exifbench.reports.documents.runs import RunConfig, RunSet

FORMATS = ("github-action-benchmark", "pytest-benchmark", "csv")


@dataclass(frozen=True)
class Series:
    """One strategy's values of one metric, one per repeat that measured it."""

    strategy: str
    metric: Metric
    values: list[float]
    repeats: list[int]

    @property
    def name(self) -> str:
        """The benchmark's name in every export: ``strategy: metric``."""
        return f"{self.strategy}: {self.metric.name}"


def series(runs: RunSet) -> list[Series]:
    """Every (strategy, metric) that at least one run measured, strategies in run order, metrics in the gate's."""
    found = []
    for strategy in runs.strategies:
        mine = runs.of(strategy)
        for metric in METRICS.values():
            measured = [(run.repeat, value) for run in mine if (value := metric.read(run)) is not None]
            if measured:
                found.append(Series(strategy, metric, [value for _, value in measured], [repeat for repeat, _ in measured]))
    return found


def unmeasured(runs: RunSet) -> list[str]:
    """The metrics no run of ``runs`` measured, each with why (I/O counts need the mount, memory is decide's)."""
    measured = {one.metric.name for one in series(runs)}
    return [f"{metric.name}: {metric.unmeasured}" for metric in METRICS.values() if metric.name not in measured]


def context(runs: RunSet) -> str:
    """Pattern, storage and dataset the runs share, for the ``extra`` text of each entry."""
    config = runs.runs[0].config if runs.runs else RunConfig()
    return f"pattern {config.pattern or '?'}; storage {config.storage or '?'}; dataset {config.dataset or '?'}"


def github_action_benchmark(runs: RunSet) -> list[dict[str, Any]]:
    """``customSmallerIsBetter`` entries: the median of each series, the range its min to max over the repeats."""
    shared = context(runs)
    entries = []
    for one in series(runs):
        entry: dict[str, Any] = {"name": one.name, "unit": one.metric.unit, "value": statistics.median(one.values)}
        if len(one.values) > 1:
            entry["range"] = f"{min(one.values):g} to {max(one.values):g}"
        entry["extra"] = f"{one.metric.meaning}; median of {len(one.values)} repeat(s); {shared}"
        entries.append(entry)
    return entries


def pytest_benchmark_stats(values: list[float]) -> dict[str, Any]:
    """The ``stats`` block pytest-benchmark saves, computed over ``values`` (its quartile method: inclusive)."""
    data = sorted(values)
    mean = statistics.mean(data)
    stddev = statistics.stdev(data) if len(data) > 1 else 0.0
    q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive") if len(data) > 1 else (data[0], data[0], data[0])
    iqr = q3 - q1
    inside = [value for value in data if q1 - 1.5 * iqr <= value <= q3 + 1.5 * iqr]
    iqr_outliers = len(data) - len(inside)
    stddev_outliers = sum(1 for value in data if abs(value - mean) > stddev)
    return {
        "min": data[0], "max": data[-1], "mean": mean, "stddev": stddev, "rounds": len(data),
        "median": statistics.median(data), "iqr": iqr, "q1": q1, "q3": q3, "iqr_outliers": iqr_outliers,
        "stddev_outliers": stddev_outliers, "outliers": f"{stddev_outliers};{iqr_outliers}",
        "ld15iqr": inside[0], "hd15iqr": inside[-1], "ops": 1 / mean if mean else 0.0, "total": sum(data),
        "data": list(values), "iterations": 1,
    }  # fmt: skip


SECONDS_PER = {"s": 1.0, "ms": 1e-3}
"""pytest-benchmark's stats are seconds: durations are converted; counts (calls, frames, bytes) stay as counted."""


def pytest_benchmark_entries(runs: RunSet, group: str = "exifbench", name: str = "exifbench", fullname: str = "exifbench") -> list[dict[str, Any]]:
    """One pytest-benchmark ``benchmarks`` entry per series, ``NAME[STRATEGY: METRIC]`` (``FULLNAME::STRATEGY:
    METRIC``): its stats over the repeats (durations in seconds, counts as they are), the unit in ``extra_info``."""
    shared = context(runs)
    entries = []
    for one in series(runs):
        scale = SECONDS_PER.get(one.metric.unit, 1.0)
        unit = "s" if one.metric.unit in SECONDS_PER else one.metric.unit
        entries.append({
            "group": f"{group}: {one.metric.name}",
            "name": f"{name}[{one.name}]",
            "fullname": f"{fullname}::{one.name}",
            "params": {"strategy": one.strategy, "metric": one.metric.name},
            "param": one.name,
            "extra_info": {"unit": unit, "meaning": one.metric.meaning, "repeats": one.repeats, "context": shared,
                           "smaller_is_better": True},  # fmt: skip
            "options": {"timer": f"exifbench ({unit})", "rounds": len(one.values)},
            "stats": pytest_benchmark_stats([value * scale for value in one.values]),
        })  # fmt: skip
    return entries


def pytest_benchmark_document(runs: RunSet) -> dict[str, Any]:
    """A whole pytest-benchmark JSON document of ``runs`` (machine and commit from the runs' environment block)."""
    env = runs.runs[0].environment if runs.runs else {}
    return {
        "machine_info": {"node": "", "processor": str(env.get("cpu", "")), "machine": str(env.get("machine", "")),
                         "python_implementation": str(env.get("implementation", "")),
                         "python_version": str(env.get("python", "")), "system": str(env.get("os", "")),
                         "cpu": {"brand_raw": str(env.get("cpu", "")), "count": env.get("cpu_count")}},  # fmt: skip
        "commit_info": {"id": env.get("commit") or "", "dirty": False, "project": "exifbench", "branch": ""},
        "benchmarks": pytest_benchmark_entries(runs),
        "datetime": datetime.now(timezone.utc).isoformat(),
        "version": f"exifbench {__version__}",
    }


def csv_text(runs: RunSet) -> str:
    """One row per run and measured metric: ``strategy,repeat,metric,unit,value``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["strategy", "repeat", "metric", "unit", "value"])
    for run in runs.runs:
        for metric in METRICS.values():
            value = metric.read(run)
            if value is not None:
                writer.writerow([run.strategy, run.repeat, metric.name, metric.unit, repr(value)])
    return out.getvalue()


RENDER: dict[str, Callable[[RunSet], str]] = {
    "github-action-benchmark": lambda runs: json.dumps(github_action_benchmark(runs), indent=1),
    "pytest-benchmark": lambda runs: json.dumps(pytest_benchmark_document(runs), indent=1),
    "csv": csv_text,
}


def export(runs: RunSet, form: str) -> str:
    """``runs`` as text in ``form`` (one of :data:`FORMATS`)."""
    return RENDER[form](runs)

