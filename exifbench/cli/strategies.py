"""``exifbench strategies``: the built-in loaders, one line each, and how to name your own."""

from __future__ import annotations

import re

from exifbench.cli.console import console
from exifbench.escape import shown


def strategies() -> None:
    """List the built-in strategies, what -s all runs, and how to name your own class (module:Class)."""
    from exifbench.strategies import BUILTIN, expand_names

    width = max(len(name) for name in [*BUILTIN, "module:Class"]) + 2
    for name, cls in BUILTIN.items():
        console.print(f"[bold]{name:<{width}}[/bold]{shown(plain(first_line(cls.__doc__)))}", highlight=False)
    console.print(f"[bold]{'all':<{width}}[/bold]{', '.join(expand_names('all'))}, in that order", highlight=False)
    console.print(f"[bold]{'module:Class':<{width}}[/bold]your own loader class, e.g. -s examples.my_loader:PrefetchingLoader "
                  "(it must implement every method of the loader protocol; see the README)", highlight=False)  # fmt: skip


def first_line(doc: str | None) -> str:
    """The summary line of a docstring."""
    return (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""


def plain(text: str) -> str:
    """Docstring markup (``code``, :class:`Name`) as plain text."""
    return re.sub(r"(?::\w+:)?`{1,2}([^`]+)`{1,2}", r"\1", text)
