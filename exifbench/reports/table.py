"""The console renderer: one rich table row per strategy."""

from __future__ import annotations

from rich.table import Table

from exifbench.harness.result import RunSet
from exifbench.reports.summary import Spread, StrategySummary, summarize


def _spread_s(spread: Spread, repeats: int) -> str:
    text = f"{spread.median:.3f} s"
    return text if repeats < 2 else f"{text} [{spread.low:.3f}–{spread.high:.3f}]"


def _ratio(summary: StrategySummary) -> str:
    ratio = summary.ratio_to_sync
    if ratio is None:
        return "—"
    if summary.repeats < 2:
        return f"{ratio.value:.3f}×"
    return f"{ratio.value:.3f}× [{ratio.low:.3f}–{ratio.high:.3f}]"


def _equality(summary: StrategySummary) -> str:
    if summary.equal:
        return f"[green]equal {summary.checked}/{summary.checked}[/green]"
    return f"[red]{summary.mismatches} tags differ[/red]"


def render_table(runs: RunSet, title: str = "Main-thread blocking per strategy") -> Table:
    """Calls, total blocking (median [range] over repeats), per-call percentiles, not-ready, background,
    UI tick lag and dropped frames, equality, errors."""
    table = Table(title=title)
    for column in ("strategy", "calls", "blocking total", "vs sync", "p50 ms", "p99 ms", "max ms",
                   "not ready", "background", "UI lag p99", "dropped frames", "equality", "errors"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("strategy", "equality") else "right")
    for s in summarize(runs):
        name = s.strategy if s.complete else f"{s.strategy} (incomplete)"
        table.add_row(
            name,
            str(s.calls),
            _spread_s(s.blocking_s, s.repeats),
            _ratio(s),
            f"{s.p50_ms:.3f}",
            f"{s.p99_ms:.3f}",
            f"{s.max_ms:.3f}",
            f"{s.not_ready.median:.0f}",
            _spread_s(s.background_s, s.repeats),
            f"{s.lag_p99_ms:.2f} ms",
            f"{s.frames_over_budget:.0f}",
            _equality(s),
            str(s.errors),
        )
    return table
