"""The plot renderer: matplotlib figures (Agg, headless) drawn only from the result document.

Each plot function takes a :class:`RunReport` (statistics computed once) and returns its
``Figure``; :func:`save_figure` writes it as PNG and SVG. Per-call series use each strategy's median repeat
(unprofiled where possible), so a profiled repeat never distorts them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, NullFormatter

from exifbench.reports.analysis.report import RunReport
from exifbench.reports.documents.runs import RunResult, RunSet
from exifbench.escape import visible
from exifbench.files import write_atomic
from exifbench.reports.format import duration
from exifbench.reports.renderers.setup import setup

PAGE = 24
"""Calls per page for the not-ready plot: one screenful of thumbnails, one 60 Hz frame."""
LOG_FLOOR_MS = 1e-4
"""Log-scale plots draw zero blocking at this floor."""
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def colors(runs: RunSet) -> dict[str, str]:
    """One fixed color per strategy, the same in every plot."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(runs.strategies)}


def subtitle(runs: RunSet) -> str:
    """Dataset, pattern, storage model and repeats, on one line."""
    facts = setup(runs)
    dataset = facts["dataset"] if len(facts["dataset"]) <= 70 else "…" + facts["dataset"][-69:]
    return f"{dataset} · pattern {facts['pattern']} · {facts['storage']} · {facts['repeats']} repeat(s)"


