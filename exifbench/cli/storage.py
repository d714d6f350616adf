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


CALIBRATION_FILES = 32
"""How many of the folder's files ``storage mount`` reads to measure the mount's own cost."""


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
    from exifbench.datasets.folder import scan
    from exifbench.datasets.storage.mount import mounted

    model = replace(storage, profile=storage.profile or "original").model(False)
    with graceful_stop() as stop, mounted(src, model, mnt) as handle:  # as in `run`: SIGINT or SIGTERM unmounts
        files = scan(src).files
        overhead = handle.calibrate(files[:: max(1, len(files) // CALIBRATION_FILES)][:CALIBRATION_FILES])
        calibrated = IoCounts.of(handle.counts())
        say(f"{shown(str(src))} mounted at {shown(str(mnt))} ({shown(model.describe())}; the mount's own "
            f"{overhead.median_us:g} µs per file read taken off); Ctrl-C unmounts")  # fmt: skip
        while not stop.wait(0.5):
            handle.check()
        counts = IoCounts.of(handle.counts()) - calibrated
    say(f"unmounted {shown(str(mnt))}: {counts.total('opens')} opens, {counts.total('reads')} read requests, "
        f"{counts.total('bytes')} bytes over {len(counts.files)} files", err_console)  # fmt: skip


@storage_app.command("measure")
@user_errors
def measure(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="The image folder whose storage to measure (read only).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the profile (TOML) that --storage FILE.toml replays.")] = Path("storage.toml"),
    sample: Annotated[int, typer.Option(min=2, help="Images read (spread over the folder).")] = 64,
    force: Annotated[bool, typer.Option(help="Replace an existing --out file.")] = False,
) -> None:
    """Measure DIR's storage cold: first-read latency, queue depth (concurrency 1 … 64) and bandwidth, into a profile.

    Each file is evicted from the page cache (posix_fadvise DONTNEED) before it is read; where that is not
    possible the profile and this command say so. Replay it with: exifbench run --storage PROFILE.toml DIR.
    """
    from exifbench.datasets.folder import scan
    from exifbench.datasets.storage.measure import measure as measure_storage, write_profile
    from exifbench.files import check_writable

    check_writable(out, force)
    found = scan(folder)
    with graceful_stop() as stop:
        result = measure_storage(str(folder), found.paths, sample, stop=stop, progress=lambda line: say(shown(line), err_console))
    if result.evicted == 0:
        say(f"[yellow]{shown(result.eviction)}[/yellow]", err_console)
    model = result.model(out.stem)
    write_profile(result, out, out.stem)
    depth = f"queue depth {model.concurrency}" if model.concurrency else "no queue limit up to 64"
    say(f"{shown(str(folder))}: first read {model.latency_ms:.3g} ms median over {result.files} files, {depth}, "
        f"{model.bandwidth_mb_s:,.0f} MB/s; profile written to {shown(str(out))} — replay it: exifbench run --storage "
        f"{shown(str(out))} {shown(str(folder))}")  # fmt: skip
