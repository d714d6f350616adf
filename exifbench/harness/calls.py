"""The pattern's calls as a UI loop makes them: each one when due, timed, the not-ready policy applied.

Every UI loop (the built-in probe, a real Qt or asyncio loop) asks
:meth:`PatternCalls.next_due_ns` when the next call is due and makes it with
:meth:`PatternCalls.call_next`; the loop decides only how the main thread spends
the time in between. A call is due its think time after the previous one ended.

Every answer goes to the :class:`~exifbench.harness.ui.view.View`, which times what the
user sees; a UI loop calls :meth:`PatternCalls.reask` once per frame (during the
calls and while idling after them) to re-ask the placeholders still on screen.
"""

from __future__ import annotations

import copy
import threading
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from exifbench.datasets.patterns.clock import now_ns
from exifbench.harness.equality import AsReturned, exif_digest, exif_equal
from exifbench.harness.mainthread import MainThread, queued_between, run_queue_ns
from exifbench.harness.plan import PlannedCall
from exifbench.harness.ui.view import View
from exifbench.strategies.base import Exif, ExifLoader


@dataclass
class Replay:
    """What one replay measured, in milliseconds from the replay's start; each call's figures in arrays (8 bytes
    a number, not a float object each)."""

    blocking_ms: array[float] = field(default_factory=lambda: array("d"))
    at_ms: array[float] = field(default_factory=lambda: array("d"))
    end_ms: array[float] = field(default_factory=lambda: array("d"))
    not_ready: array[int] = field(default_factory=lambda: array("b"))
    preload_ms: float = 0.0
    deferred: int = 0
    calls_s: float = 0.0
    background_s: float = 0.0
    results: dict[str, Exif | None] = field(default_factory=dict)
    unverified: list[str] = field(default_factory=list)
    probe: dict[str, Any] = field(default_factory=dict)
    seen: dict[str, Any] = field(default_factory=dict)
    time_to_exif_ms: list[float] = field(default_factory=list)
    lags_ms: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    complete: bool = True
    main_thread: MainThread = field(default_factory=MainThread)
    """Every loader call the main thread made, by part (see :mod:`exifbench.harness.mainthread`)."""
    returned: dict[str, tuple[Exif, bytes | Exif]] = field(default_factory=dict)
    """The last dict the loader returned for each file, and what it held when it was returned — its
    :func:`~exifbench.harness.equality.exif_digest`, not a copy (an empty dict, or one with no digest, is copied).
    One per file: a dict returned before another one for the same file is checked and let go then."""
    changed: dict[str, AsReturned | Exif] = field(default_factory=dict)
    """Files one of whose dicts was changed after it was returned, or was wrong when returned: that dict as it was
    then."""
    agrees: Callable[[str, Exif], bool] | None = None
    """The run's equality (:meth:`~exifbench.harness.equality.Judge.agrees`): each non-empty dict is judged as it is
    returned, so a wrong answer counts however right the file's final one (another file's EXIF first, then its own).
    An earlier ``{}`` is not judged: it is what a pool's blocking timeout answers (reported as a timeout)."""
    wrong: set[str] = field(default_factory=set)
    """Files once answered with a non-empty dict that did not agree: ``changed`` holds the first such answer."""

    def keep(self, path: str, exif: object) -> None:
        """Note what ``exif`` holds now that the loader returned it (call it outside any timed stretch)."""
        if not isinstance(exif, dict):
            return
        earlier = self.returned.get(path)
        if earlier is not None and earlier[0] is exif:
            return
        if exif and self.agrees is not None and path not in self.wrong and not self.agrees(path, exif):
            try:
                self.changed[path] = copy.deepcopy(exif)
                self.wrong.add(path)
            except Exception:  # a value that cannot be copied: judged as it is at the end
                pass
        digest = exif_digest(exif) if exif else None
        try:
            then = digest if digest is not None else copy.deepcopy(exif)
        except Exception:  # a value that cannot be copied: compared as it is at the end
            return
        if earlier is not None:
            self._check(path, *earlier)
        self.returned[path] = (exif, then)

    def settle(self, path: str, exif: Exif | None) -> None:
        """``exif`` is the final answer for ``path`` (kept; a dict returned before it for the file is let go)."""
        self.keep(path, exif)
        self.results[path] = exif

    def _check(self, path: str, exif: Exif, then: bytes | Exif) -> None:
        if path in self.wrong:  # the first wrong answer stands
            return
        if isinstance(then, bytes):
            if exif_digest(exif) != then:
                self.changed[path] = AsReturned(then)
        elif not exif_equal(then, exif):
            self.changed[path] = then

    def as_returned(self) -> dict[str, Exif | AsReturned | None]:
        """``results``, except that a file whose dict the loader changed after returning it (an app showed it as
        returned) gets that dict as it was when returned (:class:`~exifbench.harness.equality.AsReturned`: its
        digest then, where only that was kept)."""
        for path, (exif, then) in self.returned.items():
            self._check(path, exif, then)
        return {**self.results, **self.changed}


