"""One benchmark invocation: dataset → pattern → replay(each strategy × repeats) → results.

Strategies run interleaved across repeats (A B C A B C …) so machine drift hits
all alike. Every run's final dicts are compared with the original loader's,
read untimed in the same process.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from exifbench.datasets.digest import folder_digest
from exifbench.datasets.folder import Folder
from exifbench.datasets.storage.mount import Mount, Mounted, Overhead, mounted
from exifbench.datasets.storage.model import StorageModel, cold_check, evict
from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors import ExifReader, describe_error, get_extractor
from exifbench.strategies.extractors.error_log import ErrorCollector
from exifbench.datasets.patterns.clock import now_ns
from exifbench.harness.environment import environment, load_block, load_snapshot
from exifbench.harness.equality import Judge, Raised, Reference, normalizer_for
from exifbench.reports.documents.equality import FIELDS, PILLOW, EqualitySpec
from exifbench.harness.overhead import harness_overhead_us
from exifbench.datasets.patterns.pattern import FRAME_MS, Pattern
from exifbench.harness.ui.probe import FrameProbe
from exifbench.harness.plan import ReplayPlan, plan_replay
from exifbench.harness.guard import NONE_MEANS, ON_LOADER_ERROR, GuardedLoader, LoaderFailure, working_directory_kept
from exifbench.harness.output import loader_output
from exifbench.harness.mainthread import ChargedContext, MainThread, queued_between, run_queue_ns
from exifbench.harness.calls import Replay
from exifbench.harness.orchestrate import IoMeter, collect, interleave, stopped
from exifbench.harness.replay import NOT_READY_POLICIES, UiLoop, check_ui, replay
from exifbench.reports.documents.runs import (
    Extra, FileError, Responsiveness, RunConfig, RunResult, RunSet, StrategyFailure, TimeToExif,
)
from exifbench.strategies import accepts, create, is_builtin, require_startable, resolve, takes_reader
from exifbench.strategies.base import ExifLoader, Pooled, ReportsFigures
from exifbench.strategies.exits import trapped_exits

ProgressHook = Callable[[str, int, int], None]
"""Called as ``hook(strategy, repeat, calls_done)``."""


class ReplayHook(Protocol):
    """Wraps each replay (e.g. a profiler) and sees each run as soon as it is made."""

    def around(self, strategy: str, repeat: int) -> AbstractContextManager[dict[str, Any]]:
        """Entered around one replay; the dict it yields, filled in on exit, becomes the run's ``extra``."""

    def measured(self, run: RunResult) -> None:
        """Called with the run just made (it may add to ``run.extra``)."""


class UnusedOption(ExifbenchError):
    """A strategy option none of the chosen strategies takes; a command line names it by its flag (:meth:`as_flag`)."""

    def __init__(self, option: str, strategies: list[str], flag: str | None = None) -> None:
        self.option, self.strategies = option, strategies
        super().__init__(f"{flag or f'option {option!r}'} is taken by none of the strategies {', '.join(strategies)}")

    def as_flag(self, flag: str) -> UnusedOption:
        return UnusedOption(self.option, self.strategies, flag)


