"""What the user sees: each requested image's placeholder, re-asked every frame until its EXIF shows.

The view behaves as a real thumbnail grid does. When the pattern asks for an image
and ``load_exif`` answers ``None``, the cell shows a placeholder; on every later
60 Hz frame the view asks again (non-blocking, on the main thread, its time charged
to that frame, and to the run's blocking as part ``reask``) until the loader returns a dict. Only the loader's protocol is used:
no callback, no peeking into its cache.

**Time-to-EXIF** of an image is from its first request to the moment a dict is in
hand: the blocking time of a call that answered at once, else the time until the
frame (or later pattern call) that got the dict — the placeholder's time on screen,
to within one frame. The **first page** is the images requested in the view's first
frame (the calls before the pattern's first think time); ``first_page_ready_share``
is the share of them answered at first look, ``first_page_complete_ms`` the time from
the start of the replay until the last of them showed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exifbench.reports.statistics import percentile
from exifbench.datasets.patterns.pattern import FRAME_MS
from exifbench.datasets.patterns.clock import now_ns
from exifbench.harness.mainthread import MainThread
from exifbench.strategies.base import Exif, ExifLoader


@dataclass
class View:
    """Placeholders on screen, keyed by path, with the times they were first asked for and shown."""

    loader: ExifLoader
    start_ns: int
    first_page_calls: int
    main_thread: MainThread = field(default_factory=MainThread)
    """Where the re-asks' time is charged (part ``reask``)."""
    first_page: set[str] = field(default_factory=set)
    asked_ns: dict[str, int] = field(default_factory=dict)
    shown_ns: dict[str, int] = field(default_factory=dict)
    ready_at_first_look: set[str] = field(default_factory=set)
    _last_poll_ns: int | None = None

    @property
    def pending(self) -> list[str]:
        """Requested images still showing a placeholder."""
        return [path for path in self.asked_ns if path not in self.shown_ns]

    def answered(self, path: str, exif: Any, begin_ns: int, end_ns: int, number: int) -> None:
        """Record the answer to pattern call ``number`` (``None``: a placeholder)."""
        first_look = path not in self.asked_ns
        self.asked_ns.setdefault(path, begin_ns)
        if number < self.first_page_calls:
            self.first_page.add(path)
        if exif is not None and path not in self.shown_ns:
            self.shown_ns[path] = end_ns
            if first_look:
                self.ready_at_first_look.add(path)

    def frame(self, force: bool = False) -> list[tuple[str, Exif]]:
        """Re-ask every placeholder: at most once per 60 Hz frame whatever the UI's tick, unless ``force``.

        Returns the images shown now, with their dicts."""
        now = now_ns()
        if not force and self._last_poll_ns is not None and now - self._last_poll_ns < FRAME_MS * 1e6 * 0.9:
            return []
        self._last_poll_ns = now
        pending = self.pending
        if not pending:
            return []
        shown = []
        with self.main_thread.timed("reask"):
            for path in pending:
                if (exif := self.loader.load_exif(path)) is not None:
                    self.shown_ns[path] = now_ns()
                    shown.append((path, exif))
        return shown

    def times_ms(self, end_ns: int) -> list[float]:
        """Each requested image's time-to-EXIF in request order; a placeholder never replaced counts until ``end_ns``."""
        return [(self.shown_ns.get(path, end_ns) - asked) / 1e6 for path, asked in self.asked_ns.items()]

    def summary(self, end_ns: int) -> dict[str, Any]:
        """Time-to-EXIF p50/p90/max and the first-page figures (see :meth:`times_ms`)."""
        times = self.times_ms(end_ns)
        first_shown = [self.shown_ns.get(path, end_ns) for path in self.first_page]
        return {
            "time_to_exif": {
                "p50_ms": percentile(times, 50),
                "p90_ms": percentile(times, 90),
                "max_ms": max(times, default=0.0),
                "requested": len(self.asked_ns),
                "never_shown": len(self.pending),
            },
            "first_page_ready_share": (
                len(self.first_page & self.ready_at_first_look) / len(self.first_page) if self.first_page else 1.0
            ),
            "first_page_complete_ms": (max(first_shown) - self.start_ns) / 1e6 if first_shown else 0.0,
        }
