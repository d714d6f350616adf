"""Frames of a real event loop (Qt, asyncio): a 60 Hz grid, each frame's lag and span, the calls due in it.

A real loop's timer is aimed at the next grid point after now, so a frame that
overran skips the grid points it missed (as a vsync-driven loop does) instead of
firing a backlog. Each frame records its lag (how late its timer fired) and its
span, from its grid point to the end of its work, and runs the probe's fixed UI
workload: the probe's fields are computed from those, by the probe's own
function. Every frame also re-asks the view's placeholders
(:meth:`PatternCalls.reask`), which times what the user sees.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from exifbench.datasets.patterns.pattern import FRAME_MS
from exifbench.harness.calls import CallMade, PatternCalls
from exifbench.datasets.patterns.clock import now_ns
from exifbench.harness.ui.probe import quiet_ui_ms, responsiveness, time_ui_work
from exifbench.strategies.base import Exif


class Frame(NamedTuple):
    """An opened frame: its grid point, and the placeholders its re-ask found ready (path, dict)."""

    target_ns: int
    shown: list[tuple[str, Exif]]


@dataclass
class FrameClock:
    """The grid a real loop's frames aim at, and what each frame cost."""

    tick_ms: float = FRAME_MS
    lags_ms: list[float] = field(default_factory=list)
    frames: list[tuple[int, int]] = field(default_factory=list)
    ui_work_ms: list[float] = field(default_factory=list)
    quiet_ui_ms: float = 0.0
    _origin_ns: int = 0
    _target_ns: int = 0
    _calls: PatternCalls | None = None

    def __post_init__(self) -> None:
        self.quiet_ui_ms = quiet_ui_ms()  # made before the loader works: the UI workload's quiet time

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

    def open(self, last: bool = False) -> Frame:
        """The frame's timer fired: record its lag, run the fixed UI workload, re-ask the placeholders.

        The ``last`` frame re-asks them even if the previous re-ask was under a 60 Hz frame ago."""
        self.lags_ms.append(max(0.0, (now_ns() - self._target_ns) / 1e6))
        self.ui_work_ms.append(time_ui_work())
        return Frame(self._target_ns, self._calls.reask(force=last) if self._calls is not None else [])

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

    def summary(self, ui: str, busy: Sequence[tuple[int, int]] = ()) -> dict[str, Any]:
        """The responsiveness block, computed as the probe's is (``busy``: main-thread work outside the frames)."""
        return responsiveness(ui, self.tick_ms, self.lags_ms, [*self.frames, *busy], self.ui_work_ms, self.quiet_ui_ms)