@dataclass
class BenchConfig:
    """Everything that defines a run besides the dataset and the pattern; checks itself when made.

    ``options`` are the strategy options the user set (``cache_size``, ``cache_enabled``,
    ``timeout_s``...): each must be taken by at least one of ``strategies`` and goes to those
    that take it. ``workers`` is offered to every strategy that takes it; ``None`` leaves each
    strategy its own default (the plan's pools 4, ``viewport`` sized to ``storage``). ``storage``
    is offered too, so a strategy can size itself to what it reads through.
    """

    strategies: list[str]
    workers: int | None = None
    repeat: int = 1
    on_not_ready: str = "defaults"
    storage: StorageModel = field(default_factory=StorageModel)
    storage_via: str = "in-process"
    """``fuse``: every loader reads the folder through a mount that charges ``storage`` (the daemon counts
    the I/O); ``in-process``: exifbench's own reader charges it, loaders that read files themselves do not pay."""
    extractors: tuple[str, ...] = ("pillow",)
    options: dict[str, Any] = field(default_factory=dict)
    cold: bool = False
    tick_ms: float = FRAME_MS
    switch_interval_s: float | None = None
    hook: ReplayHook | None = None
    ui: str = "probe"
    grab_dir: Path | None = None
    """Where a real UI loop saves its grabs of the view (none without a directory)."""
    on_loader_error: str | None = None
    """``file``: an exception from ``load_exif`` is that file's error; ``strategy``: it fails the strategy;
    ``None``: ``file`` for a user's loader, ``strategy`` for a built-in (see :meth:`loader_error`)."""
    none_means: str | None = None
    """What a blocking call's ``None`` means: ``not-ready`` or ``empty``; ``None``: the loader class's own
    ``none_means`` attribute, else ``not-ready``."""
    equality: EqualitySpec = field(default_factory=EqualitySpec)
    """What each run's dicts are compared with (its ``against`` is ``pillow`` or one of ``strategies``)."""

    def __post_init__(self) -> None:
        if not self.strategies:
            raise ExifbenchError("no strategy given")
        with working_directory_kept():  # a user's module may chdir as it is imported
            classes = {name: resolve(name) for name in self.strategies}
        if not self.extractors:
            raise ExifbenchError("no extractor given")
        for extractor in self.extractors:
            get_extractor(extractor)
        if self.on_not_ready not in NOT_READY_POLICIES:
            raise ExifbenchError(f"on_not_ready must be one of {', '.join(NOT_READY_POLICIES)}, got {self.on_not_ready!r}")
        check_ui(self.ui)
        for name, minimum in (("workers", 1), ("repeat", 1)):
            if getattr(self, name) is not None and getattr(self, name) < minimum:
                raise ExifbenchError(f"{name} must be at least {minimum}, got {getattr(self, name)}")
        if self.switch_interval_s is not None and not self.switch_interval_s > 0:
            raise ExifbenchError(f"switch_interval_s must be above 0 seconds, got {self.switch_interval_s}")
        for option in self.options:
            if not any(accepts(cls, option) for cls in classes.values()):
                raise UnusedOption(option, self.strategies)
        if self.on_loader_error not in (None, *ON_LOADER_ERROR):
            raise ExifbenchError(f"--on-loader-error must be one of {', '.join(ON_LOADER_ERROR)}, got {self.on_loader_error!r}")
        if self.none_means not in (None, *NONE_MEANS):
            raise ExifbenchError(f"--none-means must be one of {', '.join(NONE_MEANS)}, got {self.none_means!r}")
        for name in self.strategies:
            self.none_is_empty(name)  # a class's own none_means is checked before anything runs

    def loader_error(self, strategy: str) -> str:
        """What an exception from ``strategy``'s ``load_exif`` is: :attr:`on_loader_error`, else ``file`` for a
        user's loader (its failure on one file is the app's own error) and ``strategy`` for a built-in."""
        return self.on_loader_error or ("strategy" if is_builtin(strategy) else "file")

    def none_is_empty(self, strategy: str) -> bool:
        """Does a blocking call's ``None`` mean "no EXIF" for ``strategy`` (:attr:`none_means`, else its class's)?"""
        means = self.none_means or getattr(resolve(strategy), "none_means", NONE_MEANS[0])
        if means not in NONE_MEANS:
            raise ExifbenchError(f"strategy {strategy!r}: none_means must be one of {', '.join(NONE_MEANS)}, got {means!r}")
        return bool(means == "empty")

    def loader_options(self, strategy: str) -> dict[str, Any]:
        """The options ``strategy`` is built with: ``storage``, ``workers`` if set, and each set option it takes."""
        cls = resolve(strategy)
        given = {"storage": self.storage} | ({} if self.workers is None else {"workers": self.workers})
        return given | {key: value for key, value in self.options.items() if accepts(cls, key)}


