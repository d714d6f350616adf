"""The ``exifbench`` command line: parse options, call one library function, render the result.

User mistakes raise :class:`ExifbenchError`, shown as one red line with exit code 2.
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from exifbench.dataset import Dataset, open_dataset
from exifbench.dataset.folder import scan
from exifbench.errors import ExifbenchError
from exifbench.replay.bench import BenchConfig, run_bench
from exifbench.pattern.pattern import FRAME_MS, load_pattern
from exifbench.replay.replay import NOT_READY_POLICIES
from exifbench.documents.runs import RunSet
from exifbench.files import check_writable, write_atomic
from exifbench.renderers.summary import cold_text, extractor_text
from exifbench.renderers.table import render_table
from exifbench.strategies import expand_names, resolve

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    help="Measure how a photo app should load EXIF: replay its access pattern against interchangeable loaders.",
)
datasets_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Make and inspect image folders to replay on.")
app.add_typer(datasets_app, name="datasets")

console = Console(width=None if Console().is_terminal else 200)
err_console = Console(stderr=True, width=None if Console(stderr=True).is_terminal else 200)

Command = TypeVar("Command", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print one red line and give the exit to raise."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
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


@contextmanager
def graceful_stop(timeout_s: float | None = None) -> Iterator[threading.Event]:
    """SIGINT/SIGTERM (or ``timeout_s``) set an event the harness checks between calls; a second Ctrl-C aborts."""
    stop = threading.Event()
    timer = threading.Timer(timeout_s, stop.set) if timeout_s is not None else None

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        err_console.print(f"[yellow]{signal.Signals(signum).name}: stopping, keeping what was measured…[/yellow]")

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        yield stop
    finally:
        if timer is not None:
            timer.cancel()
        for sig, old in previous.items():
            signal.signal(sig, old)
    if timer is not None and stop.is_set() and not timer.is_alive():
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
            done[(*labels, repeat)] = calls
            if calls % 24 == 0:
                description = f"{': '.join(map(str, labels))} #{repeat + 1}"
                progress.update(task, completed=sum(done.values()), description=description)

        yield update


def dataset_for(folder: Path | None, io_latency: float | None, io_jitter: float = 0.0, extensions: str | None = None) -> Dataset:
    """Open the folder (or the embedded dataset, saying so) and report skipped entries."""
    with console.status("preparing the dataset…"):
        dataset = open_dataset(folder, io_latency, io_jitter, extensions)
    if dataset.embedded:
        console.print(dataset.describe(), highlight=False, soft_wrap=True)
    for skipped in dataset.folder.skipped:
        err_console.print(f"[yellow]skipped[/yellow] {skipped.path}: {skipped.reason}", highlight=False)
    return dataset


@app.command()
@user_errors
def run(
    folder: Annotated[Optional[Path], typer.Argument(help="Image folder (default: the embedded 591-image dataset, 23 ms storage model).")] = None,
    strategy: Annotated[str, typer.Option("--strategy", "-s", help="sync, threadpool, lazy, process, all, a comma list, or module:Class.")] = "all",
    workers: Annotated[int, typer.Option(min=1, help="Worker threads/processes per pool.")] = 4,
    pattern: Annotated[Optional[str], typer.Option(help="Built-in pattern name (startup-593) or pattern JSON file.")] = None,
    on_not_ready: Annotated[str, typer.Option(help="What the caller does with None: defaults, wait or defer.")] = "defaults",
    repeat: Annotated[int, typer.Option(min=1, help="Runs per strategy, interleaved A B C A B C.")] = 1,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the result document (a baseline for gate) here.")] = None,
    force: Annotated[bool, typer.Option(help="Let --json replace an existing file.")] = False,
    io_latency: Annotated[Optional[float], typer.Option(min=0, help="Storage model: ms added per storage read (default 23 on the embedded dataset, else 0).")] = None,
    io_jitter: Annotated[float, typer.Option(min=0, help="Storage model: ± ms of deterministic jitter per file.")] = 0.0,
    cold: Annotated[bool, typer.Option(help="Evict the dataset from the page cache before each run (best effort).")] = False,
    extractor: Annotated[str, typer.Option(help="EXIF extraction: pillow (the original), fastpath, or both as pillow,fastpath (each strategy runs with each).")] = "pillow",
    extensions: Annotated[Optional[str], typer.Option(help="Comma list of file extensions to scan.")] = None,
    lru_size: Annotated[Optional[int], typer.Option(min=1, help="LRU cache size for the lazy strategy.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write plots, report.html, summary.md and results.json into this directory.")] = None,
    profile: Annotated[bool, typer.Option("--profile", help="Profile repeat 0 of each strategy with pyinstrument into --out (profile-<strategy>.html/.txt).")] = False,
    timeout: Annotated[Optional[float], typer.Option(min=0, help="Stop the whole run after this many seconds, keeping what was measured.")] = None,
    tick_ms: Annotated[float, typer.Option(min=0.1, help="UI probe: main-thread tick interval in ms during think time (default one 60 Hz frame).")] = FRAME_MS,
    switch_interval: Annotated[Optional[float], typer.Option(min=1e-6, help="sys.setswitchinterval (s) for the run; Python's default is 0.005.")] = None,
) -> None:
    """Replay the access pattern against each strategy and measure main-thread blocking."""
    from exifbench.extractors import get_extractor

    names = expand_names(strategy)
    for name in names:
        resolve(name)
    extractors = tuple(dict.fromkeys(part.strip() for part in extractor.split(",") if part.strip()))
    for name in extractors or (extractor,):
        get_extractor(name)
    if on_not_ready not in NOT_READY_POLICIES:
        raise ExifbenchError(f"--on-not-ready must be one of {', '.join(NOT_READY_POLICIES)}, got {on_not_ready!r}")
    if profile and out is None:
        raise ExifbenchError("--profile needs --out DIR to write the profile files into")
    if json_path is not None:
        check_writable(json_path, force)
    profiler = None
    if out is not None:
        from exifbench.renderers.profile import ReplayProfiler
        from exifbench.renderers.render import check_out_dir

        check_out_dir(out)
        profiler = ReplayProfiler(out) if profile else None
    replay_pattern = load_pattern(pattern)
    dataset = dataset_for(folder, io_latency, io_jitter, extensions)
    config = BenchConfig(
        strategies=names,
        workers=workers,
        repeat=repeat,
        on_not_ready=on_not_ready,
        storage=dataset.storage,
        extractors=extractors,
        cache_size=lru_size,
        cold=cold,
        tick_ms=tick_ms,
        switch_interval_s=switch_interval,
        around_replay=profiler,
    )
    total = len(replay_pattern.calls) * len(names) * len(extractors) * repeat
    with graceful_stop(timeout) as stop, replay_progress(total) as update:
        runs = run_bench(config, dataset.folder, replay_pattern, update, stop, dataset.label)
    if profiler is not None:
        profiler.finish(runs)
    show_runs(runs, json_path, force)
    if out is not None:
        write_out(runs, out)


def show_runs(runs: RunSet, json_path: Path | None, force: bool = False) -> None:
    """Print the table, errors and mismatches; save the document if asked."""
    console.print(render_table(runs))
    for run in runs.runs:
        for error in run.errors[:20] if run.repeat == 0 else []:
            err_console.print(f"[yellow]{run.strategy}[/yellow] {error['path']}: {error['error']}", highlight=False)
        for mismatch in run.equality["mismatches"][:10]:
            console.print(f"[red]mismatch[/red] {run.strategy} {mismatch['path']} {mismatch['tag']}: "
                          f"expected {mismatch['expected']}, got {mismatch['actual']}", highlight=False)  # fmt: skip
    config = runs.runs[0].config if runs.runs else {}
    if config.get("cold"):
        console.print(cold_text(config), highlight=False)
    if config.get("fastpath_fallbacks"):
        console.print(f"extractor: {extractor_text(config)}", highlight=False)
    if not runs.complete:
        err_console.print("[yellow]interrupted: results are incomplete (complete: false)[/yellow]")
    if json_path is not None:
        runs.save(json_path, force=force)
        console.print(f"results written to {json_path}")


@app.command()
def strategies() -> None:
    """List the built-in strategies (any class can also be named as module:Class)."""
    from exifbench.strategies import BUILTIN

    for name, cls in BUILTIN.items():
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        console.print(f"[bold]{name:<11}[/bold] {doc}", highlight=False)


@app.command()
@user_errors
def gate(
    folder: Annotated[Optional[Path], typer.Argument(help="--candidate mode: image folder (default: the embedded dataset, 23 ms storage model).")] = None,
    baseline: Annotated[Optional[Path], typer.Option(help="Baseline result document (exifbench run --json).")] = None,
    current: Annotated[Optional[Path], typer.Option(help="Current result document, gated against --baseline strategy by strategy.")] = None,
    candidate: Annotated[Optional[str], typer.Option(help="Strategy to gate, run here interleaved with --reference (robust on shared CI).")] = None,
    reference: Annotated[Optional[str], typer.Option(help="--candidate mode: the reference strategy (default sync).")] = None,
    metric: Annotated[str, typer.Option(help="blocking, background, p99 or not_ready.")] = "blocking",
    max_regression: Annotated[str, typer.Option(help="Allowed growth of the metric's median, e.g. 10%.")] = "10%",
    allow_inconclusive: Annotated[bool, typer.Option(help="Pass when over the threshold but not significant (e.g. too few repeats).")] = False,
    repeat: Annotated[Optional[int], typer.Option(min=1, help="--candidate mode: runs per strategy, interleaved (default 5; 4 is the fewest that can reach p<0.05).")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="--candidate mode: worker threads/processes per pool (default 4).")] = None,
    io_latency: Annotated[Optional[float], typer.Option(min=0, help="--candidate mode: ms per storage read (default 23 on the embedded dataset, else 0).")] = None,
    pattern: Annotated[Optional[str], typer.Option(help="--candidate mode: built-in pattern name or pattern JSON file.")] = None,
    verdict_json: Annotated[Optional[Path], typer.Option(help="Write the verdict as JSON here.")] = None,
    verdict_md: Annotated[Optional[Path], typer.Option(help="Write the verdict as Markdown here (it is also appended to $GITHUB_STEP_SUMMARY when set).")] = None,
) -> None:
    """Fail on a significant regression or any EXIF mismatch: exit 0 pass, 1 fail, 2 bad input.

    A regression must exceed --max-regression AND be significant (one-sided Mann–Whitney U,
    alpha 0.05). Over the threshold but not significant — e.g. fewer than 4 repeats per side,
    which can never reach p<0.05 — is inconclusive and fails unless --allow-inconclusive.
    """
    from exifbench.config import percent
    from exifbench.analysis.gate import gate_files, gate_interleaved, render_console, render_json, render_markdown
    from exifbench.renderers.summary import METRICS

    if metric not in METRICS:
        raise ExifbenchError(f"--metric must be one of {', '.join(METRICS)}, got {metric!r}")
    threshold = percent(max_regression, "--max-regression")
    for path in (verdict_json, verdict_md):
        if path is not None:
            check_writable(path)
    if candidate is not None:
        if baseline is not None or current is not None:
            raise ExifbenchError("use either --baseline/--current or --candidate, not both")
        reference = reference or "sync"
        for name in (candidate, reference):
            resolve(name)
        if candidate == reference:
            raise ExifbenchError(f"--candidate and --reference are both {candidate!r}")
        replay_pattern = load_pattern(pattern)
        dataset = dataset_for(folder, io_latency)
        config = BenchConfig([reference, candidate], workers=workers or 4, repeat=repeat or 5, storage=dataset.storage)
        with graceful_stop() as stop, replay_progress(len(replay_pattern.calls) * 2 * config.repeat) as update:
            runs = run_bench(config, dataset.folder, replay_pattern, update, stop, dataset.label)
        verdict = gate_interleaved(runs, candidate, reference, metric, threshold, allow_inconclusive)
        verdict.context.update(dataset=dataset.label, storage=dataset.storage.describe(), pattern=replay_pattern.name,
                               repeats=config.repeat, workers=config.workers)  # fmt: skip
    else:
        if baseline is None or current is None:
            raise ExifbenchError("give --baseline and --current, or --candidate (see exifbench gate --help)")
        given = {"DIR": folder, "--reference": reference, "--repeat": repeat, "--workers": workers,
                 "--io-latency": io_latency, "--pattern": pattern}  # fmt: skip
        misplaced = [flag for flag, value in given.items() if value is not None]
        if misplaced:
            raise ExifbenchError(f"{', '.join(misplaced)}: only with --candidate, not with --baseline/--current")
        verdict = gate_files(RunSet.load(baseline), RunSet.load(current), metric, threshold, allow_inconclusive)
        verdict.context.update(baseline=str(baseline), current=str(current))
    console.print(render_console(verdict), highlight=False, soft_wrap=True)
    markdown = render_markdown(verdict)
    if verdict_json is not None:
        write_atomic(verdict_json, render_json(verdict))
    if verdict_md is not None:
        write_atomic(verdict_md, markdown)
    append_step_summary(markdown)
    raise typer.Exit(verdict.exit_code)


def append_step_summary(markdown: str) -> None:
    """In GitHub Actions, append ``markdown`` to the job summary ($GITHUB_STEP_SUMMARY)."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    try:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    except OSError as exc:
        raise ExifbenchError(f"$GITHUB_STEP_SUMMARY ({summary}): cannot append ({exc.strerror or exc})") from None


