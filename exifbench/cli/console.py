"""What every command shares: the consoles, user errors as one red line, progress, graceful stop."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import accumulate
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.cells import get_character_cell_size
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from exifbench.datasets import Dataset, open_dataset
from exifbench.datasets.folder import Skipped
from exifbench.datasets.storage.model import StorageChoice
from exifbench.errors import ExifbenchError
from exifbench.escape import shown
from exifbench.harness.leaks import HARD_STOP_MARK
from exifbench.datasets.patterns.pattern import Pattern

# Markup is ours only: every string from a file or a user goes through ``shown``; no :emoji: codes in file names.
console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

PIPE_WIDTH = 200
"""Columns for output to a pipe or file without $COLUMNS, so logs are not folded at 80."""


def fit_to_terminal() -> None:
    """Size both consoles for this invocation: the terminal's width (or $COLUMNS), else :data:`PIPE_WIDTH`."""
    for one, stderr in ((console, False), (err_console, True)):
        now = Console(stderr=stderr)  # reads the terminal and $COLUMNS as they are now
        one.width = now.width if now.is_terminal or os.environ.get("COLUMNS") else PIPE_WIDTH

Command = TypeVar("Command", bound=Callable[..., Any])


INDENT = "  "


def line_spans(plain: str, width: int, indent: int = len(INDENT)) -> list[tuple[int, int]]:
    """Where ``plain`` breaks into lines of at most ``width`` cells, the lines after the first ``indent`` cells
    narrower: at the last space that fits, unless the next word is too long for any line (a path), which is
    then folded where the line is full. Every character is kept except the spaces broken at."""
    cells = list(accumulate((get_character_cell_size(char) for char in plain), initial=0))
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        room = width if not spans else max(10, width - indent)
        if cells[-1] - cells[start] <= room:
            spans.append((start, len(plain)))
            return spans
        end = max(start + 1, bisect_right(cells, cells[start] + room) - 1)
        space = plain.rfind(" ", start + 1, end + 1)
        if space > start:
            word_end = plain.find(" ", space + 1)
            if cells[len(plain) if word_end < 0 else word_end] - cells[space + 1] <= max(10, width - indent):
                spans.append((start, space))
                start = space + 1
                continue
        spans.append((start, end))
        start = end


