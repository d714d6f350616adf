"""``exifbench peers``: other EXIF readers side by side on the same files."""

from __future__ import annotations

from typing import Annotated

import typer

from exifbench.cli.console import console, dataset_for, user_errors
from exifbench.cli.options import Extensions, Folder, JsonOut
from exifbench.dataset.storage import StorageChoice
from exifbench.files import check_writable, write_atomic


@user_errors
def peers(
    folder: Folder = None,
    repeats: Annotated[int, typer.Option(min=1, help="Rounds over the files; tools interleaved per file.")] = 3,
    extensions: Extensions = None,
    json_path: JsonOut = None,
) -> None:
    """Pillow, the fast path, exifread and exiftool (-stay_open) side by side on the same files."""
    import json

    from exifbench.renderers.peers import render_table
    from exifbench.workflows.peers import measure_peers

    if json_path is not None:
        check_writable(json_path)
    dataset = dataset_for(folder, StorageChoice("local"), extensions)
    with console.status(f"reading {len(dataset.folder.files)} files with every tool, {repeats} rounds…"):
        report = measure_peers(dataset.folder.paths, repeats)
    console.print(render_table(report))
    if json_path is not None:
        write_atomic(json_path, json.dumps(report.to_dict(), indent=1))
        console.print(f"peers report written to {json_path}")
