"""The console renderer: the comparison table as a rich table, equality in colour."""

from __future__ import annotations

from rich.table import Table

from exifbench.analysis.report import RunReport
from exifbench.escape import shown
from exifbench.renderers.comparison import (
    EQUALITY_COLUMN, IO_HEADERS, NUMERIC_COLUMNS, TABLE_HEADERS, io_cells, summary_row,
)  # fmt: skip


def render_table(report: RunReport, title: str = "Main-thread blocking per strategy", wide: bool = False) -> Table:
    """Calls, total blocking (median [range] over repeats), ratio to sync, per-call percentiles,
    not-ready, background completion, UI tick lag and dropped frames, equality, errors;
    ``wide`` adds the storage daemon's I/O counts (opens, read requests, bytes)."""
    table = Table(title=title)
    for i, header in enumerate(TABLE_HEADERS):
        table.add_column(header, justify="right" if i in NUMERIC_COLUMNS else "left")
    for header in IO_HEADERS if wide else ():
        table.add_column(header, justify="right")
    for summary in report.summaries:
        cells = [shown(cell) for cell in summary_row(summary)]
        colour = "green" if summary.equal else "red"
        cells[EQUALITY_COLUMN] = f"[{colour}]{cells[EQUALITY_COLUMN]}[/{colour}]"
        table.add_row(*cells, *(io_cells(summary) if wide else []))
    return table
