"""The responsiveness probe: the main thread's think time as a UI frame loop.

Between calls the main thread does not just sleep: it wakes at every tick
(``tick_ms`` apart, default one 60 Hz frame), records how late it woke
(lag = actual − scheduled), runs a fixed small UI workload (:func:`ui_frame_work`)
and then the view's own per-frame job (re-asking its placeholders). A tick that
wakes after the next one was due is merged with it, as Qt's precise timers do:
the next tick is then scheduled one interval after the late wake, never as a
backlog of instant ticks.

Each tick opens a frame that lasts from its scheduled time to the end of the
main-thread work done in it (the UI workload, the view's job and any
``load_exif`` calls made before the next tick). Overlapping frames merge into one
busy stretch; from those stretches, by the standards UI people use:

- ``frames_missed``: 60 Hz frames missed, ``floor(stretch / 16.7 ms)`` each
  (a 570 ms block misses 34);
- ``long_tasks``: stretches over 50 ms (W3C Long Tasks);
- ``frozen_frames``: stretches over 700 ms (Android vitals);
- ``ui_work_stretch``: the mean time of the UI workload over the run's frames ÷
  its median time measured quiet, before the loader starts (1.0 = no slowdown;
  GIL contention from background threads shows up here; the mean keeps the
  occasional frame that lost the GIL, which a median would hide).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from exifbench.reports.statistics import percentile
from exifbench.datasets.patterns.pattern import FRAME_MS
from exifbench.harness.calls import PatternCalls
from exifbench.datasets.patterns.clock import now_ns, sleep_until

LONG_TASK_MS = 50.0
FROZEN_FRAME_MS = 700.0
QUIET_ROUNDS = 200


def ui_frame_work(cells: int = 120) -> int:
    """A fixed small per-frame UI job in pure Python (a fraction of a ms): lay out a page of
    thumbnail cells and format their captions."""
    checksum = 0
    for index in range(cells):
        x, y = (index % 6) * 160, (index // 6) * 120
        caption = f"IMG_{index:04d}.jpg @ {x},{y} {x * y % 977:03d}"
        checksum += sum(map(ord, caption)) + x - y
    return checksum


def time_ui_work() -> float:
    """One run of :func:`ui_frame_work`, in ms."""
    begin = now_ns()
    ui_frame_work()
    return (now_ns() - begin) / 1e6


def busy_figures(stretches_ms: Sequence[float], frame_ms: float = FRAME_MS) -> dict[str, int]:
    """Frames missed at 60 Hz, long tasks and frozen frames over the main thread's busy stretches."""
    return {
        "frames_missed": sum(int(ms // frame_ms) for ms in stretches_ms),
        "long_tasks": sum(ms > LONG_TASK_MS for ms in stretches_ms),
        "frozen_frames": sum(ms > FROZEN_FRAME_MS for ms in stretches_ms),
    }


def quiet_ui_ms(rounds: int = QUIET_ROUNDS) -> float:
    """The UI workload's quiet time: the median of ``rounds`` warmed-up runs (measure before the loader works)."""
    for _ in range(rounds // 4):
        ui_frame_work()
    return percentile([time_ui_work() for _ in range(rounds)], 50)


def responsiveness(
    ui: str,
    tick_ms: float,
    lags_ms: Sequence[float],
    frames: Sequence[tuple[int, int]],
    ui_work_ms: Sequence[float],
    quiet_ms: float,
) -> dict[str, float | int | str]:
    """The run document's ``responsiveness`` block, from any UI loop's ticks: their lags, their frames as
    ``(scheduled_ns, end_ns)`` spans (and the main thread's work outside them: the loader's constructor, preload
    and close, a frozen view for as long as they take), and the UI workload's time in each frame against its
    quiet time."""
    loaded = sum(ui_work_ms) / len(ui_work_ms) if ui_work_ms else 0.0
    return {
        "ui": ui,
        "ticks": len(lags_ms),
        "tick_ms": tick_ms,
        "lag_p50_ms": percentile(lags_ms, 50),
        "lag_p99_ms": percentile(lags_ms, 99),
        "lag_max_ms": max(lags_ms, default=0.0),
        **busy_figures(merge_spans(frames)),
        "ui_work_stretch": loaded / quiet_ms if quiet_ms and loaded else 1.0,
        "ui_work_quiet_ms": quiet_ms,
    }


def merge_spans(spans: Sequence[tuple[int, int]]) -> list[float]:
    """Durations (ms) of the busy stretches made of ``(start_ns, end_ns)`` spans, overlapping ones merged."""
    stretches: list[list[int]] = []
    for start, end in sorted(spans):
        if stretches and start < stretches[-1][1]:
            stretches[-1][1] = max(stretches[-1][1], end)
        else:
            stretches.append([start, end])
    return [(end - start) / 1e6 for start, end in stretches]


@dataclass
class FrameProbe:
    """Ticks the main thread as a UI frame loop and records what each frame cost."""

    tick_ms: float = FRAME_MS
    on_frame: Callable[[], object] | None = None
    lags_ms: list[float] = field(default_factory=list)
    frames: list[list[int]] = field(default_factory=list)
    ui_work_ms: list[float] = field(default_factory=list)
    quiet_ui_ms: float = 0.0

    def __post_init__(self) -> None:
        self.calibrate()

    def calibrate(self, rounds: int = QUIET_ROUNDS) -> None:
        """Measure the UI workload's quiet time (done on creation: make the probe before the loader starts working)."""
        self.quiet_ui_ms = quiet_ui_ms(rounds)

    def run_calls(self, calls: PatternCalls) -> None:
        """Tick until each call is due, make it, and charge it to the current frame; every frame
        from now on (here and in :meth:`idle_until`) re-asks the placeholders."""
        self.on_frame = calls.reask
        while (due := calls.next_due_ns()) is not None:
            self.wait_until(due)
            made = calls.call_next()
            self.add_work(made.end_ns - int(made.blocking_ms * 1e6), made.end_ns)

    def wait_until(self, deadline_ns: int) -> None:
        """Spend the time until ``deadline_ns`` as ticks, the last one at the deadline."""
        tick_ns = self._tick_ns()
        scheduled = now_ns()
        while scheduled < deadline_ns:
            scheduled = min(scheduled + tick_ns, deadline_ns)
            scheduled = self._tick(scheduled, tick_ns)

    def idle_until(self, done: threading.Event) -> None:
        """Keep ticking (an idle UI) until ``done`` is set."""
        tick_ns = self._tick_ns()
        scheduled = now_ns()
        while not done.is_set():
            scheduled = self._tick(scheduled + tick_ns, tick_ns)

    def add_work(self, begin_ns: int, end_ns: int) -> None:
        """Charge main-thread work (a ``load_exif`` call) to the current frame."""
        if self.frames:
            self.frames[-1][1] = max(self.frames[-1][1], end_ns)
        else:
            self.lags_ms.append(0.0)
            self.frames.append([begin_ns, end_ns])

    def _tick_ns(self) -> int:
        return max(1, int(self.tick_ms * 1e6))

    def _tick(self, scheduled_ns: int, tick_ns: int) -> int:
        """Wake at ``scheduled_ns``, run the frame; return the time this tick counts as scheduled
        (a late wake re-schedules from now: missed ticks merge)."""
        sleep_until(scheduled_ns)
        woke = now_ns()
        self.lags_ms.append(max(0.0, (woke - scheduled_ns) / 1e6))
        self.ui_work_ms.append(time_ui_work())
        if self.on_frame is not None:
            self.on_frame()
        self.frames.append([scheduled_ns, now_ns()])
        return woke if woke - scheduled_ns >= tick_ns else scheduled_ns

    def summary(self, busy: Sequence[tuple[int, int]] = ()) -> dict[str, float | int | str]:
        """The run document's ``responsiveness`` block; ``busy``: main-thread work outside the frames (see :func:`responsiveness`)."""
        spans = [(start, end) for start, end in self.frames]
        return responsiveness("probe", self.tick_ms, self.lags_ms, [*spans, *busy], self.ui_work_ms, self.quiet_ui_ms)

    def extra(self) -> dict[str, Any]:
        """Nothing to show besides the metrics."""
        return {}
