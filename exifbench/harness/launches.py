"""App launches side by side: every strategy replayed once per launch, each run in a fresh Python process.

``run --launches N`` asks what a strategy that keeps state on disk (``persistent``) gives
on the first launch (cold) and on the next ones (warm). Nothing in memory may survive
from one launch to the next, so each (launch, strategy) run is its own child process
(``python -m exifbench.harness.launches SPEC RESULT``) that replays the pattern, checks
every dict against the original loader's and writes its run set. The parent keeps what
must stay the same: the storage model's FUSE mount is made once and every child reads
through it (the parent counts each child's I/O and checks the daemon); a run-private
cache folder (``cache_dir``, unless the options name one) starts empty for launch 1 and is
removed at the end.

Runs are labelled ``<strategy> launch K``; the reference ``sync`` keeps its name, one repeat
per launch (it keeps nothing between launches), so ``vs sync`` compares each launch with it.
Stop (Ctrl-C, ``--timeout``) is passed to the running child as one SIGINT: it ends its
replay at the next call and its partial run is kept; no further launch starts. A child is started
with SIGINT blocked and unblocks it once its handler is in place, so a stop that comes while it
is still starting up waits for that handler instead of killing it with a ``KeyboardInterrupt``.
If the stopped child is still busy when the CLI's watchdog interrupts the parent, it is killed
and the launches measured before it are kept.
"""

from __future__ import annotations

import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from exifbench.datasets.folder import Folder
from exifbench.datasets.storage.mount import Borrowed, Overhead
from exifbench.reports.documents.runs import RunResult, RunSet, StrategyFailure
from exifbench.errors import ExifbenchError
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.harness.bench import (BenchConfig, Variant, fuse_overhead, private_cache, run_bench, storage_mount,
                                     variant_name, variants)
from exifbench.harness.orchestrate import IoMeter, collect, interleave, stopped
from exifbench.harness.plan import plan_replay
from exifbench.strategies import ORIGINAL, accepts, resolve

KILL_AFTER_S = 30.0
"""How long a stopped child may take to write what it measured before it is killed."""

Between = Callable[[int], None]
"""Called with launch K (K >= 2) before it starts: e.g. change a file, to see it read again."""


@dataclass(frozen=True)
class Launch:
    """One strategy with one extractor, in launch ``number`` (its child's :class:`Task`)."""

    number: int
    strategy: str
    extractor: str


def label(run_strategy: str, launch: int) -> str:
    """``persistent launch 2``; the reference keeps its name (its launches are its repeats)."""
    return run_strategy if run_strategy == ORIGINAL else f"{run_strategy} launch {launch}"


def run_launches(
    config: BenchConfig,
    folder: Folder,
    pattern: Pattern,
    launches: int,
    stop: threading.Event | None = None,
    dataset: str | None = None,
    between: Between | None = None,
    started: Callable[[Launch], None] | None = None,
    notice: Callable[[str], None] | None = None,
) -> RunSet:
    """Replay ``launches`` launches of every strategy × extractor in ``config`` (``repeat`` must be 1).

    ``started`` is told of each child as it starts; ``notice`` gets each line a child wrote to stderr
    (warnings, e.g. a rebuilt cache). A child that fails is one :class:`StrategyFailure` naming the
    launch; its strategy is not launched again. The launches are the orchestration loop's repeats.
    """
    if config.repeat != 1 or config.hook is not None or launches < 1:
        raise ExifbenchError("launches: each strategy runs once per launch, in its own process (repeat 1, no hook, launches >= 1)")
    with ExitStack() as stack:
        mount = stack.enter_context(storage_mount(config, folder))
        config = private_cache(config, stack)  # one for every launch: launch 1 starts cold, the next ones find it
        overhead, targets = Overhead(), []  # the mount's overhead and the files it serves, for every launch
        if mount is not None:
            mounted_plan = plan_replay(pattern, mount.folder(folder))
            overhead, targets = fuse_overhead(mount, mounted_plan), mounted_plan.targets
        meter = IoMeter(mount, targets, config.storage.os_cache)
        borrowed = Borrowed(mount.mountpoint, overhead) if mount is not None else None

        def measure(variant: Variant, repeat: int) -> RunSet:
            launch = Launch(repeat + 1, variant.strategy, variant.extractor)
            if started is not None:
                started(launch)
            task = Task(narrowed(config, variant), folder, pattern, dataset, borrowed)
            return meter(lambda: _launched(variant, launch.number, _run_child(launch, task, stop, notice)))

        def before(repeat: int) -> None:
            if between is not None:
                between(repeat + 1)

        return collect(interleave(variants(config), launches, measure, stop, before), stop)


