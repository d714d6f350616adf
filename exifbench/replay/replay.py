"""Replaying a plan against one loader inside a UI loop on the calling (main) thread.

Each ``load_exif`` call is timed with ``perf_counter_ns``: the time spent inside
it is that call's main-thread blocking. What the caller does with ``None`` is
the ``on_not_ready`` policy. The UI loop (the built-in probe by default, or a
real event loop) decides how the main thread spends the time between calls and
measures how responsive it stayed. After the pattern, the replay waits (not
counted as blocking) until every background load has finished while the UI loop
keeps running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from exifbench.errors import ExifbenchError
from exifbench.replay.calls import PatternCalls, Replay
from exifbench.replay.clock import now_ns
from exifbench.replay.plan import ReplayPlan
from exifbench.replay.probe import FrameProbe
from exifbench.strategies.base import ExifLoader

NOT_READY_POLICIES = ("defaults", "wait", "defer")
UI_LOOPS = ("probe", "qt", "asyncio")
"""The main-thread loops a replay can run in: the built-in probe, a real Qt application, an asyncio event loop."""


def check_ui(name: str) -> str:
    """``name`` if it is one of :data:`UI_LOOPS`; a user error otherwise."""
    if name not in UI_LOOPS:
        raise ExifbenchError(f"--ui must be one of {', '.join(UI_LOOPS)}, got {name!r}")
    return name


class UiLoop(Protocol):
    """The main thread's loop during a replay: makes the calls when due, stays responsive, measures it."""

    @property
    def lags_ms(self) -> list[float]:
        """How late each frame's timer fired, in ms."""
        ...

    def run_calls(self, calls: PatternCalls) -> None:
        """Make every call of ``calls`` when it is due."""
        ...

    def idle_until(self, done: threading.Event) -> None:
        """Keep the loop running, idle, until ``done`` is set."""
        ...

    def summary(self) -> dict[str, Any]:
        """The responsiveness block of the run document."""
        ...

    def extra(self) -> dict[str, Any]:
        """What the loop showed besides its metrics (e.g. grabs of a real view), for the run's ``extra``."""
        ...


def replay(
    loader: ExifLoader,
    plan: ReplayPlan,
    on_not_ready: str = "defaults",
    on_call: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    ui: UiLoop | None = None,
) -> Replay:
    """Replay ``plan`` against ``loader`` in ``ui`` (default: the built-in probe); ``stop`` ends it early (``complete=False``)."""
    out = Replay()
    ui = ui if ui is not None else FrameProbe()
    start = now_ns()
    loader.preload(plan.preload, plan.priority)
    out.preload_ms = (now_ns() - start) / 1e6
    ui.run_calls(PatternCalls(loader, plan.calls, on_not_ready, out, start, on_call, stop))
    out.calls_s = (now_ns() - start) / 1e9
    out.background_s = (_drain(loader, plan.targets, out, ui, stop) - start) / 1e9
    out.probe = ui.summary()
    out.extra = ui.extra()
    out.lags_ms = ui.lags_ms
    if not out.complete:  # keep, for the equality check, whatever touched file is ready now
        for call in plan.calls[: len(out.blocking_ms)]:
            if call.path not in out.results and (exif := loader.load_exif(call.path)) is not None:
                out.results[call.path] = exif
    return out


def _drain(loader: ExifLoader, targets: list[str], out: Replay, ui: UiLoop, stop: threading.Event | None) -> int:
    """Wait for every target's final dict on a drain thread while the UI loop keeps running.

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
    ui.idle_until(done)
    drain.join()
    if failure:
        raise failure[0]
    return finished[0]