def _figure(report: RunReport, title: str, rows: int = 1, cols: int = 1, height: float = 5.0) -> tuple[Figure, list[Axes]]:
    """A figure with the title above the subtitle (saved with a tight bounding box, which keeps both)."""
    fig = Figure(figsize=(11, height), layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(subtitle(report.runs), fontsize=9, color="#555555")
    fig.text(0.5, 1.0, title, ha="center", va="bottom", fontsize=14, fontweight="bold")
    axes = fig.subplots(rows, cols, squeeze=False)
    return fig, [ax for row in axes for ax in row]


def blocking_timeline(report: RunReport, log: bool = False) -> Figure:
    """Per-call main-thread blocking (ms) against call index, one line per strategy."""
    scale = " (log scale)" if log else ""
    fig, (ax,) = _figure(report, f"Main-thread blocking per load_exif call{scale}")
    palette = colors(report.runs)
    series = {name: report.median_run(name) for name in report.runs.strategies}
    top = max((max(run.samples.get("blocking_ms", [0.0]) or [0.0]) for run in series.values()), default=0.0)
    for name, run in series.items():
        values = run.samples.get("blocking_ms", [])
        label = _label(run)
        peak = max(values, default=0.0)
        if log:
            values = [max(v, LOG_FLOOR_MS) for v in values]
        elif peak < top / 100:  # indistinguishable from zero at this scale: say so rather than hide it
            label += f": at most {duration(peak / 1000)}, flat here (see the log-scale plot)"
        ax.plot(range(len(values)), values, label=label, color=palette[name], linewidth=1, alpha=0.85,
                marker="." if len(values) <= 200 else None)  # fmt: skip
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("call index (order of load_exif calls in the pattern)")
    ax.set_ylabel("blocking per call (ms)")
    if log:
        ax.set_title(f"calls that did not block at all are drawn at the bottom edge ({LOG_FLOOR_MS} ms)", fontsize=9,
                     color="#555555")  # fmt: skip
    ax.grid(True, alpha=0.3, which="both" if log else "major")
    fig.legend(loc="outside lower center", ncols=2, fontsize=9)  # below the axes: it never covers a spike
    return fig


def call_ends_ms(run: RunResult) -> list[float]:
    """When each call returned (ms since the replay started), as recorded; for documents saved before
    ``end_ms`` was recorded, start + blocking (whose separate roundings may misorder back-to-back calls)."""
    if "end_ms" in run.samples:
        return list(run.samples["end_ms"])
    return [a + b for a, b in zip(run.samples.get("at_ms", []), run.samples.get("blocking_ms", []), strict=False)]


def cumulative_blocking(report: RunReport) -> Figure:
    """Cumulative main-thread blocking (s) against wall time since the replay started (s)."""
    fig, (ax,) = _figure(report, "Cumulative main-thread blocking over the replay")
    palette = colors(report.runs)
    for name in report.runs.strategies:
        run = report.median_run(name)
        ends = call_ends_ms(run)
        blocking = run.samples.get("blocking_ms", [])
        x = [0.0, *(end / 1000 for end in ends)]
        y = [0.0, *(total / 1000 for total in accumulate(blocking[: len(ends)]))]
        ax.step(x, y, where="post", label=f"{_label(run)}: {duration(y[-1])}", color=palette[name], linewidth=2)
    ax.set_xlabel("wall time since the replay started (s)")
    ax.set_ylabel("cumulative blocking (s)")
    ax.set_ylim(bottom=-0.02 * ax.get_ylim()[1])  # lines at zero stay visible above the axis
    ax.set_xlim(left=0)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    return fig


def strategy_totals(report: RunReport) -> Figure:
    """Total blocking and background completion per strategy: median bars, min–max error bars."""
    fig, axes = _figure(report, "Blocking vs background completion per strategy", cols=2, height=4.5)
    palette = colors(report.runs)
    summaries = report.summaries
    panels = (
        (axes[0], "main-thread blocking, total (s)", [s.blocking_s for s in summaries]),
        (axes[1], "background completion: replay start → all loaded (s)", [s.background_s for s in summaries]),
    )
    names = [s.strategy for s in summaries]
    for ax, label, spreads in panels:
        heights = [s.median for s in spreads]
        errors = [[s.median - s.low for s in spreads], [s.high - s.median for s in spreads]]
        bars = ax.bar(list(map(visible, names)), heights, yerr=errors, capsize=5, color=[palette[n] for n in names],
                      error_kw={"ecolor": "#333333"})  # fmt: skip
        ax.bar_label(bars, labels=[duration(h) for h in heights], padding=3, fontsize=9)
        ax.set_title(label, fontsize=11)
        ax.set_ylabel("seconds (median; error bars: min–max over repeats)", fontsize=9)
        ax.set_xlabel("strategy")
        ax.set_ylim(0, max([s.high for s in spreads], default=0) * 1.18 or 1)
        ax.grid(True, axis="y", alpha=0.3)
    return fig


def pages(run: RunResult, page: int = PAGE) -> tuple[list[int], list[float]]:
    """Not-ready calls and blocking (ms) per page of ``page`` consecutive calls."""
    not_ready = run.samples.get("not_ready", [])
    blocking = run.samples.get("blocking_ms", [])
    starts = range(0, len(blocking), page)
    return [sum(not_ready[i : i + page]) for i in starts], [sum(blocking[i : i + page]) for i in starts]


def not_ready_pages(report: RunReport, page: int = PAGE) -> Figure:
    """Placeholders shown (not-ready calls) per page, above the blocking each page cost."""
    fig, (top, bottom) = _figure(report, f"Placeholders vs blocking, per page of {page} calls", rows=2, height=7)
    palette = colors(report.runs)
    names = report.runs.strategies
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        run = report.median_run(name)
        missing, blocked = pages(run, page)
        x = [p + (i - (len(names) - 1) / 2) * width for p in range(len(missing))]
        label = f"{_label(run)}: {sum(missing)} placeholders, {duration(sum(blocked) / 1000)} blocking"
        top.bar(x, missing, width, color=palette[name], label=label)
        bottom.bar(x, blocked, width, color=palette[name])
    top.set_title("not-ready calls per page (load_exif returned None → placeholder shown)", fontsize=11)
    top.set_ylabel(f"not-ready calls (of {page})")
    top.set_ylim(0, page + 1)
    bottom.set_title("main-thread blocking per page", fontsize=11)
    bottom.set_ylabel("blocking per page (ms)")
    for ax in (top, bottom):
        ax.set_xlabel(f"page (calls {page}·p … {page}·p+{page - 1})")
        ax.grid(True, axis="y", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=2, fontsize=9)
    return fig


def ui_lag(report: RunReport) -> Figure:
    """UI tick lag: its distribution per strategy, and p99 lag next to frames missed at 60 Hz."""
    fig, (left, right) = _figure(report, "UI responsiveness: how late the main thread's frame ticks ran", cols=2)
    palette = colors(report.runs)
    summaries = report.summaries
    for name in report.runs.strategies:
        run = report.median_run(name)
        lags = sorted(max(v, LOG_FLOOR_MS) for v in run.samples.get("lag_ms", []))
        share = [100 * (i + 1) / len(lags) for i in range(len(lags))]
        left.plot(share, lags, label=f"{_label(run)}: p99 {run.responsiveness.figure('lag_p99_ms'):.2f} ms",
                  color=palette[name], linewidth=2)  # fmt: skip
    tick = report.runs.runs[0].responsiveness.figure("tick_ms")
    left.set_yscale("log")
    left.set_title(f"tick lag distribution (ticks every {tick:.3g} ms)", fontsize=11)
    left.set_xlabel("share of ticks (%), sorted by lag")
    left.set_ylabel("lag = actual − scheduled (ms)")
    left.grid(True, alpha=0.3, which="both")
    left.legend(loc="upper left", fontsize=9)
    names = [s.strategy for s in summaries]
    bars = right.bar(list(map(visible, names)), [s.frames_missed for s in summaries], color=[palette[n] for n in names])
    right.bar_label(bars, labels=[f"{s.frames_missed:.0f}" for s in summaries], padding=3, fontsize=9)
    right.set_xticks(range(len(names)), [f"{visible(n)}\np99 lag\n{s.lag_p99_ms:.2f} ms" for n, s in zip(names, summaries)],
                     fontsize=8)  # the lag under each name: bar labels never collide  # fmt: skip
    right.set_title("frames missed at 60 Hz (busy stretch / 16.7 ms)", fontsize=11)
    right.set_ylabel("frames missed (median over repeats)")
    right.set_xlabel("strategy")
    right.set_ylim(0, max((s.frames_missed for s in summaries), default=0) * 1.2 or 1)
    right.grid(True, axis="y", alpha=0.3)
    return fig


def _label(run: RunResult) -> str:
    return f"{run.strategy} (repeat {run.repeat})"


PLOTS: dict[str, Callable[[RunReport], Figure]] = {
    "blocking-timeline": blocking_timeline,
    "blocking-timeline-log": lambda report: blocking_timeline(report, log=True),
    "cumulative-blocking": cumulative_blocking,
    "strategy-totals": strategy_totals,
    "not-ready-pages": not_ready_pages,
    "ui-lag": ui_lag,
}
"""Every plot, by file stem."""


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_tick(value: float, position: int | None = None) -> str:
    """A log axis's tick label as plain text: ``10¹``, ``10⁻²`` at powers of ten, nothing elsewhere."""
    if value <= 0:
        return ""
    exponent = round(math.log10(value))
    return f"10{str(exponent).translate(SUPERSCRIPTS)}" if math.isclose(value, 10.0**exponent, rel_tol=1e-9) else ""


def figure_bytes(fig: Figure, fmt: str, dpi: int = 110) -> bytes:
    """The figure rendered as ``png`` or ``svg``: no timestamps, fixed SVG id salt, so re-renders diff cleanly.

    Every text is drawn as written: a ``$`` in a strategy, folder or pattern name is not mathtext (whose parser
    would reject ``$\\x$`` with a traceback), and control characters other than line breaks are spelled out."""
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    for ax in fig.axes:  # log axes' own labels are mathtext ($\mathdefault{10^{1}}$), which is not parsed here
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "log":
                axis.set_major_formatter(FuncFormatter(log_tick))
                axis.set_minor_formatter(NullFormatter())
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_text("\n".join(map(visible, text.get_text().split("\n"))))  # tick labels: spelled where they are set
    with rc_context({"svg.hashsalt": "exifbench", "text.parse_math": False}):  # and the tick labels made while drawing
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata, bbox_inches="tight")
    return buffer.getvalue()


def save_figure(fig: Figure, out_dir: Path, stem: str) -> list[Path]:
    """Write ``<stem>.png`` and ``<stem>.svg`` into ``out_dir``."""
    return [write_atomic(out_dir / f"{stem}.{fmt}", figure_bytes(fig, fmt)) for fmt in ("png", "svg")]


def write_plots(report: RunReport, out_dir: Path) -> list[Path]:
    """Every plot in :data:`PLOTS`, PNG and SVG."""
    return [path for stem, plot in PLOTS.items() for path in save_figure(plot(report), out_dir, stem)]
