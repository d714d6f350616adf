"""The one comparison table (console, HTML and Markdown draw the same rows) and its verdict sentences."""

from __future__ import annotations

from exifbench import format as fmt
from exifbench.analysis.metrics import StrategySummary
from exifbench.analysis.report import RunReport

TABLE_HEADERS = (
    "strategy", "repeats", "calls", "blocking total", "vs sync (95% CI)", "p50 ms", "p99 ms", "max ms",
    "not ready", "background", "UI lag p99", "dropped frames", "equality", "errors",
)  # fmt: skip
NUMERIC_COLUMNS = frozenset(i for i, h in enumerate(TABLE_HEADERS) if h not in ("strategy", "equality"))
"""Columns of :data:`TABLE_HEADERS` to right-align."""
EQUALITY_COLUMN = TABLE_HEADERS.index("equality")


IO_HEADERS = ("opens", "read requests", "bytes read")
"""Columns the console table adds with ``--wide``: what the storage daemon counted (median per run)."""


def io_cells(s: StrategySummary) -> list[str]:
    """One strategy's :data:`IO_HEADERS` cells ("—" when the run was not read through the mount)."""
    if s.io is None:
        return ["—"] * len(IO_HEADERS)
    return [f"{s.io['opens']:,.0f}", f"{s.io['reads']:,.0f}", f"{s.io['bytes']:,.0f}"]


def summary_row(s: StrategySummary) -> list[str]:
    """One strategy's row of the comparison table as plain strings (columns :data:`TABLE_HEADERS`)."""
    return [
        s.strategy + ("" if s.complete else " (incomplete)") + ("" if s.charged else " (not charged)"),
        str(s.repeats),
        str(s.calls),
        fmt.spread(s.blocking_s, s.repeats),
        fmt.ratio(s.ratio_to_sync, s.repeats) if s.ratio_to_sync else "—",
        f"{s.p50_ms:.3f}",
        f"{s.p99_ms:.3f}",
        f"{s.max_ms:.3f}",
        f"{s.not_ready.median:.0f}",
        fmt.spread(s.background_s, s.repeats),
        f"{s.lag_p99_ms:.2f} ms",
        f"{s.frames_over_budget:.0f}",
        f"equal ({s.checked} files)" if s.equal else f"{s.mismatches} mismatches",
        str(s.errors),
    ]


def table_rows(report: RunReport) -> list[list[str]]:
    """The comparison table, one :func:`summary_row` per strategy."""
    return [summary_row(s) for s in report.summaries]


def verdicts(report: RunReport) -> list[str]:
    """Plain sentences: the equality verdict, the error count, each strategy's blocking relative to the reference."""
    summaries, reference = report.summaries, report.reference
    unequal = [s for s in summaries if not s.equal]
    lines = [
        "Equality: every strategy returned exactly the original loader's dicts "
        f"({max((s.checked for s in summaries), default=0)} files)."
        if not unequal
        else "Equality: MISMATCHES in " + ", ".join(f"{s.strategy} ({s.mismatches} tags)" for s in unequal) + "."
    ]
    failed = {e["path"] for run in report.runs.runs for e in run.errors}
    lines.append(f"Errors: {len(failed)} file(s) failed to load (the loader returned {{}} for them).")
    for s in summaries:
        if not s.charged:
            lines.append(f"{s.strategy} was NOT charged the storage model: it reads files itself and FUSE was not "
                         "available, so its times are not comparable with the others'.")  # fmt: skip
    io_lines = [f"{s.strategy} {s.io['bytes'] / max(1.0, s.io['opens']):.0f} bytes in "
                f"{s.io['reads'] / max(1.0, s.io['opens']):.2g} read requests per open" for s in summaries if s.io]
    if io_lines:
        lines.append("I/O counted by the storage daemon: " + "; ".join(io_lines) + ".")
    ref = next((s for s in summaries if s.strategy == reference), None)
    for s in summaries:
        if ref is None or s.ratio_to_sync is None:
            continue
        interval = f" (95% CI {s.ratio_to_sync.low:.3g}–{s.ratio_to_sync.high:.3g})" if s.repeats > 1 else ""
        lines.append(
            f"{s.strategy} blocks the main thread {s.ratio_to_sync.value:.3g}× as long as {reference}{interval}: "
            f"{fmt.duration(s.blocking_s.median)} vs {fmt.duration(ref.blocking_s.median)} (medians)."
        )
    return lines
