"""The ``exifbench`` command line: parse options, call one library function, render the result.

One module per command group; options shared by commands live in :mod:`exifbench.cli.options`,
consoles, user errors (one red line, exit code 2), progress and graceful stop in
:mod:`exifbench.cli.console`. A command's module is imported only when that command runs (or its
``-h`` is asked for): ``exifbench --version`` and ``exifbench -h`` import none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

from typer import _click as click  # typer 0.29 carries its own click: its types are the ones its groups use
import typer
from typer.core import TyperGroup

from exifbench import __version__

COMMANDS: dict[str, tuple[str, str, str]] = {
    "run": ("run", "run", "Replay the access pattern against each strategy and measure main-thread blocking."),
    "strategies": ("strategies", "strategies", "List the built-in strategies, what -s all runs, and how to name your own class (module:Class)."),
    "sweep": ("sweep", "sweep", "Replay every configuration of a matrix (strategy × workers × extractor × storage × pattern), interleaved; name the Pareto front (blocking, time-to-EXIF p50, lag p99) and what to ship on each storage."),
    "gate": ("gate", "gate", "Fail on a regression against the loader's own baseline, or any EXIF mismatch: exit 0 pass, 1 fail, 2 bad input."),
    "decide": ("decide", "decide", "Roll a candidate out in phases (small, then full) and decide ENABLE / HOLD / REJECT."),
    "report": ("report", "report", "Re-render any saved document without re-running, and print what the command that made it printed: a run set's table and verdict, a gate verdict, a decision, a peers report or a sweep's answer and table."),
    "export": ("export", "export", "Every strategy's gate metrics (blocking, frames, time-to-EXIF, I/O counts...) in another tool's format."),
    "record": ("record", "record", "Run COMMAND with --call recorded (a sitecustomize hook on PYTHONPATH: no edit to the app), and write the calls as a pattern: each one's file, the time since the call before it ended, its thread and its blocking flag."),
    "history": ("history", "history", "List each metric over the saved runs of every series, with detected change points."),
    "datasets": ("datasets", "datasets_app", "Make and inspect image folders to replay on."),
    "storage": ("storage", "storage_app", "Storage profiles and mounts."),
    "cache": ("cache", "cache_app", "The persistent strategy's metadata cache: show it, clear it."),
    "peers": ("peers", "peers", "Pillow, the fast path, exifread and exiftool (-stay_open) on the same files, throughput first."),
}
"""Every command: its module in :mod:`exifbench.cli`, the function or ``typer.Typer`` (a group) there, and the one-line help ``exifbench -h`` shows without importing it (a test keeps each
line equal to the command's own)."""


CONTEXT_SETTINGS: dict[str, dict[str, Any]] = {"record": {"ignore_unknown_options": True}}
"""Commands that parse differently: ``record`` passes the app's own options on after ``--``."""


def load_command(name: str) -> click.Command:
    """The click command ``name``, its module imported now."""
    module_name, attribute, _ = COMMANDS[name]
    found = getattr(importlib.import_module(f"exifbench.cli.{module_name}"), attribute)
    if isinstance(found, typer.Typer):
        group = typer.main.get_group(found)
        group.name = name
        return group
    single = typer.Typer(rich_markup_mode=None)
    single.command(name=name, context_settings=CONTEXT_SETTINGS.get(name))(found)
    return typer.main.get_command(single)


class LazyCommands(MutableMapping[str, click.Command]):
    """The group's commands by name, each loaded on first use (names and order known without importing)."""

    def __init__(self) -> None:
        self.loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in COMMANDS:
            raise KeyError(name)
        if name not in self.loaded:
            self.loaded[name] = load_command(name)
        return self.loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        raise TypeError("exifbench's commands are listed in exifbench.cli.COMMANDS")

    def __delitem__(self, name: str) -> None:
        raise TypeError("exifbench's commands are listed in exifbench.cli.COMMANDS")

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class LazyGroup(TyperGroup):
    """The top-level group: commands from :class:`LazyCommands`, their one-line help from :data:`COMMANDS`."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``-h``'s command list, no command imported."""
        with formatter.section("Commands"):
            limit = formatter.width - 6 - max(map(len, COMMANDS))
            formatter.write_dl([(name, click.utils.make_default_short_help(short, limit)) for name, (_, _, short) in COMMANDS.items()])


app = typer.Typer(
    cls=LazyGroup,
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
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Options that come before the command (the app's help text is given to ``typer.Typer``); the consoles are
    sized for this invocation."""
    from exifbench.cli.console import fit_to_terminal

    fit_to_terminal()


__all__ = ["COMMANDS", "app"]