def narrowed(config: BenchConfig, variant: Variant) -> BenchConfig:
    """``config`` (whole: every field it has) for one launch's child: its one strategy and extractor, the options it takes."""
    cls = resolve(variant.strategy)
    return replace(config, strategies=[variant.strategy], extractors=(variant.extractor,),
                   options={key: value for key, value in config.options.items() if accepts(cls, key)})  # fmt: skip


def _launched(variant: Variant, number: int, child: RunSet | StrategyFailure) -> RunSet:
    """A child's run set (or its failure) labelled with its launch."""
    if isinstance(child, StrategyFailure):
        return RunSet(complete=False, failed=[replace(child, strategy=label(variant.label, number))])
    return RunSet([_as_launch(run, variant.label, number) for run in child.runs], child.complete,
                  [replace(failure, strategy=label(variant.label, number)) for failure in child.failed])  # fmt: skip


def _as_launch(run: RunResult, variant: str, number: int) -> RunResult:
    """A child's run labelled with its launch (its I/O is counted by the parent's daemon, see :class:`IoMeter`)."""
    repeat = number - 1 if variant == ORIGINAL else 0
    return replace(run, strategy=label(variant, number), repeat=repeat, config=replace(run.config, launch=number))


@dataclass(frozen=True)
class Task:
    """What one launch's child replays, passed to it whole (pickled): a field added to :class:`BenchConfig` reaches it."""

    config: BenchConfig
    folder: Folder
    pattern: Pattern
    dataset: str | None
    mount: Borrowed | None
    """The parent's mount, which the child reads through (its counts and health stay with the parent)."""

    def save(self, path: Path) -> None:
        path.write_bytes(pickle.dumps(self))

    @staticmethod
    def load(path: str | Path) -> Task:
        task = pickle.loads(Path(path).read_bytes())  # written by this child's parent, in a folder only it can write
        if not isinstance(task, Task):
            raise ExifbenchError(f"{path}: not a launch's task")
        return task


def _run_child(launch: Launch, task: Task, stop: threading.Event | None, notice: Callable[[str], None] | None) -> RunSet | StrategyFailure:
    """Run one launch in a fresh interpreter; its run set, or why it failed (one line)."""
    variant = variant_name(launch.strategy, launch.extractor, task.config.extractors)
    with tempfile.TemporaryDirectory(prefix="exifbench-launch-") as work:
        spec, result, errors = Path(work) / "task.pickle", Path(work) / "result.json", Path(work) / "stderr.txt"
        task.save(spec)
        with errors.open("w", encoding="utf-8") as stderr, _sigint_blocked():  # the child inherits the mask
            child = subprocess.Popen([sys.executable, "-m", "exifbench.harness.launches", str(spec), str(result)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                     start_new_session=True)  # fmt: skip  # Ctrl-C reaches the parent, which passes it on once
        code = _wait(child, stop)
        lines = [line.strip() for line in errors.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        if code != 0 or not result.is_file():
            why = lines[-1] if lines else "no message"
            return StrategyFailure(variant, 0, f"launch {launch.number}: its process exited with code {code}: {why}")
        for line in lines:
            if notice is not None:
                notice(line)
        return RunSet.load(result)


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT blocked in this thread (pending, not lost: delivered when unblocked) for the block."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _wait(child: subprocess.Popen[bytes], stop: threading.Event | None) -> int:
    """The child's exit code; on ``stop`` it gets one SIGINT (it keeps what it measured), then time to write it."""
    try:
        while child.poll() is None:
            if stopped(stop):
                child.send_signal(signal.SIGINT)
                try:
                    return child.wait(KILL_AFTER_S)
                except subprocess.TimeoutExpired:
                    child.kill()
                    return child.wait()
            time.sleep(0.05)
        return child.returncode
    except BaseException:  # interrupted while waiting (a second Ctrl-C): nothing is left running
        child.kill()
        child.wait()
        raise


def child_main(spec_path: str, result_path: str) -> int:
    """In the child: replay the one run the spec describes and write its run set; SIGINT ends it at the next call."""
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # started blocked: a stop sent meanwhile arrives now
    task = Task.load(spec_path)
    runs = run_bench(task.config, task.folder, task.pattern, None, stop, task.dataset, task.mount)
    runs.save(result_path)
    return 0


if __name__ == "__main__":  # run as __main__: the task's classes are the importable module's, so run that one
    from exifbench.harness.launches import child_main as main

    sys.exit(main(*sys.argv[1:]))
