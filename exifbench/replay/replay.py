"""Replaying a pattern against one loader on the calling (main) thread.

Each ``load_exif`` call is timed with ``perf_counter_ns``: the time spent inside
it is that call's main-thread blocking. What the caller does with ``None`` is
the ``on_not_ready`` policy. After the pattern, the replay waits (not counted
as blocking) until every background load has finished.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from exifbench.dataset.folder import Folder
from exifbench.errors import ExifbenchError
from exifbench.pattern.pattern import Pattern, resolve_ref, safe_relative
from exifbench.replay.probe import FrameProbe
from exifbench.replay.clock import now_ns
from exifbench.strategies.base import ExifLoader

NOT_READY_POLICIES = ("defaults", "wait", "defer")


@dataclass(frozen=True)
class PlannedCall:
    path: str
    think_ms: float
    blocking: bool


@dataclass(frozen=True)
class ReplayPlan:
    """A pattern resolved against a folder: absolute paths, in call order."""

    pattern: str
    root: str
    images: int
    calls: list[PlannedCall]
    preload: list[str]
    priority: list[str]

    @property
    def touched(self) -> list[str]:
        """Distinct files the calls ask for, in first-call order."""
        return list(dict.fromkeys(call.path for call in self.calls))

    @property
    def targets(self) -> list[str]:
        """Every file the replay loads: called or pre-loaded."""
        return list(dict.fromkeys([*self.touched, *self.priority, *self.preload]))


def plan_replay(pattern: Pattern, folder: Folder) -> ReplayPlan:
    """Map the pattern's image references onto the folder (index ``i`` -> file ``i % N``)."""
    if not folder.files:
        raise ExifbenchError(f"{folder.root}: no images found to replay")

    listed = set(folder.files)

    def resolve(ref: int | str) -> str:
        path = resolve_ref(ref, folder.files, folder.root)
        if isinstance(ref, str) and safe_relative(ref) not in listed:
            raise ExifbenchError(f"pattern path {ref!r} is not one of the {len(listed)} images scanned in {folder.root}")
        return path

    return ReplayPlan(
        pattern=pattern.name,
        root=str(folder.root),
        images=len(folder.files),
        calls=[PlannedCall(resolve(call.image), call.think_ms, call.blocking) for call in pattern.calls],
        preload=[resolve(ref) for ref in pattern.preload],
        priority=[resolve(ref) for ref in pattern.priority],
    )


@dataclass
class Replay:
    """What one replay measured, in milliseconds from the replay's start."""

    blocking_ms: list[float] = field(default_factory=list)
    at_ms: list[float] = field(default_factory=list)
    not_ready: list[bool] = field(default_factory=list)
    preload_ms: float = 0.0
    deferred: int = 0
    calls_s: float = 0.0
    background_s: float = 0.0
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    probe: dict[str, float] = field(default_factory=dict)
    lags_ms: list[float] = field(default_factory=list)
    complete: bool = True


def replay(
    loader: ExifLoader,
    plan: ReplayPlan,
    on_not_ready: str = "defaults",
    on_call: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    probe: FrameProbe | None = None,
) -> Replay:
    """Replay ``plan`` against ``loader``; ``stop`` ends it early (``complete=False``).

    Think time is spent in ``probe``'s frame loop; while background loads finish,
    the main thread keeps ticking (an idle UI) and a drain thread waits for them.
    """
    if on_not_ready not in NOT_READY_POLICIES:
        raise ExifbenchError(f"--on-not-ready must be one of {', '.join(NOT_READY_POLICIES)}, got {on_not_ready!r}")
    out = Replay()
    probe = probe if probe is not None else FrameProbe()
    start = now_ns()
    loader.preload(plan.preload, plan.priority)
    out.preload_ms = (now_ns() - start) / 1e6
    next_at = now_ns()
    for index, call in enumerate(plan.calls):
        if stop is not None and stop.is_set():
            out.complete = False
            break
        next_at += int(call.think_ms * 1e6)
        probe.wait_until(next_at)
        begin = now_ns()
        exif = loader.load_exif(call.path, blocking=call.blocking)
        not_ready = exif is None
        if not_ready and on_not_ready == "wait":
            loader.load_exif(call.path, blocking=True)
        elif not_ready and on_not_ready == "defer":
            loader.preload([call.path])
            out.deferred += 1
        end = now_ns()
        next_at = max(next_at, end)
        out.blocking_ms.append((end - begin) / 1e6)
        probe.add_work(out.blocking_ms[-1])
        out.at_ms.append((begin - start) / 1e6)
        out.not_ready.append(not_ready)
        if on_call is not None:
            on_call(index)
    out.calls_s = (now_ns() - start) / 1e9
    out.background_s = (_drain(loader, plan.targets, out, probe, stop) - start) / 1e9
    out.probe = probe.summary()
    out.lags_ms = probe.lags_ms
    if not out.complete:  # keep, for the equality check, whatever touched file is ready now
        for call in plan.calls[: len(out.blocking_ms)]:
            if call.path not in out.results and (exif := loader.load_exif(call.path)) is not None:
                out.results[call.path] = exif
    return out


def _drain(loader: ExifLoader, targets: list[str], out: Replay, probe: FrameProbe, stop: threading.Event | None) -> int:
    """Wait for every target's final dict on a drain thread while the main thread keeps ticking.

    Returns the ``perf_counter_ns`` time at which the last load had finished.
    """
    done = threading.Event()
    finished = [0]
    failure: list[BaseException] = []

    def wait_for_all() -> None:
        try:
            for path in targets:
                if stop is not None and stop.is_set():
                    out.complete = False
                    return
                out.results[path] = loader.load_exif(path, blocking=True)
        except BaseException as exc:  # re-raised on the main thread
            failure.append(exc)
        finally:
            finished[0] = now_ns()
            done.set()

    drain = threading.Thread(target=wait_for_all, name="exifbench-drain", daemon=True)
    drain.start()
    probe.idle_until(done)
    drain.join()
    if failure:
        raise failure[0]
    return finished[0]
