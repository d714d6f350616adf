"""``--ui asyncio``: the replay inside a real asyncio event loop, frames at 60 Hz.

For UIs built on asyncio (Textual, Toga, a web view's Python side): each frame
is an ``await asyncio.sleep`` aimed at the next 60 Hz grid point, then the frame's
job: the probe's fixed UI workload, the re-ask of the placeholders on screen and
the pattern's calls that fall due within it. There is no view to paint; the
figures are the probe's, measured on the loop's own timers (``ui: "asyncio"``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Any

from exifbench.harness.calls import PatternCalls
from exifbench.harness.ui.frames import FrameClock


class AsyncioFrameLoop:
    """The :class:`~exifbench.harness.replay.UiLoop` of an asyncio event loop."""

    def __init__(self, tick_ms: float) -> None:
        self.clock = FrameClock(tick_ms)
        self._loop = asyncio.new_event_loop()

    @property
    def lags_ms(self) -> list[float]:
        return self.clock.lags_ms

    def run_calls(self, calls: PatternCalls) -> None:
        """Run the loop until every call was made in the frame it fell due in."""
        self.clock.start(calls)
        self._loop.run_until_complete(self._frames(calls, lambda: calls.next_due_ns() is None))

    def idle_until(self, done: threading.Event) -> None:
        """Keep the frames coming (placeholders filling in) until ``done``."""
        try:
            self._loop.run_until_complete(self._frames(None, done.is_set))
        finally:
            self._loop.close()

    def summary(self, busy: Sequence[tuple[int, int]] = ()) -> dict[str, Any]:
        """Tick lag, frames missed and tasks over the frames, each from its grid point to the end of its work, and
        over ``busy``, the main thread's work outside them."""
        return self.clock.summary("asyncio", busy)

    def extra(self) -> dict[str, Any]:
        """Nothing to show besides the metrics (the view's figures are the replay's)."""
        return {}

    async def _frames(self, calls: PatternCalls | None, over: Callable[[], bool]) -> None:
        while True:
            await asyncio.sleep(self.clock.delay_ns() / 1e9)
            target = self.clock.open().target_ns
            finished = over()
            if calls is not None:
                list(self.clock.due_calls(calls, target))  # their answers go to the replay's view
            self.clock.close(target)
            if finished or (calls is not None and over()):
                return