def baseline(
    plan: ReplayPlan,
    plain_root: str | None = None,
    stop: threading.Event | None = None,
    read: Callable[[str], Any] | None = None,
    keep: Callable[[str, Any], None] | None = None,
) -> dict[str, Any]:
    """The original loader's dict (or ``read``'s) for every file the plan loads: no storage latency, untimed.

    With ``keep``, each file's dict goes to ``keep(path, exif)`` as it is read, and nothing is returned (so that
    no second copy of every dict is held at once).
    With ``plain_root`` the files are read from there (the folder behind a mount), not from the plan's root.
    The reads run on a daemon thread so that ``stop`` (Ctrl-C, ``--timeout``) ends the wait at once, even in
    the middle of a file that takes minutes to parse: what was read by then is returned. A ``read`` that
    raises is one user error naming the file.
    """
    reader_ = ExifReader()
    read_one = read or (lambda path: reader_(path).exif)
    root = plain_root or plan.root
    expected: dict[str, Any] = {}
    failure: list[str] = []
    guard = threading.Lock()

    def read_all() -> None:
        for path in plan.targets:
            if stop is not None and stop.is_set():
                return
            try:
                exif = read_one(root + path[len(plan.root):])
            except Exception as exc:  # a reference loader's own failure, outside any measurement
                failure.append(f"{root + path[len(plan.root):]}: {describe_error(exc)}")
                return
            with guard:
                if keep is not None:
                    keep(path, exif)
                else:
                    expected[path] = exif

    reader = threading.Thread(target=read_all, name="exifbench-baseline", daemon=True)
    reader.start()
    while reader.is_alive() and not (stop is not None and stop.is_set()):
        reader.join(0.05)
    if failure:
        raise ExifbenchError(f"reading the expected dicts: {failure[0]}")
    with guard:
        return dict(expected)


def expected_dicts(config: BenchConfig, plan: ReplayPlan, plain_root: str, stop: threading.Event | None) -> Mapping[str, Any]:
    """Every file's expected dict as ``config.equality`` compares it: Pillow's (kept as digests, see
    :class:`~exifbench.harness.equality.Reference`), or the reference loader's (built with local storage, asked
    ``blocking=True``, untimed) mapped by its normalizer; none when ``off``. A file the reference raised for is
    :class:`Raised` (``--on-loader-error file``), else the command's error."""
    spec = config.equality
    if spec.off:
        return {}
    if spec.against == PILLOW:
        return pillow_reference(spec, plan, plain_root, stop)
    name = spec.against
    with create(name, ExifReader(), **{**config.loader_options(name), "storage": StorageModel()}) as loader:

        def read(path: str) -> Any:
            try:
                return loader.load_exif(path, blocking=True)
            except Exception as exc:  # --on-loader-error file: the reference's own failure on this file
                if config.loader_error(name) != "file":
                    raise
                return Raised(describe_error(exc))

        raw = baseline(plan, plain_root, stop, read)
        try:
            return Judge.expected_from(spec, raw, normalizer_for(spec, loader, name))
        except ExifbenchError as exc:
            raise ExifbenchError(f"reference {name}: {exc}") from None


def pillow_reference(spec: EqualitySpec, plan: ReplayPlan, plain_root: str, stop: threading.Event | None) -> Reference:
    """Pillow's dict of every file as ``spec`` compares it, each kept as its digest; a mismatch's details read the
    file again (from ``plain_root``) as the baseline did."""
    judge, reader = Judge(spec, {}), ExifReader()
    reference = Reference(lambda path: judge.as_expected(path, reader(plain_root + path[len(plan.root):]).exif))
    found: set[str] = set()  # with fields:, the names the dicts had before the cut

    def keep(path: str, exif: Any) -> None:
        if spec.mode == FIELDS and isinstance(exif, dict):
            found.update(str(name) for name in exif)
        reference.keep(path, judge.as_expected(path, exif))

    baseline(plan, plain_root, stop, keep=keep)
    if spec.mode == FIELDS:
        judge.check_fields_found(found, len(reference))
    return reference


