"""The ``exifbench`` command line: parse options, call one library function, render the result.

One module per command group; options shared by commands live in :mod:`exifbench.cli.options`,
consoles, user errors (one red line, exit code 2), progress and graceful stop in
:mod:`exifbench.cli.console`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from exifbench import __version__
from exifbench.cli import cache, datasets, decide, export, gate, history, peers, record, report, run, storage, strategies, sweep
from exifbench.cli.console import fit_to_terminal

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    help="Measure how a photo app should load EXIF: replay its access pattern against interchangeable loaders.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def show_version(value: bool) -> None:
    """``--version``: print it and stop."""
    if value:
        print(f"exifbench {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=show_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Options that come before the command (the app's help text is given to ``typer.Typer``); the consoles are
    sized for this invocation."""
    fit_to_terminal()


app.command()(run.run)
app.command()(strategies.strategies)
app.command()(sweep.sweep)
app.command()(gate.gate)
app.command()(decide.decide)
app.command()(report.report)
app.command()(export.export)
app.command(context_settings={"ignore_unknown_options": True})(record.record)
app.command()(history.history)
app.add_typer(datasets.datasets_app, name="datasets")
app.add_typer(storage.storage_app, name="storage")
app.add_typer(cache.cache_app, name="cache")
app.command()(peers.peers)

__all__ = ["app"]
