"""Every loader call the main (UI) thread makes, timed and charged: what the user waits for.

A loader takes the UI thread in six ways, each a *part* of the run's blocking:
``startup`` (its constructor and ``__enter__``), ``preload``, ``load_exif`` (the pattern's
calls), ``reask`` (the view re-asking its placeholders every frame), ``callbacks`` (a
lazy API's subscription calls, made on the UI thread) and ``close`` (``__exit__``).
Their sum is the run's total blocking. Work done outside the UI loop's frames
(startup, preload, close) is also kept as busy spans: the UI loop counts them as
stretches the view could not draw in, so a 7.5 s ``preload`` is 450 frames missed
at 60 Hz, a long task and a frozen frame, not nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, TypeVar

from exifbench.datasets.patterns.clock import now_ns
from exifbench.reports.documents.runs import MAIN_THREAD_PARTS
from exifbench.reports.statistics import summarize_blocking

OUTSIDE_FRAMES = ("startup", "preload", "close")
"""Parts made outside the UI loop's frames: kept as busy spans of their own."""

Entered = TypeVar("Entered")


@dataclass
class MainThread:
    """The main thread's time inside the loader, by part (ms), and the busy spans made outside the UI loop."""

    ms: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MAIN_THREAD_PARTS, 0.0))
    spans: list[tuple[int, int]] = field(default_factory=list)
    """``(begin_ns, end_ns)`` of each :data:`OUTSIDE_FRAMES` call, for the UI loop's busy stretches."""

    def charge(self, part: str, begin_ns: int, end_ns: int) -> None:
        """Charge ``end_ns - begin_ns`` of main-thread time to ``part`` (one of :data:`~exifbench.reports.documents.runs.MAIN_THREAD_PARTS`)."""
        self.ms[part] += (end_ns - begin_ns) / 1e6
        if part in OUTSIDE_FRAMES:
            self.spans.append((begin_ns, end_ns))

    @contextmanager
    def timed(self, part: str) -> Iterator[None]:
        """Charge the block's time to ``part``, however it ends."""
        begin = now_ns()
        try:
            yield
        finally:
            self.charge(part, begin, now_ns())

    @property
    def total_s(self) -> float:
        """Every part's time, in seconds: the run's total blocking."""
        return sum(self.ms.values()) / 1000

    def blocking(self, per_call_ms: Sequence[float]) -> dict[str, float]:
        """The run document's ``blocking`` block: ``total_s`` (every part), each part as ``startup_ms``,
        ``preload_ms``…, and the p50/p99/max of the pattern's calls (``per_call_ms``)."""
        parts = {f"{part}_ms": round(ms, 4) for part, ms in self.ms.items()}
        return {"total_s": self.total_s, **summarize_blocking(per_call_ms), **parts}


class ChargedContext(Generic[Entered]):
    """``manager`` (a loader's context) with its ``__enter__`` charged to ``startup`` and ``__exit__`` to ``close``."""

    def __init__(self, manager: AbstractContextManager[Entered], ledger: MainThread) -> None:
        self._manager = manager
        self._ledger = ledger

    def __enter__(self) -> Entered:
        with self._ledger.timed("startup"):
            return self._manager.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        with self._ledger.timed("close"):
            return self._manager.__exit__(exc_type, exc, tb)
