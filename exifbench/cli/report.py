"""``exifbench report``: re-render any saved document (results, gate verdict, decision, peers) without re-running."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from exifbench.reports import format as fmt
from exifbench.cli.console import console, say, user_errors
from exifbench.reports.documents.runs import RunSet
from exifbench.escape import shown


@user_errors
def report(
    results: Annotated[Path, typer.Argument(metavar="FILE", help="A saved document: results (run --json, results.json from run --out), a gate verdict (gate --verdict-json), a decision (decide --json), a peers report (peers --json) or a sweep (sweep.json from sweep --out).")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the files: plots, report.html and summary.md; verdict.md and verdict.html; decision.md and each phase's reports; peers.md; or sweep.md and pareto.png.")],
    wide: Annotated[bool, typer.Option("--wide", help="Run sets and sweeps: also print the details tables, as run --wide and sweep --wide do.")] = False,
) -> None:
    """Re-render any saved document without re-running, and print what the command that made it printed: a run
    set's table and verdict, a gate verdict, a decision, a peers report or a sweep's answer and table.

    Profiles cannot be regenerated: profile files found beside FILE are copied into --out and linked.
    """
    from exifbench.reports.documents import load
    from exifbench.reports.renderers.render import render_document

    document = load(results)
    written, view = render_document(document, out, beside=results.parent, wide=wide, width=console.width)
    console.print(view, highlight=False)
    opening = f"; open {shown(out / 'report.html')}" if isinstance(document, RunSet) else ""
    say(f"{fmt.count(len(written), 'file')} written to {shown(out)}{opening}")
