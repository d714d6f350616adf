"""Every renderer that draws files from a result document, and one call that runs them all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from exifbench.errors import ExifbenchError
from exifbench.documents.runs import RunSet
from exifbench.renderers.html import write_html
from exifbench.renderers.markdown import write_markdown
from exifbench.renderers.plots import write_plots

Renderer = Callable[[RunSet, Path], list[Path]]
"""``renderer(runs, out_dir)`` writes its files into ``out_dir`` and returns their paths."""

RENDERERS: tuple[Renderer, ...] = (write_plots, write_html, write_markdown)


def check_out_dir(out_dir: Path) -> Path:
    """``out_dir`` if it is a directory or can become one; check before a long run, not after."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExifbenchError(f"{out_dir}: --out must be a directory, not a file")
    return out_dir


def write_reports(runs: RunSet, out_dir: Path) -> list[Path]:
    """Run every renderer into ``out_dir`` (created if missing); profiles are written at run time, not here."""
    if not runs.runs:
        raise ExifbenchError(f"{out_dir}: nothing to report (the result document has no runs)")
    check_out_dir(out_dir)
    return [path for render in RENDERERS for path in render(runs, out_dir)]
