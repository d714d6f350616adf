"""Options shared by several commands, each defined once as an ``Annotated`` alias."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.dataset.storage import StorageChoice

Folder = Annotated[
    Optional[Path],
    typer.Argument(metavar="DIR", help="Image folder (default: the embedded 591-image dataset, 23 ms storage model).", show_default=False),
]
Workers = Annotated[int, typer.Option(min=1, help="Worker threads/processes per pool.")]
StorageProfile = Annotated[
    Optional[str],
    typer.Option("--storage", help="Storage profile: local, original, hdd, nfs, smb, sdcard, usb2 (see exifbench storage profiles) "
                 "[default: original on the embedded dataset, else local]."),
]  # fmt: skip
IoLatency = Annotated[
    Optional[float],
    typer.Option(min=0, help="Storage: ms per open, request or seek, as the profile charges it (original: 23 per file open)."),
]
IoConcurrency = Annotated[Optional[int], typer.Option(min=1, help="Storage: requests served at once (queue depth).")]
IoBandwidth = Annotated[Optional[float], typer.Option(min=0, help="Storage: transfer rate in MB/s (0: unlimited).")]
IoJitter = Annotated[Optional[float], typer.Option(min=0, help="Storage: ± ms of deterministic jitter per request.")]
IoCache = Annotated[bool, typer.Option("--io-cache", help="Storage: let the OS page cache serve re-reads (off: every read reaches the model).")]


def storage_choice(
    storage: str | None, latency: float | None, concurrency: int | None, bandwidth: float | None,
    jitter: float | None, cache: bool,
) -> StorageChoice:
    """The storage options of a command as one value."""
    return StorageChoice(storage, latency, concurrency, bandwidth, jitter, cache or None)  # fmt: skip
Extensions = Annotated[Optional[str], typer.Option(help="Comma list of file extensions to scan.")]
PatternName = Annotated[Optional[str], typer.Option("--pattern", help="Built-in pattern (startup-593, browse, group-by-date) or a pattern JSON file.")]
JsonOut = Annotated[Optional[Path], typer.Option("--json", help="Write the result document (JSON) here.")]
Ui = Annotated[
    str,
    typer.Option(
        "--ui",
        help="The main-thread loop the replay runs in: probe (the built-in frame loop), qt (a real QApplication "
        "showing the folder in a list view; needs exifbench[qt]; with --out, grabs of the view go into the report) "
        "or asyncio (an asyncio event loop).",
    ),
]
CacheSize = Annotated[
    Optional[int],
    typer.Option("--cache-size", "--lru-size", min=1, help="Cache entries for strategies with a bounded cache (lazy's LRU)."),
]
CacheEnabled = Annotated[
    Optional[bool],
    typer.Option("--cache/--no-cache", help="Switch the cache of strategies that have the switch (lazy) on or off.", show_default=False),
]
