"""``exifbench cache``: what the ``persistent`` strategy's metadata database holds, and removing it."""

from __future__ import annotations

from pathlib import Path

import typer

from exifbench.cli.console import say, user_errors
from exifbench.cli.options import CacheDir
from exifbench.escape import shown
from exifbench.strategies.store import CacheInfo, clear, database_path, inspect

cache_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="The persistent strategy's metadata cache: show it, clear it.")


def held(info: CacheInfo) -> str:
    """``N rows (reader: n, ...), S KiB``, or why the rows could not be counted."""
    kib = f"{info.size_bytes / 1024:,.1f} KiB"
    if info.problem is not None:
        return f"{kib}, {info.problem}"
    readers = ", ".join(f"{reader}: {rows:,}" for reader, rows in info.rows.items())
    return f"{sum(info.rows.values()):,} rows{f' ({readers})' if readers else ''}, {kib}"


def report_cache(path: Path, found: CacheInfo | None, verb: str = "", absent: str = "") -> None:
    """One line: ``[verb ]path: what it holds``, or that there is no database there."""
    text = f"{verb}{path}: {held(found)}" if found is not None else f"{absent}no metadata cache at {path}"
    say(shown(text))


@cache_app.command("info")
@user_errors
def info(cache_dir: CacheDir = None) -> None:
    """Where the metadata database is and what it holds."""
    path = database_path(cache_dir)
    report_cache(path, inspect(path))


@cache_app.command("clear")
@user_errors
def clear_cache(cache_dir: CacheDir = None) -> None:
    """Delete the metadata database (and its WAL files); the next persistent run starts cold."""
    path = database_path(cache_dir)
    report_cache(path, clear(path), "removed ", "nothing to remove: ")
