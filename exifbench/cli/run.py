"""``exifbench run``: replay the access pattern against each strategy and show the measurements."""

from __future__ import annotations

import os
import threading
import time
from contextlib import nullcontext
from pathlib import Path

import typer

from exifbench.cli.console import (
    console, dataset_for, err_console, fail, graceful_stop, replay_progress, say, show_dataset, user_errors,
)  # fmt: skip
from exifbench.datasets.storage.model import StorageChoice
from exifbench.cli.options import DEFAULT_HISTORY, Folder, NoReference, ReplayOptions, Strategies, Workers, with_replay_options, with_storage_options
from exifbench.reports.analysis.report import RunReport, analyze
from exifbench.datasets.storage.mount import StorageFailed
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.analysis.outcome import FAILED, INCOMPLETE, OK, Outcome, run_outcome
from exifbench.reports.documents.history import append
from exifbench.errors import ExifbenchError
from exifbench.escape import shown
from exifbench.files import check_writable
from exifbench.datasets.patterns.builtin import load_pattern
from exifbench.reports.renderers.setup import cold_text, extractor_text, loader_summary
from exifbench.reports import format as fmt
from exifbench.reports.renderers.advice import recommendation
from exifbench.reports.renderers.comparison import failed_files, loader_output, pooled_name, seen_by, verdicts
from exifbench.reports.renderers.table import render_table
from exifbench.datasets import Dataset
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.harness.bench import BenchConfig, run_bench
from exifbench.harness.launches import Launch, run_launches
from exifbench.harness.leaks import Running
from exifbench.harness.replay import check_ui
from exifbench.strategies import expand_names, resolve

REFERENCE = "sync"
"""What a single strategy is run beside: the original loader."""
ERROR_LINES = 20
"""Files with errors printed to the terminal; the result document and report.html list every one."""


