"""Frames of a real event loop (Qt, asyncio): a 60 Hz grid, each frame's lag and span, the calls due in it.

A real loop's timer is aimed at the next grid point after now, so a frame that
overran skips the grid points it missed (as a vsync-driven loop does) instead of
firing a backlog. Each frame records its lag (how late its timer fired) and its
span, from its grid point to the end of its work: the probe's fields are
computed from those. Every frame also re-asks the view's placeholders
(:meth:`PatternCalls.reask`), which times what the user sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from exifbench.analysis.statistics import percentile
from exifbench.pattern.pattern import FRAME_MS
from exifbench.replay.calls import CallMade, PatternCalls
from exifbench.replay.clock import now_ns
from exifbench.replay.probe import busy_figures, merge_spans


@dataclass
class FrameClock:
    """The grid a real loop's frames aim at, and what each frame cost."""

    tick_ms: float = FRAME_MS
    lags_ms: list[float] = field(default_factory=list)
    frames: list[tuple[int, int]] = field(default_factory=list)
    _origin_ns: int = 0
    _target_ns: int = 0
    _calls: PatternCalls | None = None

    @property
    def tick_ns(self) -> int:
        return max(1, int(self.tick_ms * 1e6))

    def start(self, calls: PatternCalls) -> None:
        """Start the grid now (the first frame is one tick later); every frame from now on re-asks ``calls``' placeholders."""
        self._origin_ns = self._target_ns = now_ns()
        self._calls = calls

    def delay_ns(self) -> int:
        """Time until the next frame: the next grid point after now (missed ones skipped)."""
        now = now_ns()
        if self._target_ns <= now:
            self._target_ns = self._origin_ns + ((now - self._origin_ns) // self.tick_ns + 1) * self.tick_ns
        return self._target_ns - now

    def open(self) -> int:
        """The frame's timer fired: record its lag, re-ask the placeholders; returns the frame's grid point."""
        self.lags_ms.append(max(0.0, (now_ns() - self._target_ns) / 1e6))
        if self._calls is not None:
            self._calls.reask()
        return self._target_ns

    def close(self, target_ns: int) -> None:
        """The frame's work is done: record its span."""
        self.frames.append((target_ns, now_ns()))

    def pause(self, ns: int) -> None:
        """Shift the grid by ``ns`` of instrument time (a grab) kept out of the frames."""
        self._origin_ns += ns

    def due_calls(self, calls: PatternCalls, target_ns: int) -> Iterator[CallMade]:
        """Make the calls that fall due within the frame at ``target_ns`` (or are overdue), in order."""
        while (due := calls.next_due_ns()) is not None and due < max(target_ns + self.tick_ns, now_ns()):
            yield calls.call_next()

    def summary(self, ui: str) -> dict[str, Any]:
        """The responsiveness block: tick lag and, from the frame spans, frames missed, long and frozen frames."""
        return {
            "ui": ui,
            "ticks": len(self.lags_ms),
            "tick_ms": self.tick_ms,
            "lag_p50_ms": percentile(self.lags_ms, 50),
            "lag_p99_ms": percentile(self.lags_ms, 99),
            "lag_max_ms": max(self.lags_ms, default=0.0),
            **busy_figures(merge_spans(self.frames)),
        }
