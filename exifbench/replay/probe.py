"""The responsiveness probe: the main thread's think time as a simulated UI frame loop.

Between calls the main thread does not just sleep: it wakes at every tick
(``tick_ms`` apart, default one 60 Hz frame) and records how late it woke —
lag = actual − scheduled. Background threads holding the GIL show up here even
when ``load_exif`` itself returns at once. Each tick starts a frame; the frame's
time is its tick's lag plus the ``load_exif`` time spent in it, and a frame over
``budget_ms`` is a dropped frame.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from exifbench.pattern.pattern import FRAME_MS
from exifbench.replay.calls import PatternCalls
from exifbench.replay.clock import now_ns, sleep_until
from exifbench.analysis.statistics import percentile


@dataclass
class FrameProbe:
    """Ticks the main thread and records tick lag and per-frame work."""

    tick_ms: float = FRAME_MS
    budget_ms: float = FRAME_MS
    lags_ms: list[float] = field(default_factory=list)
    frame_work_ms: list[float] = field(default_factory=list)

    def run_calls(self, calls: PatternCalls) -> None:
        """Tick until each call is due, make it, and charge its blocking to the current frame."""
        while (due := calls.next_due_ns()) is not None:
            self.wait_until(due)
            self.add_work(calls.call_next().blocking_ms)

    def wait_until(self, deadline_ns: int) -> None:
        """Spend the time until ``deadline_ns`` as ticks (the last one at the deadline)."""
        tick_ns = max(1, int(self.tick_ms * 1e6))
        scheduled = now_ns()
        while scheduled < deadline_ns:
            scheduled = min(scheduled + tick_ns, deadline_ns)
            self._tick(scheduled)

    def idle_until(self, done: threading.Event) -> None:
        """Keep ticking (an idle UI) until ``done`` is set."""
        tick_ns = max(1, int(self.tick_ms * 1e6))
        scheduled = now_ns()
        while not done.is_set():
            scheduled += tick_ns
            self._tick(scheduled)

    def add_work(self, ms: float) -> None:
        """Charge main-thread work (a ``load_exif`` call) to the current frame."""
        if self.frame_work_ms:
            self.frame_work_ms[-1] += ms
        else:
            self.lags_ms.append(0.0)
            self.frame_work_ms.append(ms)

    def _tick(self, scheduled_ns: int) -> None:
        sleep_until(scheduled_ns)
        self.lags_ms.append(max(0.0, (now_ns() - scheduled_ns) / 1e6))
        self.frame_work_ms.append(0.0)

    def summary(self) -> dict[str, float]:
        """Tick lag p50/p99/max (ms), tick count and frames over budget."""
        frame_ms = [lag + work for lag, work in zip(self.lags_ms, self.frame_work_ms)]
        return {
            "ticks": len(self.lags_ms),
            "lag_p50_ms": percentile(self.lags_ms, 50),
            "lag_p99_ms": percentile(self.lags_ms, 99),
            "lag_max_ms": max(self.lags_ms, default=0.0),
            "frames_over_budget": sum(ms > self.budget_ms for ms in frame_ms),
            "tick_ms": self.tick_ms,
            "budget_ms": self.budget_ms,
        }

    def extra(self) -> dict[str, Any]:
        """Nothing to show besides the metrics."""
        return {}
