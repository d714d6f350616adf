"""The console renderer: the comparison as rich tables that fit the terminal (80 columns and up).

Strategy names are never cut; other cells wrap when the terminal is narrow.
"""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table

from exifbench.analysis.report import RunReport
from exifbench.escape import shown
from exifbench.renderers.comparison import (
    CONVENTION, DETAIL_HEADERS, DETAIL_NUMERIC, EQUALITY_COLUMN, MAIN_HEADERS, MAIN_NUMERIC, detail_rows, main_rows,
)  # fmt: skip


def _table(title: str, headers: tuple[str, ...], rows: list[list[str]], numeric: frozenset[int],
           caption: str | None = None) -> Table:  # fmt: skip
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left",
                  caption_justify="left")  # fmt: skip
    name_width = max([len(row[0]) for row in rows] + [len(headers[0])])
    table.add_column(headers[0], no_wrap=True, min_width=name_width)
    for i, header in enumerate(headers[1:], start=1):
        table.add_column(header.replace(" ", "\n"), justify="right" if i in numeric else "left", overflow="fold")
    return table


def render_table(report: RunReport, wide: bool = False, title: str = "Main-thread blocking per strategy") -> Group:
    """The main table (strategy, blocking, vs sync, placeholders, frames missed, EXIF equality) with the
    convention as its caption; with ``wide``, the details table under it."""
    rows = main_rows(report)
    main = _table(title, MAIN_HEADERS, rows, MAIN_NUMERIC, CONVENTION)
    for summary, row in zip(report.summaries, rows, strict=True):
        cells = [shown(cell) for cell in row]
        colour = "green" if summary.equal else "red"
        cells[EQUALITY_COLUMN] = f"[{colour}]{cells[EQUALITY_COLUMN]}[/{colour}]"
        main.add_row(*cells)
    if not wide:
        return Group(main)
    details = detail_rows(report)
    more = _table("Details (per call: ms; change: blocking vs sync)", DETAIL_HEADERS, details, DETAIL_NUMERIC)
    for row in details:
        more.add_row(*map(shown, row))
    return Group(main, more)