def say(markup: str, target: Console = console) -> None:
    """Print ``markup`` (ours; every string from a file or a user already :func:`shown`) within the terminal's
    width (or $COLUMNS): each line wrapped by :func:`line_spans`, its continuation lines indented — never cut, so
    every name stays whole. Output to a pipe or file without $COLUMNS keeps each record on one line."""
    sized = target.is_terminal or bool(os.environ.get("COLUMNS"))
    for line in Text.from_markup(markup, emoji=False).split("\n"):
        for i, (start, end) in enumerate(line_spans(line.plain, target.width if sized else len(line.plain) + 1)):
            target.print(Text(INDENT) + line[start:end] if i else line[start:end], highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one red error (wrapped to the terminal) and give the exit to raise."""
    say(f"[red]error:[/red] {shown(message)}", err_console)
    return typer.Exit(code)


def user_errors(command: Command) -> Command:
    """Turn an :class:`ExifbenchError` raised by ``command`` into one red line and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ExifbenchError as exc:
            raise fail(str(exc)) from None

    return wrapper  # type: ignore[return-value]


STOP_GRACE_S = 10.0
"""How long a stopped run may stay inside one call (a hung loader, a file that takes minutes) before it is interrupted."""

HARD_STOP = """
import os, select, signal, sys
parent, after_s, timeout_s, grace_s = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
if not select.select([sys.stdin], [], [], after_s)[0]:
    sys.stderr.write(f"exifbench: --timeout {timeout_s} s passed {grace_s} s ago and the run has not given up "
                     "the interpreter (a loader inside a C call that never returns): killed, nothing more written\\n")
    os.kill(parent, signal.SIGKILL)
"""
"""The watchdog process of a ``--timeout``: a run whose main thread holds the GIL (a C call that never returns)
cannot be stopped from inside, so after the timeout and twice :data:`STOP_GRACE_S` it is killed from outside,
unless the run closed the watchdog's stdin (it finished) first."""


def hard_stop(left_s: float, timeout_s: float) -> subprocess.Popen[bytes]:
    """Start the :data:`HARD_STOP` watchdog for a block that must end ``left_s`` from now (``--timeout timeout_s``);
    close its stdin when the block ends."""
    return subprocess.Popen([sys.executable, "-c", HARD_STOP, str(os.getpid()), str(left_s + 2 * STOP_GRACE_S), f"{timeout_s:g}",
                             f"{2 * STOP_GRACE_S:g}", HARD_STOP_MARK],
                            stdin=subprocess.PIPE, start_new_session=True)  # fmt: skip


@contextmanager
def graceful_stop(timeout_s: float | None = None, spent_s: float = 0.0) -> Iterator[threading.Event]:
    """SIGINT/SIGTERM (or ``timeout_s``, of which ``spent_s`` went before the block) set an event the harness checks
    between calls; a second Ctrl-C aborts.

    If the block is still running :data:`STOP_GRACE_S` after the stop (stuck inside one call), it is
    interrupted as by a second Ctrl-C, which the harness turns into "keep what was measured".
    """
    stop = threading.Event()
    finished = threading.Event()
    timed_out = threading.Event()

    def time_out() -> None:
        timed_out.set()
        stop.set()

    left_s = None if timeout_s is None else max(0.001, timeout_s - spent_s)
    timer = threading.Timer(left_s, time_out) if left_s is not None else None

    def handler(signum: int, frame: object) -> None:
        if finished.is_set():
            return
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        err_console.print(f"[yellow]{signal.Signals(signum).name}: stopping, keeping what was measured…[/yellow]")

    def watchdog() -> None:
        while not finished.is_set() and not stop.wait(0.1):
            pass
        if not finished.wait(STOP_GRACE_S):
            err_console.print(f"[yellow]still inside one call {STOP_GRACE_S:g} s after stopping: interrupting it[/yellow]")
            signal.pthread_kill(main, signal.SIGINT)  # a real signal: it also ends a blocking system call

    main = threading.get_ident()
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    threading.Thread(target=watchdog, name="exifbench-stop-watchdog", daemon=True).start()
    killer = hard_stop(left_s, timeout_s) if left_s is not None and timeout_s is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        yield stop
    finally:
        finished.set()
        if timer is not None:
            timer.cancel()
        if killer is not None and killer.stdin is not None:
            killer.stdin.close()  # the run ended: the watchdog exits (not waited for: its start can take a while)
        for sig, old in previous.items():
            signal.signal(sig, old)
    if timed_out.is_set():
        err_console.print(f"[yellow]--timeout {timeout_s:g} s reached: results are incomplete[/yellow]")


@contextmanager
def replay_progress(total_calls: int) -> Iterator[Callable[..., None]]:
    """A transient progress bar over all replayed calls.

    Yields ``update(*labels, repeat, calls_done)`` — the harness's progress hook as it is
    (``strategy, repeat, calls``), or with a phase in front (``phase, strategy, repeat, calls``).
    """
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=True)  # fmt: skip
    done: dict[tuple[object, ...], int] = {}
    with progress:
        task = progress.add_task("replaying", total=total_calls)

        def update(*run: object) -> None:
            *labels, repeat, calls = run
            assert isinstance(repeat, int) and isinstance(calls, int)
            done[(*labels, repeat)] = calls
            if calls % 24 == 0:
                description = shown(f"{': '.join(map(str, labels))} #{repeat + 1}")
                progress.update(task, completed=sum(done.values()), description=description)

        yield update


def dataset_for(folder: Path | None, storage: StorageChoice = StorageChoice(), extensions: str | None = None) -> Dataset:
    """Open the folder (or the embedded dataset) and report skipped entries, a line each. Where FUSE cannot be used, one yellow line says so and that loaders without a ``reader`` go uncharged.
    """
    with console.status("preparing the dataset…"):
        dataset = open_dataset(folder, storage, extensions)
    if dataset.fallback:
        say(f"[yellow]{shown(dataset.fallback)}: using the in-process storage model instead — loaders without a "
            "reader parameter are not charged (marked in the results)[/yellow]", err_console)  # fmt: skip
    show_skipped(dataset.folder.skipped)
    return dataset


def show_dataset(dataset: Dataset, pattern: Pattern | None = None) -> None:
    """One line: what is replayed — images, folder, storage, and the pattern's calls when there is one."""
    replayed = f"; pattern {pattern.name}: {len(pattern.calls)} calls" if pattern is not None else ""
    say(shown(dataset.describe() + replayed))


def show_skipped(skipped: list[Skipped]) -> None:
    """One yellow line per entry a folder scan could not use."""
    for entry in skipped:
        say(f"[yellow]skipped[/yellow] {shown(entry.path)}: {shown(entry.reason)}", err_console)
