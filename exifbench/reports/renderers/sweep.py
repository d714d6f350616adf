"""Renderers for a sweep: the answer per storage, a table of every configuration, the Pareto plot.

Fed only by :class:`~exifbench.reports.analysis.sweep.SweepAnalysis`: console (rich), ``sweep.md`` and
``pareto.png``/``.svg`` (blocking against time-to-EXIF p50, lag p99 as the marker's colour, the
front joined and named).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from exifbench.reports.analysis.sweep import MIN_SHIP_REPEATS, GroupVerdict, Point, SweepAnalysis, group_reports
from exifbench.reports.documents.equality import EqualitySpec, equality_of
from exifbench.reports.documents.sweep import SweepResults, Thresholds
from exifbench.escape import shown, visible
from exifbench.files import write_atomic
from exifbench.reports.format import compared_with, duration, less_or_more, number
from exifbench.reports.renderers.advice import recommendation
from exifbench.reports.renderers.plots import LOG_FLOOR_MS, save_figure
from exifbench.reports.renderers.table import render_table

COLUMNS = ("configuration", "storage", "blocking", "vs sync", "not ready", "time to EXIF p50", "lag p99", "equal", "front")


def thresholds_text(thresholds: Thresholds, equality: EqualitySpec | None = None) -> str:
    """The thresholds, and the ``equality`` the dicts were judged by (default ``pillow``)."""
    equality = equality or EqualitySpec()
    dicts = "dicts NOT compared (--equality off)" if equality.off else f"with equal dicts (--equality {equality.name})"
    return (f"not-ready ≤ {thresholds.max_not_ready:.0%} of calls and blocking ≤ "
            f"{thresholds.max_blocking_ratio:.0%} of sync's, {dicts}")  # fmt: skip


def sweep_equality(analysis: SweepAnalysis) -> EqualitySpec:
    """The equality every run of the sweep was judged by."""
    return equality_of(run.config.equality for configuration in analysis.sweep.configurations for run in configuration.runs)


def verdict_line(verdict: GroupVerdict, thresholds: Thresholds, equality: EqualitySpec | None = None) -> str:
    """What to ship on one storage, or the best with too few repeats to ship on, or that nothing meets the
    thresholds on every repeat; then the front by name."""
    front = ", ".join(p.label for p in verdict.front) or "none (no configuration returned equal dicts)"
    best = verdict.best
    if best is None:
        answer = f"{verdict.group}: nothing meets the thresholds on every repeat ({thresholds_text(thresholds, equality)})"
    elif verdict.ship is None:
        answer = (f"{verdict.group}: {best.label} meets the thresholds on {_repeats(best)}, too few to ship on "
                  f"(rerun with --repeat {MIN_SHIP_REPEATS} or more) — {_facts(best)}")  # fmt: skip
    else:
        answer = f"{verdict.group}: ship {best.label}, within the thresholds on {_repeats(best)} — {_facts(best)}"
    return f"{answer}. Pareto front: {front}."


def _repeats(p: Point) -> str:
    return "its one repeat" if p.repeats == 1 else f"each of its {p.repeats} repeats"


def _facts(p: Point) -> str:
    tte = f"time-to-EXIF p50 {duration(p.time_to_exif_p50_ms / 1000)}, " if p.time_to_exif_p50_ms is not None else ""
    ratio = f" ({compared_with(p.blocking_ratio, 'sync')})" if p.blocking_ratio is not None else ""
    worst = f" (worst repeat {p.worst_not_ready_share:.1%})" if p.repeats > 1 else ""
    return (f"{tte}not ready {p.not_ready_share:.1%} of calls{worst}, blocking {duration(p.blocking_s)}{ratio}, "
            f"lag p99 {number(p.lag_p99_ms)} ms")  # fmt: skip


def _row(p: Point, on_front: bool) -> list[str]:
    return [
        p.label,
        p.group,
        duration(p.blocking_s),
        "reference" if p.reference else less_or_more(p.blocking_ratio) if p.blocking_ratio is not None else "—",
        f"{p.not_ready_share:.1%}",
        duration(p.time_to_exif_p50_ms / 1000) if p.time_to_exif_p50_ms is not None else "—",
        f"{number(p.lag_p99_ms)} ms",
        "yes" if p.equal else "NO",
        "front" if on_front else "",
    ]


def _on_front(analysis: SweepAnalysis) -> set[int]:
    return {id(p) for verdict in analysis.verdicts for p in verdict.front}


def render_console(analysis: SweepAnalysis) -> RenderableType:
    """The verdict per storage first, then every configuration (its label names the storage when storages vary;
    the verdicts name it always; the equality column only when some dicts differ): names never cut, 80 columns fit."""
    front = _on_front(analysis)
    table = Table(title=f"Sweep: {len(analysis.points)} configurations, {analysis.sweep.repeats} repeat(s)", title_justify="left",
                  box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1), collapse_padding=True, pad_edge=False)  # fmt: skip
    dropped = {"storage"} | ({"equal"} if all(p.equal for p in analysis.points) else set())
    shown_columns = [i for i, column in enumerate(COLUMNS) if column not in dropped]
    longest_word = max(len(word) for p in analysis.points for word in p.label.split())
    for i in shown_columns:  # a label too long for the width wraps between its settings, never inside one
        table.add_column(COLUMNS[i].replace(" ", "\n"), justify="left" if i == 0 else "right", overflow="fold",
                         min_width=longest_word if i == 0 else None)  # fmt: skip
    for p in analysis.points:
        row = _row(p, id(p) in front)
        table.add_row(*(shown(row[i]) for i in shown_columns))
    lines = [Text(visible(verdict_line(v, analysis.sweep.thresholds, sweep_equality(analysis)))) for v in analysis.verdicts]
    failed = [one for one in analysis.sweep.configurations if one.failed is not None]
    lines += [Text(visible(f"failed: {one.label(analysis.sweep.varied)}: {one.failed.error}"), style="red") for one in failed if one.failed]
    if not analysis.sweep.complete:
        lines.append(Text("interrupted or failed: the sweep is incomplete (complete: false)", style="yellow"))
    if "equal" in dropped:
        lines.append(Text("Every configuration returned the original loader's dicts."))
    return Group(*lines, Text(""), table, *(Text(visible(line)) for line in recommendations(analysis.sweep)))


def recommendations(sweep: SweepResults) -> list[str]:
    """Per storage (and pattern), what to ship by decide's criteria against that storage's sync (as ``run`` says it)."""
    return [recommendation(report.advice) for _, report in group_reports(sweep) if report.advice is not None]


def render_wide(sweep: SweepResults, width: int | None = None) -> list[RenderableType]:
    """``--wide``: per storage, ``run``'s two tables over every configuration (``width``: the terminal's)."""
    return [render_table(report, wide=True, title=f"{group}: every configuration", width=width)
            for group, report in group_reports(sweep)]  # fmt: skip


def render_markdown(analysis: SweepAnalysis) -> str:
    """``sweep.md``: the same verdicts and table."""
    front = _on_front(analysis)
    lines = ["# Sweep", "", *(f"- {verdict_line(v, analysis.sweep.thresholds, sweep_equality(analysis))}" for v in analysis.verdicts), ""]
    lines += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in _row(p, id(p) in front)) + " |" for p in analysis.points]
    lines += ["", *(f"- {line}" for line in recommendations(analysis.sweep))]
    lines += ["", "![Pareto front](pareto.png)", "", f"Thresholds: {thresholds_text(analysis.sweep.thresholds, sweep_equality(analysis))}.", ""]
    return "\n".join(lines)


def pareto_figure(analysis: SweepAnalysis) -> Figure:
    """One panel per storage: blocking (log) against time-to-EXIF p50 — or lag p99 for documents without
    time-to-EXIF — with lag p99 as the colour; the front joined and named."""
    groups = analysis.verdicts
    with_tte = all(p.time_to_exif_p50_ms is not None for p in analysis.points)
    fig = Figure(figsize=(6 * max(1, len(groups)), 4.8), layout="constrained")
    axes = fig.subplots(1, max(1, len(groups)), squeeze=False)[0]
    lags = [p.lag_p99_ms for p in analysis.points] or [0.0]

    def xy(p: Point) -> tuple[float, float]:
        return max(p.blocking_s * 1000, LOG_FLOOR_MS), (p.time_to_exif_p50_ms or 0.0) if with_tte else p.lag_p99_ms

    for ax, verdict in zip(axes, groups, strict=False):
        mine = [p for p in analysis.points if p.group == verdict.group]
        dots = ax.scatter([xy(p)[0] for p in mine], [xy(p)[1] for p in mine], c=[p.lag_p99_ms for p in mine], cmap="viridis",
                          vmin=min(lags), vmax=max(lags), s=60, edgecolors=["black" if p.equal else "red" for p in mine])  # fmt: skip
        front = sorted(verdict.front, key=lambda p: p.blocking_s)
        ax.plot([xy(p)[0] for p in front], [xy(p)[1] for p in front], color="grey", linestyle="--", linewidth=1)
        for i, p in enumerate(front):
            ax.annotate(p.label, xy(p), fontsize=7, xytext=(4, 4 + 9 * i), textcoords="offset points")
        ship = f"ship: {verdict.ship.label}" if verdict.ship else "nothing meets the thresholds"
        ax.set_title(f"{verdict.group} — {ship}", fontsize=9)
        ax.set_xscale("log")
        ax.set_xlabel("main-thread blocking per replay (ms, log)")
        ax.set_ylabel("time-to-EXIF p50 (ms)" if with_tte else "UI lag p99 (ms) — no time-to-EXIF in this document")
        fig.colorbar(dots, ax=ax, label="UI lag p99 (ms)")
    return fig


def write_sweep(analysis: SweepAnalysis, out_dir: Path) -> list[Path]:
    """``sweep.md`` and ``pareto.png``/``.svg`` into ``out_dir`` (made by the first write if missing)."""
    return [write_atomic(out_dir / "sweep.md", render_markdown(analysis)), *save_figure(pareto_figure(analysis), out_dir, "pareto")]
