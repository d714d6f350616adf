"""What a block of code left running, and how much memory it took: psutil snapshots.

``with Watch() as watch: ...`` snapshots the process's OS threads and child processes
before and after the block, and samples the RSS of the process and its children on a
thread of its own (excluded from the counts). Multiprocessing's own long-lived helpers
(the forkserver and the resource tracker, started once per interpreter) are neither
leaks nor part of the RSS; the workers the forkserver forks are both. Likewise Dask's offload
thread (one per interpreter, started by the first client, reused by every later one) is not a
leak; a cluster's processes and loop threads are.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import psutil

from exifbench.reports.documents.runs import Resources

HARD_STOP_MARK = "exifbench-hard-stop"
"""In the command line of ``--timeout``'s watchdog process (see :func:`exifbench.cli.console.hard_stop`)."""
MP_HELPERS = ("multiprocessing.forkserver", "multiprocessing.resource_tracker", HARD_STOP_MARK)
INTERPRETER_THREADS = ("Dask-Offload",)
"""Name prefixes of threads a library starts once per interpreter and keeps for the next user."""
MB = 1024 * 1024


def helper_threads() -> set[int]:
    """Native ids of the live :data:`INTERPRETER_THREADS`."""
    return {t.native_id for t in threading.enumerate() if t.name.startswith(INTERPRETER_THREADS) and t.native_id is not None}


def thread_count() -> int:
    """Live Python threads of this process, interpreter-wide helpers left out."""
    return threading.active_count() - len(helper_threads())


@dataclass(frozen=True)
class Snapshot:
    """OS thread ids of this process and ids of its (non-helper) child processes."""

    threads: frozenset[int]
    children: frozenset[int]


Usage = Resources
"""Threads and child processes alive after the block that were not before, and peak RSS growth."""


def child_processes(process: psutil.Process | None = None) -> list[psutil.Process]:
    """Live descendants (zombies left out), without multiprocessing's helpers themselves (not the workers they fork)."""
    process = process or psutil.Process()
    found = []
    for child in process.children(recursive=True):
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                continue
            helper = child.ppid() == process.pid and any(h in " ".join(child.cmdline()) for h in MP_HELPERS)
        except psutil.Error:
            continue
        if not helper:
            found.append(child)
    return found


class Watch:
    """Context manager: after exit, :attr:`usage` says what the block left behind and its peak RSS growth."""

    def __init__(self, interval_s: float = 0.05, settle_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self.settle_s = settle_s
        self.usage = Usage(0, [], 0.0)
        self._process = psutil.Process()
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, name="exifbench-rss-sampler", daemon=True)
        self._before = Snapshot(frozenset(), frozenset())
        self._start_rss = 0
        self._peak_rss = 0

    def __enter__(self) -> Self:
        self._start_rss = self._peak_rss = self._rss()
        self._sampler.start()
        self._before = self._snapshot()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        deadline = time.monotonic() + self.settle_s
        after = self._snapshot()
        while self._new(after) != (0, []) and time.monotonic() < deadline:  # let joined threads finish exiting
            time.sleep(0.02)
            after = self._snapshot()
        self._done.set()
        self._sampler.join()
        self._peak_rss = max(self._peak_rss, self._rss())
        threads, children = self._new(after)
        self.usage = Usage(threads, children, round((self._peak_rss - self._start_rss) / MB, 3))

    def _new(self, after: Snapshot) -> tuple[int, list[str]]:
        threads = len(after.threads - self._before.threads)
        children = []
        for pid in sorted(after.children - self._before.children):
            try:
                children.append(f"{pid} {psutil.Process(pid).name()}")
            except psutil.Error:
                continue
        return threads, children

    def _snapshot(self) -> Snapshot:
        threads = {t.id for t in self._process.threads()} - {self._sampler.native_id} - helper_threads()
        return Snapshot(frozenset(threads), frozenset(child.pid for child in child_processes(self._process)))

    def _rss(self) -> int:
        total: int = self._process.memory_info().rss
        for child in child_processes(self._process):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total

    def _sample(self) -> None:
        while not self._done.wait(self.interval_s):
            self._peak_rss = max(self._peak_rss, self._rss())


@dataclass(frozen=True)
class Running:
    """The non-daemon Python threads (idents) and child processes (pids) alive at one moment: what keeps a Python
    process from exiting (the interpreter joins both at exit)."""

    threads: frozenset[int]
    children: frozenset[int]

    @classmethod
    def now(cls) -> Running:
        main = threading.main_thread()
        threads = {t.ident for t in threading.enumerate()
                   if not t.daemon and t is not main and t.ident is not None and not t.name.startswith(INTERPRETER_THREADS)}  # fmt: skip
        return cls(frozenset(threads), frozenset(child.pid for child in child_processes()))

    def left(self, settle_s: float = 1.0) -> list[str]:
        """What was started since this snapshot and is still running ``settle_s`` later: ``thread NAME``, ``process PID
        NAME``."""
        deadline = time.monotonic() + settle_s
        while (after := Running.now()).threads - self.threads or after.children - self.children:
            if time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        names = {t.ident: t.name for t in threading.enumerate()}
        found = [f"thread {names.get(ident, ident)!r}" for ident in sorted(after.threads - self.threads)]
        for pid in sorted(after.children - self.children):
            try:
                found.append(f"process {pid} {psutil.Process(pid).name()}")
            except psutil.Error:
                continue
        return found
