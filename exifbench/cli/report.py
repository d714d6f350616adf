"""``exifbench report``: re-render a saved result document without re-running."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from exifbench.cli.console import console, user_errors
from exifbench.documents.runs import RunSet


@user_errors
def report(
    results: Annotated[Path, typer.Argument(help="A saved result document (run --json, or results.json from run --out).")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the plots, report.html and summary.md.")],
) -> None:
    """Re-render plots, report.html and summary.md from a saved result document, without re-running.

    Profiles cannot be regenerated: profile files found beside RESULTS are copied into --out and linked.
    """
    from exifbench.renderers.profile import copy_profiles
    from exifbench.renderers.render import check_out_dir, write_reports

    runs = RunSet.load(results)
    check_out_dir(out)
    copied = copy_profiles(runs, results.parent, out)
    written = write_reports(runs, out)
    console.print(f"{len(written) + len(copied)} files written to {out}; open {out / 'report.html'}", highlight=False)
