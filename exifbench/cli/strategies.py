"""``exifbench strategies``: the built-in loaders, one line each, and how to name your own."""

from __future__ import annotations

import re

from rich.table import Table

from exifbench.cli.console import console
from exifbench.escape import shown


def strategies() -> None:
    """List the built-in strategies, what -s all runs, and how to name your own class (module:Class)."""
    from exifbench.strategies import BUILTIN, expand_names

    listing = Table.grid(padding=(0, 2))  # descriptions wrap beside the names
    listing.add_column(style="bold", no_wrap=True)
    listing.add_column()
    for name, cls in BUILTIN.items():
        listing.add_row(name, shown(plain(first_line(cls.__doc__))))
    listing.add_row("all", f"{', '.join(expand_names('all'))}, in that order")
    listing.add_row("module:Class", "your own loader class, e.g. -s exifbench.examples.my_loader:PrefetchingLoader (it must "
                                    "implement every method of the loader protocol; see the README)")  # fmt: skip
    console.print(listing, highlight=False)


def first_line(doc: str | None) -> str:
    """The summary line of a docstring."""
    return (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""


def plain(text: str) -> str:
    """Docstring markup (``code``, :class:`Name`) as plain text."""
    return re.sub(r"(?::\w+:)?`{1,2}([^`]+)`{1,2}", r"\1", text)
