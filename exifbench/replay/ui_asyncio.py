"""``--ui asyncio``: the replay inside a real asyncio event loop, frames at 60 Hz.

For UIs built on asyncio (Textual, Toga, a web view's Python side): each frame
is an ``await asyncio.sleep`` aimed at the next 60 Hz grid point, then the frame's
job: re-ask the placeholders on screen and make the pattern's calls that fall
due within it. There is no view to paint; the figures are the probe's, measured
on the loop's own timers (``ui: "asyncio"``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from exifbench.replay.calls import PatternCalls
from exifbench.replay.frames import FrameClock
from exifbench.strategies.base import ExifLoader


class AsyncioFrameLoop:
    """The :class:`~exifbench.replay.replay.UiLoop` of an asyncio event loop."""

    def __init__(self, loader: ExifLoader, tick_ms: float) -> None:
        self._loader = loader
        self.clock = FrameClock(tick_ms)
        self._loop = asyncio.new_event_loop()
        self._waiting: set[str] = set()
        self.placeholders_shown = 0

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

    def summary(self) -> dict[str, Any]:
        """Tick lag, frames missed and tasks over the frames, each from its grid point to the end of its work."""
        return self.clock.summary("asyncio")

    def extra(self) -> dict[str, Any]:
        """How many requested images showed a placeholder."""
        return {"ui_asyncio": {"placeholders_shown": self.placeholders_shown}}

    async def _frames(self, calls: PatternCalls | None, over: Callable[[], bool]) -> None:
        while True:
            await asyncio.sleep(self.clock.delay_ns() / 1e9)
            target = self.clock.open()
            finished = over()
            for path in list(self._waiting):  # the placeholders on screen, re-asked
                if self._loader.load_exif(path) is not None:
                    self._waiting.discard(path)
            for made in self.clock.due_calls(calls, target) if calls is not None else ():
                if made.shown is None and made.path not in self._waiting:
                    self.placeholders_shown += 1
                    self._waiting.add(made.path)
                elif made.shown is not None:
                    self._waiting.discard(made.path)
            self.clock.close(target)
            if finished or (calls is not None and over()):
                return
