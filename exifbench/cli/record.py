"""``exifbench record``: run your app, unedited, with its EXIF function recorded into a pattern for ``run --pattern``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.cli.console import err_console, say, user_errors
from exifbench.escape import shown
from exifbench.files import check_writable
from exifbench.harness.record_app import record_app
from exifbench.reports import format as fmt


@user_errors
def record(
    command: Annotated[list[str], typer.Argument(metavar="-- COMMAND...", help="The app's command line, after --.")],
    call: Annotated[str, typer.Option("--call", help="The function the app reads EXIF with: module:function or module:Class.method.")],
    path_arg: Annotated[str, typer.Option("--path-arg", help="Which argument names the file: N (position, self not counted), "
                                          "NAME, or either followed by .attr (self.path, image.filename).")] = "0",  # fmt: skip
    blocking_arg: Annotated[Optional[str], typer.Option("--blocking-arg", help="The argument whose truth is the call's blocking "
                                                        "flag, as --path-arg [default: every call non-blocking].")] = None,  # fmt: skip
    blocking: Annotated[bool, typer.Option("--blocking", help="Every call is blocking: the app uses each answer at once "
                                           "(a batch job, a sort by date).")] = False,  # fmt: skip
    out: Annotated[Path, typer.Option("--out", help="The pattern file to write.")] = Path("trace.json"),
    root: Annotated[Optional[Path], typer.Option("--root", help="The dataset folder the pattern's paths are relative to "
                                                 "[default: the folder holding every recorded file].")] = None,  # fmt: skip
    preload: Annotated[bool, typer.Option("--preload", help="Say in the pattern that the app pre-loads every file it asks "
                                          "for, in first-call order (what an app adopting a background loader does).")] = False,  # fmt: skip
    stop_after: Annotated[Optional[float], typer.Option("--stop-after", min=0, help="Stop the app (SIGTERM, as closing it) "
                                                        "after this many seconds; the calls made by then are kept.")] = None,  # fmt: skip
    force: Annotated[bool, typer.Option(help="Let --out replace an existing file.")] = False,
) -> None:
    """Run COMMAND with --call recorded (a sitecustomize hook on PYTHONPATH: no edit to the app), and write the calls
    as a pattern: each one's file, the time since the call before it ended, its thread and its blocking flag.

    Then: exifbench run --pattern trace.json -s sync,threadpool DIR. Exit codes: 0 recorded and the app exited 0
    (or was stopped by --stop-after); 1 the app failed (the trace of its calls is still written); 2 bad input or
    no call recorded.
    """
    check_writable(out, force)
    done = record_app(command, call, out, path_arg, blocking_arg, root, preload, stop_after, blocking)
    for error in done.errors:
        say(f"[yellow]recording:[/yellow] {shown(error)}", err_console)
    threads = ", ".join(f"{shown(name)} {fmt.count(n, 'call')} ({fmt.duration(done.call_ms[name] / 1000)} inside)" for name, n in done.threads.items())
    say(f"recorded {fmt.count(done.calls, 'call')} of {shown(call)} on {fmt.count(done.files, 'file')}: {threads}")
    say(f"pattern written to {shown(out)}; replay it: exifbench run --pattern {shown(str(out))} -s sync,threadpool DIR")
    if done.stopped:
        say(f"the app was stopped after {stop_after:g} s (--stop-after)")
    elif done.app_exit != 0:
        say(f"[red]exit 1:[/red] the app exited with code {done.app_exit}; the trace holds the calls it made before", err_console)
        raise typer.Exit(1)
