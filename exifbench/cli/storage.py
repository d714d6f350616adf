"""``exifbench storage``: the storage profiles, and a foreground mount to run a real app against."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from exifbench.cli.console import console, err_console, graceful_stop, say, user_errors
from exifbench.datasets.storage.model import StorageChoice
from exifbench.cli.options import with_storage_options
from exifbench.datasets.storage.io import IoCounts
from exifbench.datasets.storage.model import PROFILES
from exifbench.escape import shown

storage_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Storage profiles and mounts.")


@storage_app.command("profiles")
def profiles() -> None:
    """List the storage profiles: what each stands for, its figures, and where they come from."""
    table = Table(title="Storage profiles (--storage NAME)", show_lines=True)
    for header in ("profile", "figures", "stands for / sources"):
        table.add_column(header)
    for name, entry in PROFILES.items():
        described = "\n".join(shown(line) for line in [entry.stands_for, *(f"• {source}" for source in entry.sources)])
        table.add_row(name, shown(entry.model.describe()), described)
    console.print(table)


@storage_app.command("mount")
@user_errors
@with_storage_options
def mount(
    src: Annotated[Path, typer.Argument(metavar="SRC", help="The folder to serve.")],
    mnt: Annotated[Path, typer.Argument(metavar="MNT", help="An existing, empty directory to mount it on.")],
    storage: StorageChoice = StorageChoice(),
) -> None:
    """Mount SRC read-only at MNT through a storage profile, in the foreground; Ctrl-C unmounts.

    Point your own app at MNT to feel the storage you benchmarked. The opens, read requests and
    bytes the mount served are printed when it is unmounted.
    """
    from exifbench.datasets.storage.mount import mounted

    model = replace(storage, profile=storage.profile or "original").model(False)
    with graceful_stop() as stop, mounted(src, model, mnt) as handle:  # as in `run`: SIGINT or SIGTERM unmounts
        say(f"{shown(str(src))} mounted at {shown(str(mnt))} ({shown(model.describe())}); Ctrl-C unmounts")
        while not stop.wait(0.5):
            handle.check()
        counts = IoCounts.of(handle.counts())
    say(f"unmounted {shown(str(mnt))}: {counts.total('opens')} opens, {counts.total('reads')} read requests, "
        f"{counts.total('bytes')} bytes over {len(counts.files)} files", err_console)  # fmt: skip