@dataclass(frozen=True)
class Variant:
    """One strategy read with one extractor: what one run measures, and its label (see :func:`variant_name`)."""

    label: str
    strategy: str
    extractor: str


def variants(config: BenchConfig) -> list[Variant]:
    """Every strategy × extractor of ``config``, in the order each repeat runs them."""
    return [
        Variant(variant_name(name, extractor, config.extractors), name, extractor)
        for name in config.strategies
        for extractor in config.extractors
    ]


def run_bench(
    config: BenchConfig,
    folder: Folder,
    pattern: Pattern,
    progress: ProgressHook | None = None,
    stop: threading.Event | None = None,
    dataset: str | None = None,
    mount: Mounted | None = None,
) -> RunSet:
    """Run every strategy ``config.repeat`` times, interleaved; on ``stop`` return what was measured so far (see
    :class:`Bench`, whose fields these are, and :func:`exifbench.harness.orchestrate.collect`)."""
    return Bench(config, folder, pattern, progress, stop, dataset, mount).run()


@dataclass(frozen=True)
class Bench:
    """One benchmark: every strategy of ``config`` replaying ``pattern`` on ``folder``, ``config.repeat`` times.

    ``progress`` is told of every call; ``stop`` (Ctrl-C, ``--timeout``) ends it at the next call boundary;
    ``dataset`` names the folder in the runs. With ``storage_via="fuse"`` every run reads through one mount:
    ``mount`` if given (see :func:`storage_mount`), else one made for the benchmark and unmounted when it ends,
    however it ends. A strategy that keeps a cache on disk gets a run-private one (see :func:`private_cache`).
    """

    config: BenchConfig
    folder: Folder
    pattern: Pattern
    progress: ProgressHook | None = None
    stop: threading.Event | None = None
    dataset: str | None = None
    mount: Mounted | None = None

    def run(self) -> RunSet:
        """Every run in one run set (see :func:`exifbench.harness.orchestrate.collect`)."""
        return collect(self.steps(), self.stop)

    def steps(self) -> Iterator[tuple[Variant, RunSet]]:
        """Each variant with its run (or its failure, after which it is not run again) as soon as it is measured:
        the orchestration loop (:func:`exifbench.harness.orchestrate.interleave`). Each loader is closed before
        its run is yielded."""
        with ExitStack() as stack:
            mount = self.mount if self.mount is not None else stack.enter_context(storage_mount(self.config, self.folder))
            config = private_cache(self.config, stack)
            with trapped_exits(), working_directory_kept():  # a reference loader reads the expected dicts
                session = Session(replace(self, config=config, mount=mount))
            yield from interleave(session.variants, config.repeat, session.measure, self.stop)


CACHE_OPTION = "cache_dir"


def private_cache(config: BenchConfig, stack: ExitStack) -> BenchConfig:
    """``config`` with a new, empty cache folder (removed when ``stack`` closes) for the strategies that take
    ``cache_dir`` (``persistent``), unless the options name one: a benchmark starts cold and never writes into
    the user's cache unless asked to."""
    if CACHE_OPTION in config.options or not any(accepts(resolve(name), CACHE_OPTION) for name in config.strategies):
        return config
    private = tempfile.mkdtemp(prefix="exifbench-cache-")
    stack.callback(shutil.rmtree, private, True)
    return replace(config, options={**config.options, CACHE_OPTION: private})


def storage_mount(config: BenchConfig, folder: Folder) -> AbstractContextManager[Mount | None]:
    """The mount ``config`` reads ``folder`` through (unmounted on leaving), or ``None`` when not ``fuse``."""
    return mounted(folder.root, config.storage) if config.storage_via == "fuse" else nullcontext(None)


@contextmanager
def switch_interval(seconds: float | None) -> Iterator[None]:
    """``sys.setswitchinterval(seconds)`` for the block (none: left as it is), the process's own restored after it."""
    if seconds is None:
        yield
        return
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