@app.command()
@user_errors
def decide(
    candidate: Annotated[str, typer.Option(help="Strategy to roll out (a name or module:Class).")],
    folder: Annotated[Optional[Path], typer.Argument(help="Image folder (default: the embedded dataset, 23 ms storage model).")] = None,
    reference: Annotated[str, typer.Option(help="What the candidate would replace.")] = "sync",
    min_blocking_reduction: Annotated[Optional[str], typer.Option(help="Blocking must drop at least this much vs the reference, significantly [default 50%].")] = None,
    max_not_ready: Annotated[Optional[str], typer.Option(help="Largest share of calls answered not-ready [default 100%: informational].")] = None,
    max_background_ratio: Annotated[Optional[float], typer.Option(help="Background completion at most this × the reference's [default 1.5].")] = None,
    max_rss_growth_mb: Annotated[Optional[float], typer.Option(help="Peak RSS growth during a candidate run, in MB [default 200].")] = None,
    small_images: Annotated[Optional[int], typer.Option(help="Images in the small phase, fewer than 100 [default 48].")] = None,
    repeat_small: Annotated[Optional[int], typer.Option(help="Repeats per strategy in the small phase [default 4: the fewest that can reach p<0.05].")] = None,
    repeat_full: Annotated[Optional[int], typer.Option(help="Repeats per strategy on the full folder [default 4].")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker threads/processes per pool.")] = 4,
    io_latency: Annotated[Optional[float], typer.Option(min=0, help="ms per storage read (default 23 on the embedded dataset, else 0).")] = None,
    config: Annotated[Optional[Path], typer.Option(help="TOML file with a [tool.exifbench.decide] table [default: ./pyproject.toml].")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the decision as JSON here.")] = None,
) -> None:
    """Roll a candidate out in phases (small, then full) and decide ENABLE / HOLD / REJECT.

    REJECT: EXIF equality below 100% or leaked threads/processes. HOLD: a soft criterion failed or
    the blocking reduction is not significant. Exit 0 on ENABLE, 1 on HOLD or REJECT, 2 on bad input.
    Thresholds: options, else the [tool.exifbench.decide] table of pyproject.toml (same key names), else defaults.
    """
    from exifbench.config import check_keys, load_section
    from exifbench.analysis.decide import POLICY_KEYS, Policy, decide as run_decide, plan_phases
    from exifbench.renderers.decision import render_console, render_json

    options = {"min_blocking_reduction": min_blocking_reduction, "max_not_ready": max_not_ready,
               "max_background_ratio": max_background_ratio, "max_rss_growth_mb": max_rss_growth_mb,
               "small_images": small_images, "repeat_small": repeat_small, "repeat_full": repeat_full}  # fmt: skip
    for name in (candidate, reference):
        resolve(name)
    if json_path is not None:
        check_writable(json_path)
    section, where = load_section("decide", config)
    check_keys(section, POLICY_KEYS, where)
    policy = Policy().updated(section, lambda key: f"{where}: {key}")
    policy = policy.updated(options, lambda key: "--" + key.replace("_", "-"))
    dataset = dataset_for(folder, io_latency)
    if where:
        console.print(f"settings from {where}", highlight=False, markup=False, soft_wrap=True)
    total = sum(2 * repeat * (len(subset.files) + 2) for _, subset, repeat in plan_phases(dataset.folder, policy))
    with graceful_stop() as stop, replay_progress(total) as update:
        verdict = run_decide(dataset.folder, candidate, reference, policy, dataset.storage, workers, update, stop,
                             dataset.label)  # fmt: skip
    console.print(render_console(verdict))
    if json_path is not None:
        write_atomic(json_path, render_json(verdict))
    raise typer.Exit(verdict.exit_code)


def write_out(runs: RunSet, out: Path) -> None:
    """Save ``results.json`` and every report (plots, report.html, summary.md) into ``out``."""
    from exifbench.renderers.render import write_reports
    from exifbench.renderers.summary import profiles

    runs.save(out / "results.json")
    written = write_reports(runs, out)
    for found in profiles(runs):
        console.print(f"{found.headline}\n  {found.overhead_text()}", highlight=False)
    console.print(f"results.json and {len(written)} report files written to {out}; open {out / 'report.html'}", highlight=False)


@app.command()
@user_errors
def report(
    results: Annotated[Path, typer.Argument(help="A saved result document (run --json, or results.json from run --out).")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the plots, report.html and summary.md.")],
) -> None:
    """Re-render plots, report.html and summary.md from a saved result document, without re-running.

    Profiles cannot be regenerated: profile files found beside RESULTS are copied into --out and linked.
    """
    from exifbench.renderers.profile import copy_profiles
    from exifbench.renderers.render import check_out_dir, write_reports

    runs = RunSet.load(results)
    check_out_dir(out)
    copied = copy_profiles(runs, results.parent, out)
    written = write_reports(runs, out)
    console.print(f"{len(written) + len(copied)} files written to {out}; open {out / 'report.html'}", highlight=False)


@datasets_app.command("synth")
@user_errors
def datasets_synth(
    dst: Annotated[Path, typer.Argument(help="Folder to write the synthetic JPEGs into.")],
    count: Annotated[int, typer.Option(min=1, help="Number of images.")] = 591,
    seed: Annotated[int, typer.Option(help="Same seed, byte-identical files.")] = 0,
) -> None:
    """Write COUNT deterministic JPEGs with realistic EXIF (GPS, MakerNote, thumbnails on some)."""
    from exifbench.dataset.synth import synthesize

    files = synthesize(dst, count, seed)
    console.print(f"wrote {len(files)} synthetic images to {dst} (seed {seed})")


@datasets_app.command("expand")
@user_errors
def datasets_expand(
    src: Annotated[Path, typer.Argument(help="A real image folder (scanned recursively).")],
    dst: Annotated[Path, typer.Argument(help="New folder for the copies.")],
    count: Annotated[int, typer.Option(min=1, help="Exactly this many distinct files.")] = 591,
    extensions: Annotated[Optional[str], typer.Option(help="Comma list of file extensions to scan.")] = None,
    force: Annotated[bool, typer.Option(help="Replace a previous expansion in DST.")] = False,
) -> None:
    """Copy a smaller real folder into COUNT distinct files (real copies, with a manifest)."""
    from exifbench.dataset.expand import MANIFEST_NAME, expand

    manifest = expand(src, dst, count, extensions, force=force)
    console.print(f"wrote {manifest.count} files to {dst}; manifest {dst / MANIFEST_NAME}")


@datasets_app.command("scan")
@user_errors
def datasets_scan(
    folder: Annotated[Path, typer.Argument(help="Image folder.")],
    extensions: Annotated[Optional[str], typer.Option(help="Comma list of file extensions to scan.")] = None,
) -> None:
    """List what a run would replay on: image count by extension and skipped entries."""
    from collections import Counter

    images = scan(folder, extensions)
    by_ext = Counter(name.rsplit(".", 1)[-1].lower() for name in images.files)
    console.print(f"{len(images.files)} images in {images.root}: " + ", ".join(f"{n} {e}" for e, n in sorted(by_ext.items())))
    for skipped in images.skipped:
        err_console.print(f"[yellow]skipped[/yellow] {skipped.path}: {skipped.reason}", highlight=False)


@app.command()
@user_errors
def peers(
    folder: Annotated[Optional[Path], typer.Argument(help="Image folder (default: the embedded dataset).")] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Rounds over the files; tools interleaved per file.")] = 3,
    extensions: Annotated[Optional[str], typer.Option(help="Comma list of file extensions to scan.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the peers report here.")] = None,
) -> None:
    """Pillow, the fast path, exifread and exiftool (-stay_open) side by side on the same files."""
    import json

    from exifbench.workflows.peers import measure_peers
    from exifbench.renderers.peers import render_table

    if json_path is not None:
        check_writable(json_path)
    dataset = dataset_for(folder, 0.0, extensions=extensions)
    with console.status(f"reading {len(dataset.folder.files)} files with every tool, {repeats} rounds…"):
        report = measure_peers(dataset.folder.paths, repeats)
    console.print(render_table(report))
    if json_path is not None:
        write_atomic(json_path, json.dumps(report.to_dict(), indent=1))
        console.print(f"peers report written to {json_path}")
