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

import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from exifbench.datasets.folder import Folder, Skipped
from exifbench.datasets.storage.io import IoCounts
from exifbench.datasets.storage.mount import Borrowed, Mount
from exifbench.datasets.storage.model import StorageModel
from exifbench.reports.documents.runs import RunResult, RunSet, StrategyFailure
from exifbench.errors import ExifbenchError
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.reports.documents.equality import EqualitySpec
from exifbench.harness.bench import BenchConfig, fuse_overhead_us, private_cache, run_bench, storage_mount, variant_name
from exifbench.harness.plan import plan_replay
from exifbench.strategies import accepts, resolve

REFERENCE = "sync"
KILL_AFTER_S = 30.0
"""How long a stopped child may take to write what it measured before it is killed."""

Between = Callable[[int], None]
"""Called with launch K (K >= 2) before it starts: e.g. change a file, to see it read again."""


@dataclass(frozen=True)
class Launch:
    """One child's task: one strategy with one extractor, in launch ``number``."""

    number: int
    strategy: str
    extractor: str


def label(run_strategy: str, launch: int) -> str:
    """``persistent launch 2``; the reference keeps its name (its launches are its repeats)."""
    return run_strategy if run_strategy == REFERENCE else f"{run_strategy} launch {launch}"


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
    launch; its strategy is not launched again.
    """
    if config.repeat != 1 or config.hook is not None or launches < 1:
        raise ExifbenchError("launches: each strategy runs once per launch, in its own process (repeat 1, no hook, launches >= 1)")
    runs = RunSet()
    try:
        _launch_all(config, folder, pattern, launches, runs, stop, dataset, between, started, notice)
    except KeyboardInterrupt:  # the stopped child was still busy when the watchdog interrupted the wait: it is gone
        if not _stopped(stop):
            raise
        runs.complete = False
    return runs


def _launch_all(
    config: BenchConfig,
    folder: Folder,
    pattern: Pattern,
    launches: int,
    runs: RunSet,
    stop: threading.Event | None,
    dataset: str | None,
    between: Between | None,
    started: Callable[[Launch], None] | None,
    notice: Callable[[str], None] | None,
) -> None:
    """:func:`run_launches`' loop, adding each child's runs (or failure) to ``runs`` as it ends."""
    failed: set[str] = set()
    with ExitStack() as stack:
        mount = stack.enter_context(storage_mount(config, folder))
        config = private_cache(config, stack)  # one for every launch: launch 1 starts cold, the next ones find it
        overhead, targets = 0.0, []  # the mount's overhead and the files it serves, for every launch
        if mount is not None:
            mounted_plan = plan_replay(pattern, mount.folder(folder))
            overhead, targets = fuse_overhead_us(mount, mounted_plan), mounted_plan.targets
        for number in range(1, launches + 1):
            if number > 1 and between is not None and not _stopped(stop):
                between(number)
            for name in config.strategies:
                for extractor in config.extractors:
                    if _stopped(stop):
                        runs.complete = False
                        return
                    variant = variant_name(name, extractor, config.extractors)
                    if variant in failed:
                        continue
                    launch = Launch(number, name, extractor)
                    if started is not None:
                        started(launch)
                    if mount is not None and config.storage.os_cache:
                        mount.drop_cache(targets)
                    before = IoCounts.of(mount.counts()) if mount is not None else None
                    child = _run_child(launch, config, folder, pattern, dataset, mount, overhead, stop, notice)
                    if mount is not None:
                        mount.check()
                    if isinstance(child, StrategyFailure):
                        failed.add(variant)
                        runs.failed.append(replace(child, strategy=label(variant, number)))
                        runs.complete = False
                        continue
                    io = (IoCounts.of(mount.counts()) - before).to_dict() if mount is not None and before is not None else None
                    for run in child.runs:
                        runs.runs.append(_as_launch(run, variant, number, io))
                    runs.failed.extend(replace(f, strategy=label(variant, number)) for f in child.failed)
                    if child.failed:
                        failed.add(variant)
                    runs.complete = runs.complete and child.complete and not child.failed


def _stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


def _as_launch(run: RunResult, variant: str, number: int, io: dict[str, Any] | None) -> RunResult:
    """A child's run labelled with its launch, its I/O as the parent's daemon counted it."""
    repeat = number - 1 if variant == REFERENCE else 0
    config = {**run.config, "launch": number}
    return replace(run, strategy=label(variant, number), repeat=repeat, config=config, io=io if io is not None else run.io)


def _run_child(
    launch: Launch,
    config: BenchConfig,
    folder: Folder,
    pattern: Pattern,
    dataset: str | None,
    mount: Mount | None,
    overhead_us: float,
    stop: threading.Event | None,
    notice: Callable[[str], None] | None,
) -> RunSet | StrategyFailure:
    """Run one launch in a fresh interpreter; its run set, or why it failed (one line)."""
    variant = variant_name(launch.strategy, launch.extractor, config.extractors)
    with tempfile.TemporaryDirectory(prefix="exifbench-launch-") as work:
        spec, result, errors = Path(work) / "spec.json", Path(work) / "result.json", Path(work) / "stderr.txt"
        spec.write_text(json.dumps(_spec(launch, config, folder, pattern, dataset, mount, overhead_us), default=str), encoding="utf-8")
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
            if _stopped(stop):
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


def _spec(
    launch: Launch, config: BenchConfig, folder: Folder, pattern: Pattern, dataset: str | None, mount: Mount | None, overhead_us: float,
) -> dict[str, Any]:
    """What a child needs, as JSON."""
    return {
        "strategy": launch.strategy,
        "extractor": launch.extractor,
        "config": {
            "workers": config.workers, "on_not_ready": config.on_not_ready, "storage": config.storage.to_dict(),
            "storage_via": config.storage_via,
            "options": {key: value for key, value in config.options.items() if accepts(resolve(launch.strategy), key)}, "cold": config.cold, "tick_ms": config.tick_ms,
            "switch_interval_s": config.switch_interval_s, "ui": config.ui, "equality": config.equality.to_dict(),
            "on_loader_error": config.on_loader_error, "none_means": config.none_means,
            "grab_dir": str(config.grab_dir) if config.grab_dir is not None else None,
        },
        "folder": {"root": str(folder.root), "files": folder.files, "skipped": [asdict(s) for s in folder.skipped]},
        "pattern": pattern.to_dict(),
        "dataset": dataset,
        "mount": {"mountpoint": str(mount.mountpoint), "overhead_us": overhead_us} if mount is not None else None,
    }  # fmt: skip


def child_main(spec_path: str, result_path: str) -> int:
    """In the child: replay the one run the spec describes and write its run set; SIGINT ends it at the next call."""
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # started blocked: a stop sent meanwhile arrives now
    settings = spec["config"]
    config = BenchConfig(
        strategies=[spec["strategy"]],
        extractors=(spec["extractor"],),
        storage=StorageModel(**settings.pop("storage")),
        grab_dir=Path(grab) if (grab := settings.pop("grab_dir")) is not None else None,
        equality=EqualitySpec.from_dict(settings.pop("equality"), "equality"),
        **settings,
    )
    found = spec["folder"]
    folder = Folder(Path(found["root"]), found["files"], [Skipped(**s) for s in found["skipped"]])
    mount = Borrowed(Path(spec["mount"]["mountpoint"]), spec["mount"]["overhead_us"]) if spec["mount"] else None
    runs = run_bench(config, folder, Pattern.from_dict(spec["pattern"]), None, stop, spec["dataset"], mount)
    runs.save(result_path)
    return 0


if __name__ == "__main__":
    sys.exit(child_main(*sys.argv[1:]))
