"""Options shared by several commands, each defined once as an ``Annotated`` alias."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Optional, TypeVar

import typer

from exifbench.datasets.patterns.pattern import FRAME_MS
from exifbench.datasets.storage.model import StorageChoice

if TYPE_CHECKING:
    from exifbench.harness.bench import BenchConfig

Strategies = Annotated[
    str,
    typer.Option("--strategy", "-s", help="sync, threadpool, lazy, process, viewport, dask, persistent, all (every one but dask "
                 "and persistent), module:Class, call:module:function (an app's path -> dict function, read "
                 "synchronously as the original loader did), or a comma list of them."),
]  # fmt: skip
Extractors = Annotated[
    str,
    typer.Option(help="EXIF extraction: pillow (the original), fastpath, or both as pillow,fastpath (each strategy runs with each)."),
]
Folder = Annotated[
    Optional[Path],
    typer.Argument(metavar="DIR", help="Image folder (default: the embedded 591-image dataset, 23 ms storage model).", show_default=False),
]
MAX_WORKERS = 256
"""The most workers a pool may have: ``--workers 100000`` would start that many threads or processes before the run."""


def at_least_one(value: int | None) -> int | None:
    """``--workers``: 1 to :data:`MAX_WORKERS`, else one red line (not click's usage text)."""
    if value is not None and not 1 <= value <= MAX_WORKERS:
        from exifbench.cli.console import fail

        raise fail(f"--workers must be from 1 to {MAX_WORKERS}, got {value}")
    return value


Workers = Annotated[
    Optional[int],
    typer.Option(callback=at_least_one, show_default=False, help="Worker threads/processes per pool [default: each strategy's own: 4 for threadpool, "
                 "lazy and process, 2 for dask; viewport sizes itself to the storage's queue depth, 64 with no queue limit, "
                 "4 on local storage]."),
]  # fmt: skip
StorageProfile = Annotated[
    Optional[str],
    typer.Option("--storage", help="Storage profile: local, original, hdd, nfs, smb, sdcard, usb2 (see exifbench storage profiles) "
                 "[default: original on the embedded dataset, else local]."),
]  # fmt: skip
IoLatency = Annotated[
    Optional[float],
    typer.Option(min=0, help="Storage: ms per open, request or seek, as the profile charges it (original: 23 per file open)."),
]
IoConcurrency = Annotated[Optional[int], typer.Option(min=1, help="Storage: requests served at once (queue depth).")]
IoBandwidth = Annotated[Optional[float], typer.Option(min=0, help="Storage: transfer rate in MB/s (0: unlimited).")]
IoJitter = Annotated[Optional[float], typer.Option(min=0, help="Storage: ± ms of deterministic jitter per request.")]
IoCache = Annotated[bool, typer.Option("--io-cache", help="Storage: let the OS page cache serve re-reads (off: every read reaches the model).")]

STORAGE_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("storage", StorageProfile, None), ("io_latency", IoLatency, None), ("io_concurrency", IoConcurrency, None),
    ("io_bandwidth", IoBandwidth, None), ("io_jitter", IoJitter, None), ("io_cache", IoCache, False),
)  # fmt: skip
"""The storage options of every command that reads through a storage model: name, annotation, default."""

Command = TypeVar("Command", bound=Callable[..., Any])