class Session:
    """A :class:`Bench` made ready for its runs (its mount and cache folder in place): the replay plan (through the
    mount, if any), every file's expected dict, and what each run records of the set-up; :meth:`measure` makes one
    run."""

    def __init__(self, bench: Bench) -> None:
        config, folder, pattern, stop, mount = bench.config, bench.folder, bench.pattern, bench.stop, bench.mount
        require_startable(config.strategies)  # before any measurement: a user mistake, not a failed strategy
        self.config, self.folder, self.progress, self.stop = config, folder, bench.progress, stop
        self.dataset, self.mount = bench.dataset, mount
        self.variants = variants(config)
        self.plain_plan = plan_replay(pattern, folder)
        self.plan = plan_replay(pattern, mount.folder(folder)) if mount else self.plain_plan
        self.expected = expected_dicts(config, self.plan, self.plain_plan.root, stop)
        self.via = "fuse" if mount else ("in-process" if config.storage.charges else "none")
        self.meter = IoMeter(mount, self.plan.targets, config.storage.os_cache)
        self.environment: dict[str, Any] = {}
        self.shared_config: dict[str, Any] = {}
        if not stopped(stop):  # measured before the first run; a bench stopped while it got ready runs none
            self.environment, self.shared_config = self._environment(), self._shared_config()

    def _environment(self) -> dict[str, Any]:
        """The machine, the harness's own overhead and the mount's, measured before the first run."""
        env = {**environment(), "harness_overhead_us": round(harness_overhead_us(), 3)}
        if self.mount is not None:
            overhead = fuse_overhead(self.mount, self.plan)
            env["fuse_overhead_us"] = overhead.median_us
            env["fuse_overhead"] = overhead.to_dict()
        if self.config.switch_interval_s is not None:
            env["switch_interval_s"] = self.config.switch_interval_s
        return env

    def _shared_config(self) -> dict[str, Any]:
        """What every run records of the set-up."""
        config, folder = self.config, self.folder
        shared = {
            "dataset": self.dataset or self.plain_plan.root,
            "dataset_digest": folder_digest(folder),
            "pattern": self.plan.pattern,
            "on_not_ready": config.on_not_ready,
            "workers": config.workers,
            "options": dict(config.options),
            "extractors": list(config.extractors),
            "storage": config.storage.describe(),
            "storage_model": config.storage.to_dict(),
            "storage_via": self.via,
            "io_latency_ms": config.storage.latency_ms,
            "io_jitter_ms": config.storage.jitter_ms,
            "cold": config.cold,
            "repeats": config.repeat,
            "ui": config.ui,
            "equality": config.equality.to_dict(),
            "skipped": [{"path": s.path, "reason": s.reason} for s in folder.skipped],
        }
        if config.cold:
            shared["cold_check"] = cold_check(self.plain_plan.targets)
        return shared

    def measure(self, variant: Variant, repeat: int) -> RunSet:
        """One run of ``variant`` (``cold``: the page cache evicted first) with its I/O counted, or its failure;
        files are named by their real place, not the mount's."""
        if self.config.cold:
            evict(self.plain_plan.targets)
        with working_directory_kept():
            measured = self.meter(lambda: self._loaded(variant, repeat))
        mount_root, plain_root = self.plan.root, self.plain_plan.root
        if mount_root != plain_root:
            measured.failed = [replace(failure, error=failure.error.replace(mount_root, plain_root)) for failure in measured.failed]
            for run in measured.runs:
                _relocate(run, mount_root, plain_root)
        return measured

    def _loaded(self, variant: Variant, repeat: int) -> RunSet:
        """The run with the machine's load during it; the loader's own output kept; the hook told of it."""
        load = load_snapshot()
        with loader_output() as output:
            run = self._replayed(variant, repeat)
        if isinstance(run, StrategyFailure):
            return RunSet(failed=[run])
        run.environment = {**run.environment, "load": load_block(load, load_snapshot())}
        run.loader_output = output.to_dict()
        if self.config.hook is not None:
            self.config.hook.measured(run)
        return RunSet([run])

    def _replayed(self, variant: Variant, repeat: int) -> RunResult | StrategyFailure:
        config, plan, stop, name, label = self.config, self.plan, self.stop, variant.strategy, variant.label
        errors = ErrorCollector()  # this run's own: what its reader reports goes here alone
        reader = ExifReader(variant.extractor, StorageModel() if self.mount else config.storage, errors)

        def on_call(index: int) -> None:
            if self.progress is not None:
                self.progress(label, repeat, index + 1)

        around = config.hook.around(label, repeat) if config.hook else nullcontext({})
        main_thread = MainThread()
        with switch_interval(config.switch_interval_s):
            queue = run_queue_ns()
            begin = now_ns()
            try:
                loader = create(name, reader, **config.loader_options(name))
            except ExifbenchError as exc:  # the class was resolved before the run: its constructor raised
                if stopped(stop):  # e.g. a SIGTERM to the process group killed the pool it was starting
                    raise KeyboardInterrupt from None
                return StrategyFailure(label, repeat, str(exc))
            except KeyboardInterrupt:
                if stop is None or stop.is_set():
                    raise
                return _raised_interrupt(label, repeat, stop)
            main_thread.charge("startup", begin, now_ns(), queued_between(queue, run_queue_ns()))  # pools start here, on the main thread
            pool = loader.workers if isinstance(loader, Pooled) else None
            judge = Judge(config.equality, self.expected, normalizer_for(config.equality, loader, name))
            measured: Replay | None = None
            raised: dict[str, str] = {}  # path -> the one-line exception load_exif last raised for it (--on-loader-error file)
            try:
                with (
                    ChargedContext(GuardedLoader(loader, raised.__setitem__ if config.loader_error(name) == "file" else None,
                                                 config.none_is_empty(name)), main_thread) as guarded_loader,
                    around as extra,
                ):  # fmt: skip
                    ui = ui_loop(config, guarded_loader, plan, f"{label}-{repeat}")
                    measured = replay(guarded_loader, plan, config.on_not_ready, on_call, stop, ui,
                                      None if config.equality.off else judge.agrees, main_thread=main_thread)  # fmt: skip
            except LoaderFailure as exc:
                if stopped(stop):  # failing once a stop was asked for: the stop's doing, the run set stops here
                    raise KeyboardInterrupt from None
                return StrategyFailure(label, repeat, str(exc))
            except KeyboardInterrupt:  # stopped, then interrupted while closing: what the replay measured stands
                if stop is not None and not stop.is_set():
                    return _raised_interrupt(label, repeat, stop)
                if measured is None or stop is None:
                    raise
        measured.probe = ui.summary(main_thread.spans)  # again, now that close() is in it
        equality = judge.compare({path: exif for path, exif in measured.as_returned().items() if path not in raised},
                                 measured.unverified)  # fmt: skip
        equality.raised = sorted(raised)
        run_config = {**self.shared_config, "storage_charged": self.via != "in-process" or takes_reader(name),
                      "extractor": reader.extractor, "calls_s": measured.calls_s,
                      "pool_workers": pool if isinstance(pool, int) and not isinstance(pool, bool) else None,
                      "on_loader_error": config.loader_error(name),
                      "none_means": "empty" if config.none_is_empty(name) else "not-ready"}  # fmt: skip
        if reader.may_fall_back:  # counted from this run's own reads, whichever thread or process made them
            run_config["fastpath_fallbacks"] = {"files": len(plan.targets), **errors.fallbacks}
        return RunResult(
            strategy=label,
            repeat=repeat,
            calls=len(measured.blocking_ms),
            images=plan.images,
            files_touched=len({call.path for call in plan.calls[: len(measured.blocking_ms)]}),
            blocking=main_thread.blocking(measured.blocking_ms),
            not_ready=sum(measured.not_ready),
            deferred=measured.deferred,
            preload_ms=measured.preload_ms,
            startup_ms=round(main_thread.ms["startup"], 3),
            background_s=measured.background_s,
            equality=equality,
            errors=[FileError(path, error) for path, error in sorted(({**{e["path"]: e["error"] for e in errors.errors},
                                                                               **raised}).items())],  # fmt: skip
            environment=self.environment,
            config=RunConfig.from_dict(run_config, "config"),
            samples={
                "blocking_ms": [round(v, 4) for v in measured.blocking_ms],
                "at_ms": [round(v, 3) for v in measured.at_ms],
                "end_ms": [round(v, 3) for v in measured.end_ms],
                "not_ready": [int(v) for v in measured.not_ready],
                "lag_ms": [round(v, 3) for v in measured.lags_ms],
                "time_to_exif_ms": [round(v, 3) for v in measured.time_to_exif_ms],
            },
            responsiveness=Responsiveness.from_dict(measured.probe, "responsiveness"),
            time_to_exif=TimeToExif.from_dict(measured.seen["time_to_exif"], "time_to_exif"),
            first_page_ready_share=measured.seen["first_page_ready_share"],
            first_page_complete_ms=measured.seen["first_page_complete_ms"],
            extra=Extra(rest={**measured.extra, **extra, **(loader.figures() if isinstance(loader, ReportsFigures) else {})}),
            complete=measured.complete,
        )


