"""The one orchestration loop: slots × repeats, interleaved, with stop, the failed set, I/O counts and ``complete``.

``run``, ``run --launches``, ``sweep``, the gate's A/B and ``decide`` all measure through :func:`interleave`.
Each repeat measures every slot once, in order (A B C A B C …), so machine drift hits all alike; a slot
whose measurement failed is not measured again; ``stop`` (Ctrl-C, ``--timeout``) ends the loop before the
next measurement. What a slot is and how it is measured is the caller's: a strategy replayed in this
process (:mod:`exifbench.harness.bench`), a strategy in a child process (:mod:`exifbench.harness.launches`),
a sweep's configuration (:mod:`exifbench.harness.sweep`). Each measurement is a small :class:`RunSet`;
:func:`collect` merges them into one, with its ``complete`` flag, and :class:`IoMeter` counts what one
measurement read through the storage mount.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from exifbench.datasets.storage.io import IoCounts
from exifbench.datasets.storage.mount import Mounted, StorageFailed
from exifbench.reports.documents.runs import RunSet
from exifbench.strategies.exits import trapped_exits

Slot = TypeVar("Slot")

Measure = Callable[[Slot, int], RunSet]
"""Measures one slot in one repeat: its runs, or the failure that ends the slot."""


def stopped(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


def interleave(
    slots: Sequence[Slot],
    repeats: int,
    measure: Measure[Slot],
    stop: threading.Event | None,
    between: Callable[[int], None] | None = None,
) -> Iterator[tuple[Slot, RunSet]]:
    """Yield each slot with what ``measure`` made of it, repeat by repeat, as soon as it is measured.

    A slot whose measurement has a failure is skipped from then on; ``stop`` ends the loop before the next
    measurement; ``between(repeat)`` runs before each repeat after the first (unless stopped). A loader's
    ``os._exit`` is trapped while it is measured (see :mod:`exifbench.strategies.exits`), not while the caller
    holds what was measured.
    """
    failed: set[int] = set()
    for repeat in range(repeats):
        if repeat and between is not None and not stopped(stop):
            between(repeat)
        for index, slot in enumerate(slots):
            if stopped(stop):
                return
            if index in failed:
                continue
            with trapped_exits():
                measured = measure(slot, repeat)
            if measured.failed:
                failed.add(index)
            yield slot, measured


def merge(whole: RunSet, part: RunSet) -> None:
    """Add ``part``'s runs and failures to ``whole``; ``whole`` is complete only if every part was."""
    whole.runs.extend(part.runs)
    whole.failed.extend(part.failed)
    whole.complete = whole.complete and part.complete and not part.failed and all(run.complete for run in part.runs)


def collect(
    steps: Iterable[tuple[Slot, RunSet]],
    stop: threading.Event | None,
    keep: Callable[[Slot, RunSet], None] | None = None,
) -> RunSet:
    """Every measurement of ``steps`` (see :func:`interleave`) in one run set, each also given to ``keep``.

    On ``stop`` the run set is what was measured, not complete. A run still inside one call when ``stop`` is
    set ends at the next call boundary; if that call never returns, a ``KeyboardInterrupt`` raised into it
    once ``stop`` is set (the CLI's second Ctrl-C, or its watchdog) ends the run set there, keeping every
    run measured before. :class:`StorageFailed` (the storage daemon died) carries what was measured before.
    """
    runs = RunSet()
    try:
        for slot, measured in steps:
            merge(runs, measured)
            if keep is not None:
                keep(slot, measured)
    except StorageFailed as failed:
        runs.complete = False
        failed.runs = runs
        raise
    except KeyboardInterrupt:
        if not stopped(stop):
            raise
    if stopped(stop):
        runs.complete = False
    return runs


@dataclass(frozen=True)
class IoMeter:
    """What one measurement read through the storage mount (none: nothing to count).

    Before it: the mount's cache of ``targets`` is dropped when ``drop_cache`` (the storage model has an OS
    cache, which each run starts without). After it: the daemon is checked (:class:`StorageFailed` if it
    died) and each run measured gets the difference in the daemon's counts as its ``io``.
    """

    mount: Mounted | None
    targets: list[str]
    drop_cache: bool

    def __call__(self, measure: Callable[[], RunSet]) -> RunSet:
        if self.mount is None:
            return measure()
        if self.drop_cache:
            self.mount.drop_cache(self.targets)
        before = IoCounts.of(self.mount.counts())
        measured = measure()
        self.mount.check()
        io = IoCounts.of(self.mount.counts()) - before
        for run in measured.runs:
            run.io = io
        return measured