@user_errors
@with_storage_options
@with_replay_options
def run(
    folder: Folder = None,
    strategy: Strategies = "all",
    workers: Workers = None,
    replay: ReplayOptions = ReplayOptions(),
    storage: StorageChoice = StorageChoice(),
    reference: NoReference = True,
) -> None:
    """Replay the access pattern against each strategy and measure main-thread blocking.

    Exit codes: 0 complete and every strategy equal (--equality: Pillow's dicts by default); 1 a mismatch or
    unverified file in any strategy (or a loader that crashed, or left threads or processes
    running); 2 bad input; 3 interrupted or timed out with no failure so far (partial results
    still written).
    """
    running = Running.now()
    names = expand_names(strategy)
    started = time.monotonic()  # --timeout counts importing the strategies, then the replays
    with graceful_stop(replay.timeout) as stop:  # a user's strategy module that takes long to import is bounded too
        try:
            for name in names:
                resolve(name)  # a misspelled name is one line now, before the dataset is made
        except KeyboardInterrupt:
            if not stop.is_set():
                raise
            raise fail("stopped while importing the strategies: nothing was measured", code=INCOMPLETE) from None
    spent_s = time.monotonic() - started
    if reference and len(names) == 1 and names != [REFERENCE] and replay.launches == 1:
        names = [REFERENCE, *names]  # one strategy alone has nothing to be judged against
        say(f"{REFERENCE} runs too, as the reference the recommendation and 'vs {REFERENCE}' are measured against (--no-reference: only {shown(names[1])})")
    extractors = tuple(dict.fromkeys(part.strip() for part in replay.extractor.split(",") if part.strip()))
    if replay.launches > 1 and (replay.repeat > 1 or replay.profile):
        raise ExifbenchError(f"--launches replays each strategy once per launch, in its own process: drop {'--repeat' if replay.repeat > 1 else '--profile'}")
    if replay.touch and replay.launches < 2:
        raise ExifbenchError("--touch changes files between launches: give --launches 2 or more")
    if check_ui(replay.ui) == "qt":
        import exifbench.harness.ui.qt  # noqa: F401 - a missing PySide6 is one line now, not after the dataset is ready
    if replay.profile and replay.out is None:
        raise ExifbenchError("--profile needs --out DIR to write the profile files into")
    if replay.json_path is not None:
        check_writable(replay.json_path, replay.force)
    profiler = None
    if replay.out is not None:
        from exifbench.harness.profiler import ReplayProfiler
        from exifbench.reports.renderers.render import check_out_dir

        check_out_dir(replay.out)
        written = check_writable(replay.out / "results.json", replay.force)
        if replay.json_path is not None and os.path.realpath(replay.json_path) == os.path.realpath(written):
            raise ExifbenchError(f"--json {replay.json_path} is the results.json that --out {replay.out} writes: give one of them")
        profiler = ReplayProfiler(replay.out) if replay.profile else None
    replay_pattern = load_pattern(replay.pattern)
    dataset = dataset_for(folder, storage, replay.extensions)
    config = replay.bench_config(names, extractors, workers=workers, storage=dataset.storage, storage_via=dataset.via,
                                 hook=profiler, grab_dir=replay.out)  # fmt: skip
    show_dataset(dataset, replay_pattern)
    if folder is not None and storage == StorageChoice():
        say(f"storage: {shown(dataset.storage.describe())} — the folder as it is, the page cache warm, so slow storage does not "
            f"show; measure yours and replay it: exifbench storage measure {shown(str(folder))} --out my-storage.toml, then "
            f"exifbench run --storage my-storage.toml {shown(str(folder))}")  # fmt: skip
    total = len(replay_pattern.calls) * len(names) * len(extractors) * replay.repeat
    storage_failed: StorageFailed | None = None
    touched = [touched_file(dataset.folder.root, path) for path in replay.touch or []]
    with graceful_stop(replay.timeout, spent_s) as stop, (nullcontext(no_progress) if replay.launches > 1 else replay_progress(total)) as update:
        try:
            if replay.launches > 1:
                runs = replay_launches(config, dataset, replay_pattern, replay.launches, stop, touched)
            else:
                runs = run_bench(config, dataset.folder, replay_pattern, update, stop, dataset.label)
        except StorageFailed as failed:  # the storage daemon died: keep the runs it had served
            runs, storage_failed = failed.runs or RunSet(complete=False), failed
    profile_files = profiler.written if profiler is not None else []
    report = analyze(runs)
    show_runs(report, replay.json_path, replay.force, replay.wide)  # even with no run measured: the failures, and complete: false, are written
    if replay.out is not None and runs.runs:
        write_out(report, replay.out, len(profile_files), replay.force)
    if storage_failed is not None:
        raise fail(f"{storage_failed}; the {len(runs.runs)} run(s) finished before are kept", code=1)
    if (replay.save or replay.history_dir is not None) and runs.complete:
        saved = append(replay.history_dir or DEFAULT_HISTORY, runs)
        say(f"added to the history: {shown(saved)}")
    outcome = run_outcome(runs)
    left = running.left()
    if left and outcome.code == OK:
        outcome = Outcome(FAILED, "a loader left threads or processes running")
    if outcome.code != OK:
        say(f"[red]exit {outcome.code}:[/red] {shown(outcome.reason)}", err_console)
    if left:  # the interpreter would join them at exit, for ever: say what they are and go
        say(f"[yellow]left running by a loader, not waited for: {shown(', '.join(left))}[/yellow]", err_console)
        console.file.flush()
        err_console.file.flush()
        os._exit(outcome.code)
    if outcome.code != OK:
        raise typer.Exit(outcome.code)


def no_progress(*run: object) -> None:
    """Launches run in child processes: each launch is announced instead of a progress bar."""


def touched_file(root: Path, path: Path) -> Path:
    """``path`` (relative to the dataset folder, or absolute) if it is a file; a user error otherwise."""
    full = path if path.is_absolute() else root / path
    if not full.is_file():
        raise ExifbenchError(f"--touch {path}: no such file in {root}")
    return full


