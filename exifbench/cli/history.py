"""``exifbench history DIR``: each metric over the saved runs, with change points; a plot if asked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.cli.console import say, user_errors
from exifbench.cli.options import DEFAULT_HISTORY, Metrics, metric_names
from exifbench.reports.documents.history import load
from exifbench.escape import shown
from exifbench.files import write_atomic
from exifbench.reports.renderers.history import history_figure, history_text
from exifbench.reports.renderers.plots import figure_bytes


@user_errors
def history(
    directory: Annotated[Path, typer.Argument(help="The history directory (run --history DIR, or run --save).")] = DEFAULT_HISTORY,
    metric: Metrics = "all",
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Write the newest series' plot (PNG) here.")] = None,
) -> None:
    """List each metric over the saved runs of every series, with detected change points."""
    names = metric_names(metric)
    found = load(directory)
    for series in found:
        for line in history_text(series, names):
            say(shown(line))
    if plot is not None:
        write_atomic(plot, figure_bytes(history_figure(found[0], names), "png"))
        say(f"plot of series {found[0].key} written to {shown(plot)}")
