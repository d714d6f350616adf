"""``exifbench datasets``: make and inspect image folders to replay on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from exifbench.reports import format as fmt
from exifbench.cli.console import say, show_skipped, user_errors
from exifbench.cli.options import Extensions
from exifbench.escape import shown

datasets_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Make and inspect image folders to replay on.")


@datasets_app.command("synth")
@user_errors
def synth(
    dst: Annotated[Path, typer.Argument(metavar="DST", help="Folder to write the synthetic JPEGs into.")],
    count: Annotated[int, typer.Option(min=1, help="Number of images.")] = 591,
    seed: Annotated[int, typer.Option(help="Same seed, byte-identical files.")] = 0,
) -> None:
    """Write COUNT deterministic JPEGs with realistic EXIF (GPS, MakerNote, thumbnails on some)."""
    from exifbench.datasets.synth import synthesize

    files = synthesize(dst, count, seed)
    say(f"wrote {len(files)} synthetic images to {shown(dst)} (seed {seed})")


@datasets_app.command("expand")
@user_errors
def expand(
    src: Annotated[Path, typer.Argument(metavar="SRC", help="A real image folder (scanned recursively).")],
    dst: Annotated[Path, typer.Argument(metavar="DST", help="New folder for the copies.")],
    count: Annotated[int, typer.Option(min=1, help="Exactly this many distinct files.")] = 591,
    extensions: Extensions = None,
    force: Annotated[bool, typer.Option(help="Replace a previous expansion in DST.")] = False,
) -> None:
    """Copy a smaller real folder into COUNT distinct files (real copies, with a manifest)."""
    from exifbench.datasets.expand import MANIFEST_NAME, expand as expand_folder

    manifest = expand_folder(src, dst, count, extensions, force=force)
    say(f"wrote {manifest.count} files to {shown(dst)}; manifest {shown(dst / MANIFEST_NAME)}")


@datasets_app.command("scan")
@user_errors
def scan(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="Image folder.")],
    extensions: Extensions = None,
) -> None:
    """List what a run would replay on: image count by extension and skipped entries."""
    from collections import Counter

    from exifbench.datasets.folder import scan as scan_folder

    images = scan_folder(folder, extensions)
    by_ext = Counter(name.rsplit(".", 1)[-1].lower() for name in images.files)
    say(f"{fmt.count(len(images.files), 'image')} in {shown(images.root)}: " + ", ".join(f"{n} {e}" for e, n in sorted(by_ext.items())))
    show_skipped(images.skipped)