def replay_launches(config: BenchConfig, dataset: Dataset, pattern: Pattern, launches: int, stop: threading.Event, touched: list[Path]) -> RunSet:
    """``run --launches``: one line per child started, its warnings passed on, the files to change touched between launches."""

    def between(number: int) -> None:
        for path in touched:
            os.utime(path)
        if touched:
            say(f"before launch {number}: touched {', '.join(shown(str(p)) for p in touched)}")

    def started(launch: Launch) -> None:
        say(f"launch {launch.number}/{launches}: {shown(launch.strategy)} ({shown(launch.extractor)}) in a new process")

    def notice(line: str) -> None:
        say(f"[yellow]{shown(line)}[/yellow]", err_console)

    return run_launches(config, dataset.folder, pattern, launches, stop, dataset.label, between, started, notice)


def show_runs(report: RunReport, json_path: Path | None, force: bool = False, wide: bool = False) -> None:
    """Print the table, errors and mismatches; save the document if asked."""
    runs = report.runs
    console.print(render_table(report, wide, width=console.width))
    if report.advice is not None:
        say(shown(recommendation(report.advice, {s.strategy: pooled_name(s) for s in report.summaries})))
    for line in verdicts(report):
        say(shown(line))
    failed = failed_files(runs)
    for path, (message, strategies) in list(failed.items())[:ERROR_LINES]:
        say(f"[yellow]error[/yellow] {shown(path)}: {shown(message)} [dim]({shown(seen_by(strategies, runs))})[/dim]", err_console)
    if len(failed) > ERROR_LINES:
        say(f"[yellow]… and {len(failed) - ERROR_LINES} more file(s) with errors in the result document[/yellow]", err_console)
    for strategy, (lines, first) in loader_output(runs).items():
        say(f"[yellow]{shown(strategy)} wrote {fmt.count(lines, 'line')} of its own (logging, stdout, stderr); the first:"
            "[/yellow]", err_console)  # fmt: skip
        for line in first:
            say(f"  {shown(line)}", err_console)
    for one in runs.runs:
        for mismatch in one.equality.mismatches[:10]:
            say(f"[red]mismatch[/red] {shown(one.strategy)} {shown(mismatch.path)} {shown(mismatch.tag)}: "
                f"expected {shown(mismatch.expected)}, got {shown(mismatch.actual)}")
    for one in runs.runs:
        if one.repeat == 0 and (summary := loader_summary(one)) is not None:
            say(shown(summary))
    if runs.runs and runs.runs[0].config.cold:
        say(shown(cold_text(runs.runs[0].config)))
    if any(one.config.fastpath_fallbacks is not None for one in runs.runs):
        say(f"extractor: {shown(extractor_text(runs))}")
    for failure in runs.failed:
        say(f"[red]failed:[/red] strategy {shown(repr(failure.strategy))} (repeat {failure.repeat}): {shown(failure.error)}",
            err_console)  # fmt: skip
    if not runs.complete and not runs.failed:
        say("[yellow]interrupted: results are incomplete (complete: false)[/yellow]", err_console)
    if json_path is not None:
        runs.save(json_path, force=force)
        say(f"results written to {shown(json_path)}")


def write_out(report: RunReport, out: Path, profile_files: int = 0, force: bool = False) -> None:
    """Save ``results.json`` and every report (plots, report.html, summary.md) into ``out``; the count includes
    the ``profile_files`` already written there."""
    from exifbench.reports.renderers.render import write_run_reports

    report.runs.save(out / "results.json", force)
    written = write_run_reports(report, out)
    for found in report.profiles:
        say(f"{shown(found.headline)}\n  {shown(found.overhead_text())}")
    say(f"results.json and {len(written) + profile_files} report files written to {shown(out)}; open {shown(out / 'report.html')}")
