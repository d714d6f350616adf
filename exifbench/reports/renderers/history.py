"""The history renderers: each metric over saved runs (like asv's graphs) with change points, and a text table."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from exifbench.reports.analysis.history import Trend, strategies, trend
from exifbench.reports import format as fmt
from exifbench.reports.analysis.metrics import GATED, METRICS
from exifbench.reports.documents.history import Series
from exifbench.reports.documents.fingerprint import FIELDS
from exifbench.reports.renderers.plots import PALETTE


def trends(series: Series, metrics: tuple[str, ...] = GATED) -> list[Trend]:
    """Every strategy's trend on every metric it measured, in the newest run's strategy order."""
    found = [trend(series, name, metric) for metric in metrics for name in strategies(series)]
    return [one for one in found if one.medians]


def history_figure(series: Series, metrics: tuple[str, ...] = GATED) -> Figure:
    """One panel per metric: each strategy's median per saved run, dashed lines where its level changed."""
    shown = trends(series, metrics)
    names = list(dict.fromkeys(one.metric for one in shown))
    fig = Figure(figsize=(11, 2.6 * max(1, len(names))), layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(f"exifbench history {series.key}: " + ", ".join(f"{k} {series.fingerprint.get(k, '?')}"
                 for k in ("dataset", "pattern", "storage")), fontsize=9)  # fmt: skip
    axes = fig.subplots(max(1, len(names)), 1, squeeze=False)
    palette = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(strategies(series))}
    for ax, metric in zip((row[0] for row in axes), names):
        unit = METRICS[metric].unit
        for one in (t for t in shown if t.metric == metric):
            xs = list(range(len(one.medians)))
            ax.plot(xs, one.medians, marker="o", color=palette[one.strategy], label=one.strategy)
            for index in one.changes:
                ax.axvline(index - 0.5, color=palette[one.strategy], linestyle="--", alpha=0.7)
                ax.annotate(f"change: {one.strategy}", (index - 0.5, max(one.medians)), fontsize=8,
                            color=palette[one.strategy], rotation=90, va="top", ha="right")  # fmt: skip
            ax.set_xticks(xs, one.labels, rotation=30, fontsize=7, ha="right")
        ax.set_title(f"{METRICS[metric].meaning} ({unit})", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    return fig


def history_text(series: Series, metrics: tuple[str, ...] = GATED) -> list[str]:
    """Plain lines: the fingerprint, then per metric and strategy the runs' medians and change points."""
    lines = [f"series {series.key}: {len(series.entries)} saved run(s)"]
    lines += [f"  {name}: {series.fingerprint.get(name, '?')}" for name in FIELDS]
    for one in trends(series, metrics):
        unit = METRICS[one.metric].unit
        newest = fmt.measured(one.medians[-1], unit)
        where = ", ".join(f"before run {i + 1} ({one.labels[i]})" for i in one.changes) or "none"
        lines.append(f"{one.metric:<13} {one.strategy:<24} newest {newest}; change points: {where}")
    return lines