class CallMade(NamedTuple):
    """Call ``number`` as the UI saw it: ``shown`` is the dict it got, ``None`` for a placeholder."""

    number: int
    path: str
    shown: Exif | None
    blocking_ms: float
    end_ns: int = 0


class PatternCalls:
    """The replay's calls in order; each :meth:`call_next` records its blocking into ``out``."""

    def __init__(
        self,
        loader: ExifLoader,
        calls: list[PlannedCall],
        on_not_ready: str,
        out: Replay,
        start_ns: int,
        on_call: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self._loader = loader
        self._calls = calls
        self._on_not_ready = on_not_ready
        self._out = out
        self._start_ns = start_ns
        self._on_call = on_call
        self._stop = stop
        self._index = 0
        self._ready_ns = now_ns()
        self.view = View(loader, start_ns, first_page_size(calls), out.main_thread)

    @property
    def main_thread(self) -> MainThread:
        """Where a UI loop charges the loader calls it makes itself (a lazy API's subscriptions: ``callbacks``)."""
        return self._out.main_thread

    @property
    def made(self) -> int:
        """How many calls were made so far."""
        return self._index

    def __len__(self) -> int:
        return len(self._calls)

    def next_due_ns(self) -> int | None:
        """When the next call is due; ``None`` once every call is made or the replay was stopped."""
        if self._index == len(self._calls):
            return None
        if self._stop is not None and self._stop.is_set():
            self._out.complete = False
            return None
        return self._ready_ns + int(self._calls[self._index].think_ms * 1e6)

    def call_next(self) -> CallMade:
        """Make the next call now, applying the not-ready policy, and record its main-thread time."""
        index = self._index
        path = self._calls[index].path
        due = self._ready_ns + int(self._calls[index].think_ms * 1e6)
        queue = run_queue_ns()
        begin = now_ns()
        shown = self._loader.load_exif(path, blocking=self._calls[index].blocking)
        not_ready = shown is None
        if not_ready and self._on_not_ready == "wait":
            shown = self._loader.load_exif(path, blocking=True)
        elif not_ready and self._on_not_ready == "defer":
            self._loader.preload([path])
            self._out.deferred += 1
        end = now_ns()
        self._ready_ns = max(due, end)
        self._index += 1
        self._out.main_thread.charge("load_exif", begin, end, queued_between(queue, run_queue_ns()))
        blocking_ms = (end - begin) / 1e6
        self._out.blocking_ms.append(blocking_ms)
        self._out.at_ms.append((begin - self._start_ns) / 1e6)
        self._out.end_ms.append((end - self._start_ns) / 1e6)
        self._out.not_ready.append(not_ready)
        self._out.keep(path, shown)
        self.view.answered(path, shown, begin, end, index)
        if self._on_call is not None:
            self._on_call(index)
        return CallMade(index, path, shown, blocking_ms, end)

    def reask(self, force: bool = False) -> list[tuple[str, Exif]]:
        """Re-ask every placeholder on screen (at most once per 60 Hz frame, unless ``force``); the ones now shown."""
        shown = self.view.frame(force)
        for path, exif in shown:
            self._out.keep(path, exif)
        return shown


def first_page_size(calls: list[PlannedCall]) -> int:
    """How many calls the view makes in its first frame: those before the pattern's first think time."""
    return next((i for i, call in enumerate(calls) if i and call.think_ms > 0), len(calls))