def fuse_overhead(mount: Mounted, plan: ReplayPlan) -> Overhead:
    """What the mount adds to reading one file, on a sample of about 32 of ``plan``'s files; the daemon charges
    that much less from now on (:meth:`~exifbench.datasets.storage.mount.Mount.calibrate`)."""
    sample = sorted({path[len(plan.root) + 1:] for path in plan.targets})[:: max(1, len(plan.targets) // 32)]
    return mount.calibrate(sample)


def _relocate(run: RunResult, mount_root: str, plain_root: str) -> None:
    """Name files by their real place, not the temporary mount point, in errors and mismatches — their paths and
    the messages that quote a path (Pillow's ``cannot identify image file '<mount>/x.jpg'``)."""
    def real(path: str) -> str:
        return plain_root + path[len(mount_root):] if path.startswith(mount_root) else path

    run.errors = [FileError(real(e.path), e.error.replace(mount_root + "/", plain_root + "/")) for e in run.errors]
    run.equality.mismatches = [replace(m, path=real(m.path)) for m in run.equality.mismatches]


def variant_name(strategy: str, extractor: str, extractors: tuple[str, ...]) -> str:
    """How a run is labelled: the strategy, plus ``+extractor`` for any but the original (pillow) when
    several extractors are compared — so ``sync`` stays the reference."""
    return strategy if len(extractors) == 1 or extractor == "pillow" else f"{strategy}+{extractor}"


def _raised_interrupt(label: str, repeat: int, stop: threading.Event) -> StrategyFailure:
    """A ``KeyboardInterrupt`` while nobody asked to stop came from the loader: the run set stops there (``stop`` is
    set), the runs measured before are kept, and this one is a failure."""
    stop.set()
    return StrategyFailure(label, repeat, "the loader raised KeyboardInterrupt (no stop was asked for): the run set stopped there")


def ui_loop(config: BenchConfig, loader: ExifLoader, plan: ReplayPlan, run_name: str) -> UiLoop:
    """The main-thread loop one replay runs in; a real UI's grabs are named after ``run_name``."""
    if config.ui == "qt":
        from exifbench.harness.ui.qt import QtFrameLoop  # PySide6 is optional: imported only when asked for

        return QtFrameLoop(loader, plan, config.tick_ms, config.grab_dir, "grab-" + re.sub(r"[^\w.+-]", "_", run_name))
    if config.ui == "asyncio":
        from exifbench.harness.ui.asyncio_loop import AsyncioFrameLoop

        return AsyncioFrameLoop(config.tick_ms)
    return FrameProbe(config.tick_ms)

