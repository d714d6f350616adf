"""``exifbench sweep``: a matrix of configurations, replayed interleaved; the Pareto front and what to ship."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from exifbench.cli.console import console, dataset_for, fail, graceful_stop, replay_progress, user_errors
from exifbench.cli.options import (
    CacheEnabled, CacheSize, Extensions, Folder, IoBandwidth, IoCache, IoConcurrency, IoJitter, IoLatency, OnNotReady,
    PatternName, Repeat, Scheduler, StorageProfile, Timeout, Ui, storage_choice,
)  # fmt: skip
from exifbench.config import percent
from exifbench.dataset import Dataset
from exifbench.documents.sweep import MAX_BLOCKING_RATIO, MAX_NOT_READY, Thresholds
from exifbench.errors import ExifbenchError
from exifbench.escape import shown
from exifbench.pattern.builtin import load_pattern
from exifbench.pattern.pattern import Pattern
from exifbench.replay.bench import BenchConfig
from exifbench.strategies import expand_names


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
        elif not part.isdigit() or int(part) < 1:
            raise ExifbenchError(f"{option}: expected whole numbers ≥ 1 or default, like default,4,64, got {part!r}")
        else:
            found.append(int(part))
    return found


@user_errors
def sweep(
    folder: Folder = None,
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="Strategies to sweep: a comma list (sync is added on each storage as the reference).")] = "threadpool",
    workers: Annotated[Optional[str], typer.Option(help="Worker counts to sweep, a comma list like 4,16,64; default: each strategy's own (viewport sizes itself to the storage).", show_default=False)] = None,
    extractor: Annotated[str, typer.Option(help="Extractors to sweep: pillow, fastpath or pillow,fastpath.")] = "pillow",
    storage: StorageProfile = None,
    pattern: PatternName = None,
    on_not_ready: OnNotReady = "defaults",
    repeat: Repeat = 1,
    io_latency: IoLatency = None,
    io_concurrency: IoConcurrency = None,
    io_bandwidth: IoBandwidth = None,
    io_jitter: IoJitter = None,
    io_cache: IoCache = False,
    extensions: Extensions = None,
    cache_size: CacheSize = None,
    cache: CacheEnabled = None,
    scheduler: Scheduler = None,
    ui: Ui = "probe",
    timeout: Timeout = None,
    max_not_ready: Annotated[str, typer.Option(help="Threshold: share of calls that may get a placeholder.")] = f"{MAX_NOT_READY:.0%}",
    max_blocking_ratio: Annotated[str, typer.Option(help="Threshold: main-thread blocking as a share of sync's on the same storage.")] = f"{MAX_BLOCKING_RATIO:.0%}",
    out: Annotated[Path, typer.Option("--out", help="Directory for sweep.json, sweep.md and pareto.png/.svg.")] = Path("sweep-out"),
) -> None:
    """Replay every configuration of a matrix (strategy × workers × extractor × storage × pattern), interleaved;
    name the Pareto front (blocking, time-to-EXIF p50, lag p99) and what to ship on each storage.

    Options given as a comma list vary; every other option is shared by all configurations, as in run.
    """
    from exifbench.analysis.sweep import analyze_sweep
    from exifbench.renderers.render import check_out_dir
    from exifbench.renderers.sweep import render_console, write_sweep
    from exifbench.workflows.sweep import Matrix, run_sweep

    check_out_dir(out)
    thresholds = Thresholds(percent(max_not_ready, "--max-not-ready"), percent(max_blocking_ratio, "--max-blocking-ratio"))
    names = expand_names(strategy)
    sizes = counts(workers, "--workers")
    extractors = [name for name in comma_list(extractor, "--extractor") if name is not None]
    patterns: dict[str, Pattern] = {}
    for spec in comma_list(pattern, "--pattern"):
        loaded = load_pattern(spec)
        patterns[spec or loaded.name] = loaded
    options = {key: value for key, value in (("cache_size", cache_size), ("cache_enabled", cache), ("scheduler", scheduler)) if value is not None}
    base = BenchConfig(strategies=list(dict.fromkeys([*names, "sync"])), workers=None, repeat=repeat, on_not_ready=on_not_ready,
                       extractors=tuple(extractors), options=options, ui=ui)  # fmt: skip  # checks every name and option once
    datasets: dict[str, Dataset] = {}
    for profile in comma_list(storage, "--storage"):
        dataset = dataset_for(folder, storage_choice(profile, io_latency, io_concurrency, io_bandwidth, io_jitter, io_cache), extensions)
        datasets[profile or ("original" if dataset.embedded else "local")] = dataset
    matrix = Matrix(names, sizes, extractors, list(datasets), list(patterns))
    total = sum(len(patterns[str(one.settings["pattern"])].calls) for one in matrix.configurations()) * repeat
    with graceful_stop(timeout) as stop, replay_progress(total) as update:
        results = run_sweep(matrix, base, datasets, patterns, thresholds, update, stop)
    analysis = analyze_sweep(results)
    console.print(render_console(analysis), highlight=False, soft_wrap=True)
    written = [results.save(out / "sweep.json"), *write_sweep(analysis, out)]
    console.print(f"{len(written)} files written to {shown(out)}: sweep.json, sweep.md, pareto.png", highlight=False)
    if any(one.failed is not None for one in results.configurations):
        raise fail("a configuration failed (named above); the others were measured and written", code=1)
