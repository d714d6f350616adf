"""``exifbench strategies``: the built-in loaders, one line each."""

from __future__ import annotations

from exifbench.cli.console import console
from exifbench.escape import shown


def strategies() -> None:
    """List the built-in strategies (any class can also be named as module:Class)."""
    from exifbench.strategies import BUILTIN

    for name, cls in BUILTIN.items():
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        console.print(f"[bold]{name:<11}[/bold] {shown(doc)}", highlight=False)
