"""``exifbench peers``: other EXIF readers side by side on the same files; the report is a document."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from exifbench.cli.console import console, dataset_for, say, show_dataset, user_errors
from exifbench.cli.options import Extensions, Folder, Force, JsonOut
from exifbench.datasets.storage.model import StorageChoice
from exifbench.escape import shown
from exifbench.files import check_writable


@user_errors
def peers(
    folder: Folder = None,
    repeats: Annotated[int, typer.Option(min=1, help="Timed rounds over the files.")] = 3,
    storage: Annotated[Optional[str], typer.Option("--storage", help="Storage profile the tools read through, on a FUSE mount (see exifbench storage profiles) [default: local].")] = None,
    extensions: Extensions = None,
    json_path: JsonOut = None,
    force: Force = False,
) -> None:
    """Pillow, the fast path, exifread and exiftool (-stay_open) on the same files, throughput first.

    The in-process tools are interleaved per file; exiftool is timed in its own block after them.
    """
    from exifbench.reports.renderers.peers import render_console
    from exifbench.harness.peers import measure_dataset

    if json_path is not None:
        check_writable(json_path, force)
    dataset = dataset_for(folder, StorageChoice(storage or "local"), extensions)
    show_dataset(dataset)
    with console.status(f"reading {len(dataset.folder.files)} files with every tool, {repeats} rounds…"):
        report = measure_dataset(dataset, repeats)
    console.print(render_console(report))
    if json_path is not None:
        report.save(json_path, force)
        say(f"peers report written to {shown(json_path)}")