def expanded(command: Command, name: str, options: Sequence[tuple[str, Any, Any]], build: Callable[..., Any]) -> Command:
    """``command`` with its parameter ``name`` offered as ``options`` (name, annotation, default: each declared once)
    and handed to it as ``build(**the options' values)``."""
    signature = inspect.signature(command, eval_str=True)
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name != name:
            parameters.append(parameter)
            continue
        parameters += [parameter.replace(name=option, annotation=annotation, default=default)
                       for option, annotation, default in options]  # fmt: skip

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {option: kwargs.pop(option) for option, _, _ in options}
        return command(*args, **{name: build(**given)}, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": signature.return_annotation}
    return wrapper  # type: ignore[return-value]


def with_storage_options(command: Command) -> Command:
    """``command``'s ``storage: StorageChoice`` parameter, offered as the storage options (``--storage``,
    ``--io-latency``, ...: declared here once) and handed to it as one :class:`StorageChoice`."""

    def choice(storage: str | None, io_latency: float | None, io_concurrency: int | None, io_bandwidth: float | None,
               io_jitter: float | None, io_cache: bool) -> StorageChoice:  # fmt: skip
        return StorageChoice(storage, io_latency, io_concurrency, io_bandwidth, io_jitter, io_cache or None)

    return expanded(command, "storage", STORAGE_OPTIONS, choice)


Extensions = Annotated[Optional[str], typer.Option(help="Comma list of file extensions to scan.")]
PatternName = Annotated[Optional[str], typer.Option("--pattern", help="Built-in pattern (startup-593, browse, group-by-date) or a pattern JSON file.")]
JsonOut = Annotated[Optional[Path], typer.Option("--json", help="Write the result document (JSON) here.")]
Force = Annotated[bool, typer.Option(help="Let the command replace a document it writes that exists already (--json, --out's results.json or sweep.json, --verdict-json, --verdict-md); without it, the command refuses before it starts.")]
OutDir = Annotated[
    Optional[Path],
    typer.Option("--out", help="Directory for the result document and its reports (run: results.json, plots, report.html, "
                 "summary.md; sweep: sweep.json, sweep.md, pareto.png) [sweep default: sweep-out]."),
]  # fmt: skip
Profile = Annotated[
    bool,
    typer.Option("--profile", help="Profile repeat 0 of each strategy (of each configuration, in a sweep) with pyinstrument "
                 "into --out (profile-<name>.html/.txt)."),
]  # fmt: skip
Cold = Annotated[bool, typer.Option(help="Evict the dataset from the page cache before each run (best effort).")]
TickMs = Annotated[
    float,
    typer.Option(min=0.1, show_default=False, help="UI probe: main-thread tick interval in ms during think time [default: 16.7, one 60 Hz frame]."),
]
SwitchInterval = Annotated[Optional[float], typer.Option(help="sys.setswitchinterval (s, above 0) for the run; Python's default is 0.005.")]
Wide = Annotated[
    bool,
    typer.Option("--wide", help="Also print the details table: per-call percentiles, time-to-EXIF, background, UI lag, change with "
                 "its interval, errors, and the storage daemon's I/O counts (opens, read requests, bytes read)."),
]  # fmt: skip
Ui = Annotated[
    str,
    typer.Option(
        "--ui",
        help="The main-thread loop the replay runs in: probe (the built-in frame loop), qt (a real QApplication "
        "showing the folder in a list view; needs exifbench[qt]; with --out, grabs of the view go into the report) "
        "or asyncio (an asyncio event loop).",
    ),
]
CacheSize = Annotated[
    Optional[int],
    typer.Option("--cache-size", "--lru-size", min=1, help="Cache entries for strategies with a bounded cache (lazy's LRU)."),
]
CacheEnabled = Annotated[
    Optional[bool],
    typer.Option("--cache/--no-cache", help="Switch the cache of strategies that have the switch (lazy) on or off.", show_default=False),
]
HistoryDir = Annotated[
    Optional[Path],
    typer.Option("--history", help="A history directory (see exifbench history): runs are saved into it, keyed by fingerprint."),
]
DEFAULT_HISTORY = Path(".exifbench") / "history"
"""Where ``run --save`` keeps the history when no ``--history DIR`` is given."""
Save = Annotated[bool, typer.Option("--save", help=f"Append the runs to the history in {DEFAULT_HISTORY} (or --history DIR).")]
Metrics = Annotated[
    str,
    typer.Option("--metric", help="Comma list of blocking, blocking_own, p99, not_ready, time_to_exif, frames, lag, background, memory, "
                 "bytes_read, read_requests; or all (every one but p99)."),
]  # fmt: skip


def metric_names(spec: str) -> tuple[str, ...]:
    """``all`` or a comma list of metric names, checked."""
    from exifbench.reports.analysis.metrics import GATED, METRICS
    from exifbench.errors import ExifbenchError

    if spec.strip() == "all":
        return GATED
    names = tuple(dict.fromkeys(part.strip() for part in spec.split(",") if part.strip()))
    unknown = [name for name in names if name not in METRICS]
    if unknown or not names:
        raise ExifbenchError(f"--metric: unknown {', '.join(unknown) or 'empty list'}; choose from {', '.join(METRICS)} or all")
    return names


def min_effects(spec: str | None) -> dict[str, float]:
    """``blocking=0.02,lag=5`` as ``{metric: minimum effect}``, checked."""
    import math

    from exifbench.reports.analysis.metrics import METRICS
    from exifbench.errors import ExifbenchError

    effects: dict[str, float] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, _, value = (piece.strip() for piece in part.partition("="))
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if name not in METRICS or not math.isfinite(number) or number < 0:
            raise ExifbenchError(f"--min-effect: {part.strip()!r} must be METRIC=VALUE (a number ≥ 0) with METRIC one "
                                 f"of {', '.join(METRICS)}")  # fmt: skip
        effects[name] = number
    return effects
TrustScheduler = Annotated[bool, typer.Option(help="dask: connect to a --scheduler that is not on this machine's loopback (a scheduler can run code in this process: only one you trust).")]
Scheduler = Annotated[
    Optional[str],
    typer.Option("--scheduler", help="dask: the scheduler of a running cluster, tcp://HOST:PORT (default: $EXIFBENCH_DASK_SCHEDULER, "
                 "else a LocalCluster of --workers processes); its workers must see the files at the same paths."),
]  # fmt: skip
OnNotReady = Annotated[str, typer.Option(help="What the caller does with None: defaults, wait or defer.")]
OnLoaderError = Annotated[
    Optional[str],
    typer.Option("--on-loader-error", show_default=False, help="An exception from load_exif: file (that file's error; the run "
                 "goes on, the file answers {}) or strategy (the strategy fails) [default: file for module:Class and "
                 "call: loaders, strategy for the built-ins]."),
]  # fmt: skip
NoneMeans = Annotated[
    Optional[str],
    typer.Option("--none-means", show_default=False, help="What None from a blocking load_exif means: not-ready (the "
                 "protocol) or empty (the app's 'no EXIF', taken as {}) [default: the loader class's none_means "
                 "attribute, else not-ready]."),
]  # fmt: skip
Repeat = Annotated[int, typer.Option(min=1, help="Runs per strategy (per configuration), interleaved A B C A B C.")]
MAX_TIMEOUT_S = 10**7
"""The longest ``--timeout`` (about 115 days): a finite number the clock's timers can hold (``inf`` overflowed them)."""
Timeout = Annotated[Optional[float], typer.Option(min=0, max=MAX_TIMEOUT_S, help="Stop the whole run after this many seconds, keeping what was measured.")]
CacheDir = Annotated[
    Optional[Path],
    typer.Option("--cache-dir", help="persistent: the folder of its metadata database [default: run and sweep: a new, "
                 "empty one per run, removed after it; cache info/clear: the user cache dir ($EXIFBENCH_CACHE_DIR, else "
                 "$XDG_CACHE_HOME/exifbench or ~/.cache/exifbench), where an app's persistent loader keeps it]."),
]  # fmt: skip
Launches = Annotated[
    int,
    typer.Option(min=1, help="Replay N app launches, every strategy once per launch, each in a fresh Python process; persistent's "
                 "run-private cache starts empty for launch 1 (cold) and is kept for the next ones (warm) unless --cache-dir names one."),
]  # fmt: skip
Touch = Annotated[
    Optional[list[Path]],
    typer.Option("--touch", metavar="FILE", help="With --launches: before each launch after the first, set this file's modification time to now "
                 "(its bytes are untouched), to see persistent read a changed file again. Repeatable; relative to DIR."),
]  # fmt: skip
EqualityChoice = Annotated[
    Optional[str],
    typer.Option("--equality", show_default=False,
                 help="What 'equal' means: pillow (Pillow's _getexif() dicts), reference (the --reference loader's dicts; gate "
                 "--candidate and decide only), fields:Make,Model (only those fields, vs Pillow in run, vs the reference in "
                 "gate/decide), off (nothing compared, said in every output) [default: pillow in run, reference in gate/decide]."),
]  # fmt: skip
Normalize = Annotated[
    Optional[str],
    typer.Option("--normalize", metavar="MODULE:FUNCTION",
                 help="normalize(path, exif) -> dict mapping a loader's own dict shape to the compared field names "
                 "[default: the loader class's normalize method, if it has one]."),
]  # fmt: skip
NoReference = Annotated[
    bool,
    typer.Option("--reference/--no-reference", help="With one strategy: run sync beside it as the reference (the "
                 "'vs sync' column and the recommendation need it)."),
]  # fmt: skip


@dataclass(frozen=True)
class ReplayOptions:
    """The options of every command that replays a pattern as ``run`` does (``run``, ``sweep``), declared once:
    a command takes ``replay: ReplayOptions`` under :func:`with_replay_options`."""

    pattern: PatternName = None
    on_not_ready: OnNotReady = "defaults"
    repeat: Repeat = 1
    json_path: JsonOut = None
    force: Force = False
    cold: Cold = False
    extractor: Extractors = "pillow"
    extensions: Extensions = None
    cache_size: CacheSize = None
    cache: CacheEnabled = None
    scheduler: Scheduler = None
    trust_scheduler: TrustScheduler = False
    out: OutDir = None
    profile: Profile = False
    timeout: Timeout = None
    tick_ms: TickMs = FRAME_MS
    switch_interval: SwitchInterval = None
    ui: Ui = "probe"
    wide: Wide = False
    history_dir: HistoryDir = None
    save: Save = False
    cache_dir: CacheDir = None
    launches: Launches = 1
    touch: Touch = None
    on_loader_error: OnLoaderError = None
    none_means: NoneMeans = None
    equality: EqualityChoice = None
    normalize: Normalize = None

    def strategy_options(self) -> dict[str, Any]:
        """The strategy options given (``BenchConfig.options``), by their keyword."""
        given = {"cache_size": self.cache_size, "cache_enabled": self.cache, "scheduler": self.scheduler,
                 "trust_scheduler": self.trust_scheduler or None, "cache_dir": self.cache_dir}  # fmt: skip
        return {key: value for key, value in given.items() if value is not None}

    def bench_config(self, strategies: list[str], extractors: tuple[str, ...], **given: Any) -> BenchConfig:
        """The replay's config from these options; ``given``: what the command decides itself (``workers``,
        ``storage``, ``hook``, ``grab_dir``...). A strategy option no strategy takes is named by its flag."""
        from exifbench.errors import ExifbenchError
        from exifbench.harness.bench import BenchConfig, UnusedOption
        from exifbench.harness.equality import load_normalizer
        from exifbench.reports.documents.equality import PILLOW, parse_equality
        from exifbench.strategies import is_builtin

        if self.normalize is not None:
            load_normalizer(self.normalize)  # a name that imports nothing is one line now, not after the runs
            if all(is_builtin(name) for name in strategies):
                raise ExifbenchError(f"--normalize {self.normalize}: it maps a user loader's dicts, and every strategy "
                                     f"run here is a built-in (their dicts are Pillow's): {', '.join(strategies)}")  # fmt: skip
        try:
            return BenchConfig(strategies=strategies, repeat=self.repeat, on_not_ready=self.on_not_ready, extractors=extractors,
                               options=self.strategy_options(), cold=self.cold, tick_ms=self.tick_ms,
                               switch_interval_s=self.switch_interval, ui=self.ui, on_loader_error=self.on_loader_error,
                               none_means=self.none_means, equality=parse_equality(self.equality or PILLOW, self.normalize),
                               **given)  # fmt: skip
        except UnusedOption as unused:  # named by its flag here, by its keyword in BenchConfig
            raise unused.as_flag(OPTION_FLAGS[unused.option]) from None


OPTION_FLAGS = {"cache_size": "--cache-size", "cache_enabled": "--cache/--no-cache", "scheduler": "--scheduler", "cache_dir": "--cache-dir",
                "trust_scheduler": "--trust-scheduler"}  # fmt: skip
"""The strategy options as the user gave them."""


def with_replay_options(command: Command) -> Command:
    """``command``'s ``replay: ReplayOptions`` parameter, offered as :class:`ReplayOptions`' options."""
    hints = typing.get_type_hints(ReplayOptions, include_extras=True)
    options = [(one.name, hints[one.name], one.default) for one in dataclasses.fields(ReplayOptions)]
    return expanded(command, "replay", options, ReplayOptions)
