"""Options shared by several commands, each defined once as an ``Annotated`` alias."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

Folder = Annotated[
    Optional[Path],
    typer.Argument(help="Image folder (default: the embedded 591-image dataset, 23 ms storage model).", show_default=False),
]
Workers = Annotated[int, typer.Option(min=1, help="Worker threads/processes per pool.")]
IoLatency = Annotated[
    Optional[float],
    typer.Option(min=0, help="Storage model: ms added per storage read (default 23 on the embedded dataset, else 0)."),
]
Extensions = Annotated[Optional[str], typer.Option(help="Comma list of file extensions to scan.")]
PatternName = Annotated[Optional[str], typer.Option("--pattern", help="Built-in pattern name (startup-593) or pattern JSON file.")]
JsonOut = Annotated[Optional[Path], typer.Option("--json", help="Write the result document (JSON) here.")]
