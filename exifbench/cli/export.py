"""``exifbench export``: a saved run set's metrics for a team's own benchmark CI (github-action-benchmark,
pytest-benchmark, CSV)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.cli.console import err_console, say, user_errors
from exifbench.errors import ExifbenchError
from exifbench.escape import shown
from exifbench.files import check_writable, write_atomic
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.renderers.export import FORMATS, export as render, unmeasured


@user_errors
def export(
    results: Annotated[Path, typer.Argument(metavar="FILE", help="A saved run set: run --json, or results.json from run --out.")],
    form: Annotated[str, typer.Option("--format", help="github-action-benchmark (its customSmallerIsBetter JSON list), "
                                      "pytest-benchmark (a JSON document pytest-benchmark compare loads) or csv.")],  # fmt: skip
    out: Annotated[Optional[Path], typer.Option("--out", help="Write here instead of to standard output.")] = None,
    force: Annotated[bool, typer.Option(help="Let --out replace an existing file.")] = False,
) -> None:
    """Every strategy's gate metrics (blocking, frames, time-to-EXIF, I/O counts...) in another tool's format.

    One entry per strategy and metric, named 'STRATEGY: METRIC'; smaller is better for every one. A metric no run
    measured is left out and named on standard error. Exit codes: 0 written; 2 bad input (not a run set, an
    incomplete one, an unknown format).
    """
    if form not in FORMATS:
        raise ExifbenchError(f"--format {form!r}: choose from {', '.join(FORMATS)}")
    if out is not None:
        check_writable(out, force)
    runs = RunSet.load(results)
    if not runs.complete or not runs.runs:
        failed = f" ({len(runs.failed)} strategy failure(s))" if runs.failed else ""
        raise ExifbenchError(f"{results}: the run set is incomplete{failed}: its figures are not exported")
    text = render(runs, form)
    for name in unmeasured(runs):
        say(f"[dim]not exported: {shown(name)}[/dim]", err_console)
    unequal = [strategy for strategy in runs.strategies if not all(run.equal for run in runs.of(strategy))]
    if unequal:
        say(f"[yellow]note:[/yellow] {shown(', '.join(unequal))} did not return the expected EXIF in this run set", err_console)
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    write_atomic(out, text if text.endswith("\n") else text + "\n", force=force)
    say(f"{shown(form)} written to {shown(out)}", err_console)

