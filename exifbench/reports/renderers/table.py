"""The console renderer: the comparison as rich tables that fit the terminal (80 columns and up).

Strategy names are never cut; other cells wrap when the terminal is narrow, and a ``module:Class`` name too
long to leave the other columns their words whole is shown on two lines, broken after its colon. The details
table is split, its columns in order, into as many tables as the width needs to show every cell on one line.
"""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table

from exifbench.reports.analysis.metrics import StrategySummary
from exifbench.reports.analysis.report import RunReport
from exifbench.escape import shown
from exifbench.reports.renderers.comparison import (
    CONVENTION, DETAIL_HEADERS, DETAIL_NUMERIC, EQUALITY_COLUMN, MAIN_HEADERS, MAIN_NUMERIC, detail_rows, main_rows,
)  # fmt: skip


def _table(title: str, headers: tuple[str, ...], rows: list[list[str]], numeric: frozenset[int],
           caption: str | None = None, colours: list[str] | None = None, break_names: bool = False,
           widths: list[int] | None = None) -> Table:  # fmt: skip
    names = [shown(row[0]).replace(":", ":\n", 1) if break_names else shown(row[0]) for row in rows]
    table = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left",
                  caption_justify="left", collapse_padding=True)  # fmt: skip
    name_width = max(len(line) for cell in [headers[0], *names] for line in cell.split("\n"))
    table.add_column(headers[0], no_wrap=True, min_width=name_width)
    for i, header in enumerate(headers[1:], start=1):
        table.add_column(header, justify="right" if i in numeric else "left", overflow="fold",
                         width=widths[i - 1] if widths else None)  # fmt: skip
    for n, row in enumerate(rows):
        cells = [names[n], *map(shown, row[1:])]
        if colours is not None:
            cells[EQUALITY_COLUMN] = f"[{colours[n]}]{cells[EQUALITY_COLUMN]}[/{colours[n]}]"
        table.add_row(*cells)
    return table


def _measure(table: Table) -> Measurement:
    unbounded = Console(width=10_000)  # a table measures no wider than its console
    return Measurement.get(unbounded, unbounded.options, table)


def _column_groups(width: int | None, headers: tuple[str, ...], rows: list[list[str]]) -> list[list[int]]:
    """The columns after the first, in order, split into groups that fit ``width`` beside the first column."""
    groups: list[list[int]] = [[]]
    for i in range(1, len(headers)):
        trial = [0, *groups[-1], i]
        table = _table("", tuple(headers[k] for k in trial), [[row[k] for k in trial] for row in rows], frozenset())
        if width is not None and groups[-1] and _measure(table).maximum > width:
            groups.append([])
        groups[-1].append(i)
    return groups


def _fitted(width: int | None, title: str, headers: tuple[str, ...], rows: list[list[str]], numeric: frozenset[int],
            caption: str | None = None, colours: list[str] | None = None) -> Table:  # fmt: skip
    """The table within ``width``: cells wrap between words, never inside one (a column gets at least its longest
    word; the room left goes to the columns that lack most); ``module:Class`` names break after the colon when
    the words would not fit otherwise."""
    table = _table(title, headers, rows, numeric, caption, colours)
    measured = _measure(table)
    if width is None or measured.maximum <= width:
        return table
    break_names = measured.minimum > width
    if break_names:
        table = _table(title, headers, rows, numeric, caption, colours, break_names=True)
        measured = _measure(table)
    columns = [[header, *(row[i] for row in rows)] for i, header in enumerate(headers)][1:]
    shortest = [max(len(word) for text in column for word in text.split()) for column in columns]
    cells = [max(len(text) for text in column[1:]) if column[1:] else 0 for column in columns]
    widths = list(shortest)
    room = width - (measured.minimum - sum(shortest))
    if sum(shortest) > room:  # too narrow for whole words: rich folds them, within the width
        return table
    for natural in ([max(w, c) for w, c in zip(shortest, cells)], [max(c, len(column[0])) for c, column in zip(cells, columns)]):
        while sum(widths) < room and any(w < n for w, n in zip(widths, natural)):  # the cells whole first, then the headers
            lacking = max(range(len(widths)), key=lambda i: natural[i] - widths[i])
            widths[lacking] += 1
    return _table(title, headers, rows, numeric, caption, colours, break_names, widths)


def equality_colour(s: StrategySummary) -> str:
    """Green when equal, red when not, yellow when nothing was compared or nothing there to compare."""
    return "yellow" if s.equality.off or s.checks_nothing else "green" if s.equal else "red"


def render_table(report: RunReport, wide: bool = False, title: str = "Main-thread blocking per strategy",
                 width: int | None = None) -> Group:  # fmt: skip
    """The main table (strategy, blocking, vs sync, placeholders, time to EXIF p90, frames missed, EXIF equality) with the
    convention as its caption; with ``wide``, the details table under it. ``width``: the terminal's, to fit."""
    colours = [equality_colour(summary) for summary in report.summaries]
    main = _fitted(width, title, MAIN_HEADERS, main_rows(report), MAIN_NUMERIC, CONVENTION, colours)
    if not wide:
        return Group(main)
    details = detail_rows(report)
    tables = [main]
    for n, group in enumerate(_column_groups(width, DETAIL_HEADERS, details)):
        picked = [0, *group]
        title = "Details (per call: ms; change: blocking vs sync)" if n == 0 else "Details, continued"
        tables.append(_fitted(width, title, tuple(DETAIL_HEADERS[i] for i in picked), [[row[i] for i in picked] for row in details],
                              frozenset(k for k, i in enumerate(picked) if i in DETAIL_NUMERIC)))  # fmt: skip
    return Group(*tables)
