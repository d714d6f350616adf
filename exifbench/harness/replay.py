"""Replaying a plan against one loader inside a UI loop on the calling (main) thread.

Each ``load_exif`` call is timed with ``perf_counter_ns``: the time spent inside
it is that call's main-thread blocking. What the caller does with ``None`` is
the ``on_not_ready`` policy. The UI loop (the built-in probe by default, or a
real event loop) decides how the main thread spends the time between calls and
measures how responsive it stayed; every frame it re-asks the placeholders on
screen (:meth:`PatternCalls.reask`), which times what the user sees. After the
pattern, the replay waits (not counted as blocking) until every background load
has given its real result while the UI loop keeps running — see :func:`_drain`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from exifbench.errors import ExifbenchError
from exifbench.harness.calls import PatternCalls, Replay
from exifbench.datasets.patterns.pattern import FRAME_MS
from exifbench.datasets.patterns.clock import now_ns, sleep_until
from exifbench.harness.mainthread import MainThread
from exifbench.harness.plan import ReplayPlan
from exifbench.harness.ui.probe import FrameProbe
from exifbench.strategies.base import BackgroundWork, Exif, ExifLoader, TimesReads

DRAIN_DEADLINE_S = 60.0
"""How long the drain waits for a pool to go idle, and then for a file whose blocking answer does not agree with the expected one."""

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
        """Make every call of ``calls`` when it is due; call ``calls.reask()`` once per frame."""
        ...

    def idle_until(self, done: threading.Event) -> None:
        """Keep the loop running, idle, until ``done`` is set (still calling ``calls.reask()`` per frame)."""
        ...

    def summary(self, busy: Sequence[tuple[int, int]] = ()) -> dict[str, Any]:
        """The responsiveness block of the run document; ``busy``: main-thread work made outside the loop's frames
        (``(begin_ns, end_ns)``: the loader's constructor, preload, close), counted as stretches the view could not draw in."""
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
    agrees: Callable[[str, Exif], bool] | None = None,
    deadline_s: float = DRAIN_DEADLINE_S,
    main_thread: MainThread | None = None,
) -> Replay:
    """Replay ``plan`` against ``loader`` in ``ui`` (default: the built-in probe); ``stop`` ends it early (``complete=False``).

    ``agrees(path, exif)`` (the run's equality, :meth:`~exifbench.harness.equality.Judge.agrees`) tells the
    drain which answers to confirm; ``deadline_s`` bounds its wait for each of those. ``main_thread``: the
    ledger the loader's main-thread calls are charged to (its constructor already in it); the replay adds
    ``preload``, the calls, the re-asks and any callbacks.
    """
    out = Replay(main_thread=main_thread or MainThread(), agrees=agrees)
    ui = ui if ui is not None else FrameProbe()
    start = now_ns()
    with out.main_thread.timed("preload"):
        loader.preload(plan.preload, plan.priority)
    out.preload_ms = (now_ns() - start) / 1e6
    calls = PatternCalls(loader, plan.calls, on_not_ready, out, start, on_call, stop)
    ui.run_calls(calls)
    out.calls_s = (now_ns() - start) / 1e9
    drained = _drain(loader, plan.targets, agrees, deadline_s, out, ui, stop, start, calls.view.shown_ns)
    out.background_s = (drained - start) / 1e9
    calls.view.frame(force=True)
    end = now_ns()
    out.seen = calls.view.summary(end)
    out.time_to_exif_ms = calls.view.times_ms(end)
    out.probe = ui.summary(out.main_thread.spans)
    out.extra = ui.extra()
    out.lags_ms = ui.lags_ms
    if not out.complete:  # keep, for the equality check, whatever touched file is ready now
        for call in plan.calls[: len(out.blocking_ms)]:
            if call.path not in out.results and (exif := loader.load_exif(call.path)) is not None:
                out.settle(call.path, exif)
    return out


def _drain(
    loader: ExifLoader,
    targets: list[str],
    agrees: Callable[[str, Exif], bool] | None,
    deadline_s: float,
    out: Replay,
    ui: UiLoop,
    stop: threading.Event | None,
    start_ns: int = 0,
    shown_ns: Mapping[str, int] | None = None,
) -> int:
    """Get every target's real final dict on a drain thread while the UI loop keeps running; when the last was ready.

    A loader with ``wait_idle`` (:class:`BackgroundWork`: the built-in pools) is first
    waited for until its background reads are done, up to ``deadline_s``. Then the
    drain asks each target with ``blocking=True``. A loader's blocking path may give
    up (``threadpool`` waits 5 s and answers ``{}`` while the read still runs), so an
    answer that does not ``agree`` with the expected one is not taken as final: the drain
    re-asks that file non-blocking every frame until the loader returns a dict (its
    real answer, equal or not) or ``deadline_s`` passes; then the file is *unverified*
    (named in ``out.unverified``, kept apart from equality).

    Returns the ``perf_counter_ns`` time the last target's final dict was ready, never a give-up time: each
    file's is the earliest the harness knows of — when the loader says it read it (:class:`TimesReads`), when
    the view first had it in hand (``shown_ns``, unless the drain doubted that answer), else when the drain got
    it. So background completion is not held to the drain's start, after the pattern's last call.
    """
    done = threading.Event()
    finished = [start_ns]
    failure: list[BaseException] = []
    shown = shown_ns or {}
    timed = loader if isinstance(loader, TimesReads) else None

    def settle(path: str, exif: Exif, doubted: bool = False) -> None:
        out.settle(path, exif)
        known = [now_ns()]
        if not doubted and path in shown:
            known.append(shown[path])
        if timed is not None and isinstance(read_ns := timed.ready_ns(path), int) and not isinstance(read_ns, bool):
            known.append(read_ns)
        finished[0] = max(finished[0], min(known))

    def stopped() -> bool:
        if stop is not None and stop.is_set():
            out.complete = False
            return True
        return False

    def wait_for_all() -> None:
        try:
            if isinstance(loader, BackgroundWork):
                idle_by = now_ns() + int(deadline_s * 1e9)
                while not loader.wait_idle(FRAME_MS / 1000) and now_ns() < idle_by:
                    if stopped():
                        return
            doubtful: dict[str, int] = {}
            for path in targets:
                if stopped():
                    return
                exif = loader.load_exif(path, blocking=True)
                if exif is None or (agrees is not None and not agrees(path, exif)):
                    doubtful[path] = now_ns() + int(deadline_s * 1e9)
                else:
                    settle(path, exif)
            while doubtful and not stopped():
                for path, deadline in list(doubtful.items()):
                    if (exif := loader.load_exif(path)) is not None:
                        settle(path, exif, doubted=True)
                    elif now_ns() < deadline:
                        continue
                    else:
                        out.unverified.append(path)
                    del doubtful[path]
                sleep_until(now_ns() + int(FRAME_MS * 1e6))
        except BaseException as exc:  # re-raised on the main thread
            failure.append(exc)
        finally:
            done.set()

    drain = threading.Thread(target=wait_for_all, name="exifbench-drain", daemon=True)
    drain.start()
    ui.idle_until(done)
    drain.join()
    if failure:
        raise failure[0]
    return finished[0]
