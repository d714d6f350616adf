"""The ``exifbench`` command line: parse options, call the library, render the result."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from exifbench.datasets.folder import scan
from exifbench.datasets.storage import StorageModel
from exifbench.errors import ExifbenchError
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness.pattern import load_pattern
from exifbench.harness.replay import NOT_READY_POLICIES
from exifbench.harness.result import RunSet
from exifbench.reports.table import render_table
from exifbench.strategies import expand_names, resolve

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
console = Console(width=None if Console().is_terminal else 150)
err_console = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 150)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one red line and give the exit to raise."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def graceful_stop() -> Iterator[threading.Event]:
    """SIGINT/SIGTERM set an event the harness checks between calls; a second Ctrl-C aborts."""
    stop = threading.Event()

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        err_console.print(f"[yellow]{signal.Signals(signum).name}: stopping, keeping what was measured…[/yellow]")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@app.command()
def run(
    folder: Annotated[Optional[Path], typer.Argument(help="Image folder (default: the embedded 591-image dataset).")] = None,
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="sync, threadpool, lazy, process, all, a comma list, or module:Class.")] = "all",
    workers: Annotated[int, typer.Option(min=1, help="Worker threads/processes per pool.")] = 4,
    pattern: Annotated[Optional[str], typer.Option(help="Built-in pattern name or pattern JSON file.")] = None,
    on_not_ready: Annotated[str, typer.Option(help="What the caller does with None: defaults, wait or defer.")] = "defaults",
    repeat: Annotated[int, typer.Option(min=1, help="Runs per strategy, interleaved A B C A B C.")] = 1,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the result document here.")] = None,
    io_latency: Annotated[Optional[float], typer.Option(min=0, help="Storage model: ms added per storage read (default 23 on the embedded dataset, else 0).")] = None,
    io_jitter: Annotated[float, typer.Option(min=0, help="Storage model: ± ms of deterministic jitter per file.")] = 0.0,
    cold: Annotated[bool, typer.Option(help="Evict the dataset from the page cache before each run (best effort).")] = False,
    extractor: Annotated[str, typer.Option(help="EXIF extraction: pillow (the original) or fastpath.")] = "pillow",
    extensions: Annotated[Optional[str], typer.Option(help="Comma list of file extensions to scan.")] = None,
    lru_size: Annotated[Optional[int], typer.Option(min=1, help="LRU cache size for the lazy strategy.")] = None,
) -> None:
    """Replay the access pattern against each strategy and measure main-thread blocking."""
    try:
        names = expand_names(strategy)
        for name in names:
            resolve(name)
        if on_not_ready not in NOT_READY_POLICIES:
            raise ExifbenchError(f"--on-not-ready must be one of {', '.join(NOT_READY_POLICIES)}")
        if folder is None:
            from exifbench.datasets.embedded import DEFAULT_IO_LATENCY_MS, default_dataset

            with console.status("preparing the embedded dataset…"):
                folder = default_dataset()
            latency = DEFAULT_IO_LATENCY_MS if io_latency is None else io_latency
            console.print(f"Embedded dataset: 591 synthetic images in {folder}; storage model {latency:g} ms per read.")
        else:
            latency = io_latency or 0.0
        images = scan(folder, extensions)
        for skipped in images.skipped:
            err_console.print(f"[yellow]skipped[/yellow] {skipped.path}: {skipped.reason}", highlight=False)
        config = BenchConfig(
            strategies=names,
            workers=workers,
            repeat=repeat,
            on_not_ready=on_not_ready,
            storage=StorageModel(latency, io_jitter),
            extractor=extractor,
            cache_size=lru_size,
            cold=cold,
        )
        replay_pattern = load_pattern(pattern)
        total = len(replay_pattern.calls) * len(names) * repeat
        progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=console, transient=True)  # fmt: skip
        with graceful_stop() as stop, progress:
            task = progress.add_task("replaying", total=total)
            done: dict[tuple[str, int], int] = {}

            def on_progress(name: str, rep: int, calls: int) -> None:
                done[(name, rep)] = calls
                if calls % 24 == 0:
                    progress.update(task, completed=sum(done.values()), description=f"{name} #{rep + 1}")

            runs = run_bench(config, images, replay_pattern, on_progress, stop, str(folder))
    except ExifbenchError as exc:
        raise fail(str(exc)) from None
    show_runs(runs, json_path)


def show_runs(runs: RunSet, json_path: Path | None) -> None:
    """Print the table, errors and mismatches; save the document if asked."""
    console.print(render_table(runs))
    for run in runs.runs:
        for error in run.errors[:20] if run.repeat == 0 else []:
            err_console.print(f"[yellow]{run.strategy}[/yellow] {error['path']}: {error['error']}", highlight=False)
        for mismatch in run.equality["mismatches"][:10]:
            console.print(f"[red]mismatch[/red] {run.strategy} {mismatch['path']} {mismatch['tag']}: "
                          f"expected {mismatch['expected']}, got {mismatch['actual']}", highlight=False)  # fmt: skip
    if not runs.complete:
        err_console.print("[yellow]interrupted: results are incomplete (complete: false)[/yellow]")
    if json_path is not None:
        runs.save(json_path)
        console.print(f"results written to {json_path}")


def main() -> None:
    app()


@app.command()
def strategies() -> None:
    """List the built-in strategies (any class can also be named as module:Class)."""
    from exifbench.strategies import BUILTIN

    for name, cls in BUILTIN.items():
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        console.print(f"[bold]{name:<11}[/bold] {doc}", highlight=False)
