"""The ``exifbench`` command line: parse options, call one library function, render the result.

One module per command group; options shared by commands live in :mod:`exifbench.cli.options`,
consoles, user errors (one red line, exit code 2), progress and graceful stop in
:mod:`exifbench.cli.console`.
"""

from __future__ import annotations

import typer

from exifbench.cli import datasets, decide, gate, peers, report, run, storage, strategies

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    help="Measure how a photo app should load EXIF: replay its access pattern against interchangeable loaders.",
)
app.command()(run.run)
app.command()(strategies.strategies)
app.command()(gate.gate)
app.command()(decide.decide)
app.command()(report.report)
app.add_typer(datasets.datasets_app, name="datasets")
app.add_typer(storage.storage_app, name="storage")
app.command()(peers.peers)

__all__ = ["app"]
