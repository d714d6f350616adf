"""Every loader call the main (UI) thread makes, timed and charged: what the user waits for.

A loader takes the UI thread in six ways, each a *part* of the run's blocking:
``startup`` (its constructor and ``__enter__``), ``preload``, ``load_exif`` (the pattern's
calls), ``reask`` (the view re-asking its placeholders every frame), ``callbacks`` (a
lazy API's subscription calls, made on the UI thread) and ``close`` (``__exit__``).
Their sum is the run's total blocking. Work done outside the UI loop's frames
(startup, preload, close) is also kept as busy spans: the UI loop counts them as
stretches the view could not draw in, so a 7.5 s ``preload`` is 450 frames missed
at 60 Hz, a long task and a frozen frame, not nothing.

Each charged call also records how long the main thread waited in the run queue meanwhile — ready to
run while another process had the CPU (the kernel's ``/proc/self/task/TID/schedstat``, second
field) — so ``blocking.queued_ms`` is the part of the blocking a loaded machine added, and
``total_s`` less it what the loader itself cost (the ``blocking_own`` metric): a sleep or an I/O wait
counts in full, CPU work once, another process's load not at all.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, TypeVar

from exifbench.datasets.patterns.clock import now_ns
from exifbench.reports.documents.runs import MAIN_THREAD_PARTS, Blocking
from exifbench.reports.statistics import summarize_blocking

OUTSIDE_FRAMES = ("startup", "preload", "close")
"""Parts made outside the UI loop's frames: kept as busy spans of their own."""

Entered = TypeVar("Entered")

_schedstat = threading.local()


def run_queue_ns() -> int | None:
    """Nanoseconds the calling thread has waited in the run queue so far (``None`` where the kernel does not say)."""
    fd = getattr(_schedstat, "fd", None)
    if fd is None:
        try:
            fd = os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)
        except OSError:
            fd = -1
        _schedstat.fd = fd
    if fd < 0:
        return None
    try:
        return int(os.pread(fd, 128, 0).split()[1])
    except (OSError, ValueError, IndexError):
        return None


def queued_between(before: int | None, after: int | None) -> int | None:
    """The run-queue wait between two :func:`run_queue_ns` readings (``None`` if either is unknown)."""
    return None if before is None or after is None else after - before


@dataclass
class MainThread:
    """The main thread's time inside the loader, by part (ms), and the busy spans made outside the UI loop."""

    ms: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MAIN_THREAD_PARTS, 0.0))
    spans: list[tuple[int, int]] = field(default_factory=list)
    """``(begin_ns, end_ns)`` of each :data:`OUTSIDE_FRAMES` call, for the UI loop's busy stretches."""
    queued_ms: float | None = 0.0
    """Run-queue wait during the charged calls (``None`` once any call's was unknown)."""

    def charge(self, part: str, begin_ns: int, end_ns: int, queued_ns: int | None = None) -> None:
        """Charge ``end_ns - begin_ns`` of main-thread time to ``part`` (one of :data:`~exifbench.reports.documents.runs.MAIN_THREAD_PARTS`),
        of which ``queued_ns`` waited in the run queue (:func:`queued_between`)."""
        self.ms[part] += (end_ns - begin_ns) / 1e6
        self.queued_ms = None if self.queued_ms is None or queued_ns is None else self.queued_ms + queued_ns / 1e6
        if part in OUTSIDE_FRAMES:
            self.spans.append((begin_ns, end_ns))

    @contextmanager
    def timed(self, part: str) -> Iterator[None]:
        """Charge the block's time to ``part``, however it ends."""
        queue = run_queue_ns()
        begin = now_ns()
        try:
            yield
        finally:
            end = now_ns()
            self.charge(part, begin, end, queued_between(queue, run_queue_ns()))

    @property
    def total_s(self) -> float:
        """Every part's time, in seconds: the run's total blocking."""
        return sum(self.ms.values()) / 1000

    def blocking(self, per_call_ms: Sequence[float]) -> Blocking:
        """The run document's ``blocking`` block: ``total_s`` (every part), each part as ``startup_ms``,
        ``preload_ms``…, the p50/p99/max of the pattern's calls (``per_call_ms``), and ``queued_ms`` where known."""
        parts = {f"{part}_ms": round(ms, 4) for part, ms in self.ms.items()}
        queued = {} if self.queued_ms is None else {"queued_ms": round(min(self.queued_ms, self.total_s * 1000), 4)}
        return Blocking(total_s=self.total_s, **summarize_blocking(per_call_ms), **parts, **queued)


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
