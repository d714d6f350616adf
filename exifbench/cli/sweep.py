"""``exifbench sweep``: a matrix of configurations, replayed interleaved; the Pareto front and what to ship."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.cli.console import console, dataset_for, fail, graceful_stop, replay_progress, say, user_errors
from exifbench.datasets.storage.model import StorageChoice
from exifbench.cli.options import DEFAULT_HISTORY, MAX_WORKERS, Folder, ReplayOptions, Strategies, with_replay_options, with_storage_options
from exifbench.config import percent
from exifbench.datasets import Dataset
from exifbench.reports.documents.sweep import MAX_BLOCKING_RATIO, MAX_NOT_READY, Thresholds
from exifbench.errors import ExifbenchError
from exifbench.escape import shown
from exifbench.files import check_writable
from exifbench.datasets.patterns.builtin import load_pattern
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.strategies import expand_names


DEFAULT_OUT = Path("sweep-out")


def comma_list(value: str | None, option: str) -> list[str | None]:
    """``"a,b"`` -> ``["a", "b"]``; nothing given -> ``[None]`` (the default)."""
    if value is None:
        return [None]
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts:
        raise ExifbenchError(f"{option}: give one value or a comma list, got {value!r}")
    return list(dict.fromkeys(parts))


def counts(value: str | None, option: str) -> list[int | None]:
    """``"4,16,64"`` -> ``[4, 16, 64]``, each at least 1; ``default`` (or nothing given) -> ``None``: each
    strategy's own."""
    found: list[int | None] = []
    for part in comma_list(value, option):
        if part is None or part == "default":
            found.append(None)
        elif not (part.isascii() and part.isdigit() and len(part) < 10 and 1 <= int(part) <= MAX_WORKERS):
            raise ExifbenchError(f"{option}: expected whole numbers from 1 to {MAX_WORKERS} or default, like default,4,64, "
                                 f"got {part!r}")  # fmt: skip
        else:
            found.append(int(part))
    return found


@user_errors
@with_storage_options
@with_replay_options
def sweep(
    folder: Folder = None,
    strategy: Strategies = "threadpool",
    workers: Annotated[Optional[str], typer.Option(help="Worker counts to sweep, a comma list like 4,16,64 (default: each strategy's own, e.g. viewport sized to the storage; 'default' in the list means the same).", show_default=False)] = None,
    replay: ReplayOptions = ReplayOptions(),
    storage: StorageChoice = StorageChoice(),
    max_not_ready: Annotated[str, typer.Option(help="Threshold: share of calls that may get a placeholder.")] = f"{MAX_NOT_READY:.0%}",
    max_blocking_ratio: Annotated[str, typer.Option(help="Threshold: main-thread blocking as a share of sync's on the same storage.")] = f"{MAX_BLOCKING_RATIO:.0%}",
) -> None:
    """Replay every configuration of a matrix (strategy × workers × extractor × storage × pattern), interleaved;
    name the Pareto front (blocking, time-to-EXIF p50, lag p99) and what to ship on each storage.

    --strategy, --workers, --extractor, --storage and --pattern take a comma list (sync is added on each
    storage as the reference); every other option is run's, shared by all configurations. Exit 0 when
    every configuration ran; 1 when one failed (the others are kept); 2 bad input.
    """
    from exifbench.reports.analysis.sweep import analyze_sweep
    from exifbench.reports.renderers.render import check_out_dir
    from exifbench.reports.renderers.sweep import render_console, render_wide, write_sweep
    from exifbench.harness.sweep import Matrix, run_sweep, save_to_history

    out = replay.out or DEFAULT_OUT
    check_out_dir(out)
    check_writable(out / "sweep.json", replay.force)
    if replay.json_path is not None:
        check_writable(replay.json_path, replay.force)
    thresholds = Thresholds(percent(max_not_ready, "--max-not-ready"), percent(max_blocking_ratio, "--max-blocking-ratio"))
    names = expand_names(strategy)
    sizes = counts(workers, "--workers")
    extractors = [name for name in comma_list(replay.extractor, "--extractor") if name is not None]
    patterns: dict[str, Pattern] = {}
    for spec in comma_list(replay.pattern, "--pattern"):
        loaded = load_pattern(spec)
        patterns[spec or loaded.name] = loaded
    if replay.launches > 1 or replay.touch:
        raise ExifbenchError("sweep replays every configuration in this process: --launches and --touch are exifbench run's")
    profiler = None
    if replay.profile:
        from exifbench.harness.profiler import ReplayProfiler

        profiler = ReplayProfiler(out)
    base = replay.bench_config(list(dict.fromkeys([*names, "sync"])), tuple(extractors), hook=profiler, grab_dir=out)  # checks every name and option once
    datasets: dict[str, Dataset] = {}
    for spec in comma_list(storage.profile, "--storage"):
        dataset = dataset_for(folder, replace(storage, profile=spec), replay.extensions)
        datasets[spec or ("original" if dataset.embedded else "local")] = dataset
    matrix = Matrix(names, sizes, extractors, list(datasets), list(patterns))
    total = sum(len(patterns[str(one.settings["pattern"])].calls) for one in matrix.configurations()) * replay.repeat
    with graceful_stop(replay.timeout) as stop, replay_progress(total) as update:
        results = run_sweep(matrix, base, datasets, patterns, thresholds, update, stop)
    analysis = analyze_sweep(results)
    console.print(render_console(analysis), highlight=False)
    if replay.wide:
        console.print(*render_wide(results, console.width))
    written = [results.save(out / "sweep.json", replay.force), *write_sweep(analysis, out)]
    profiles = len(profiler.written) if profiler is not None else 0
    say(f"{len(written) + profiles} files written to {shown(out)}: sweep.json, sweep.md, pareto.png and .svg"
        + (f" and {profiles} profile files" if profiles else ""))  # fmt: skip
    if replay.json_path is not None:
        results.save(replay.json_path, force=replay.force)
        say(f"results written to {shown(replay.json_path)}")
    if (replay.save or replay.history_dir is not None) and results.complete:
        saved = save_to_history(results, replay.history_dir or DEFAULT_HISTORY)
        say(f"added to the history: {len(saved)} run documents in {shown(replay.history_dir or DEFAULT_HISTORY)}")
    if any(one.failed is not None for one in results.configurations):
        raise fail("a configuration failed (named above); the others were measured and written", code=1)
