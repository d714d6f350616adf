"""``dask``: the thread-pool design with the reads done on a Dask distributed cluster.

By default a :class:`distributed.LocalCluster` of worker *processes* on this machine
(``workers`` of them, one thread each, loopback only, no dashboard), started when the
loader is made and closed, every process with it, by :meth:`DaskLoader.close`. With
``scheduler="tcp://HOST:PORT"`` (or ``$EXIFBENCH_DASK_SCHEDULER``) the reads go to a real
cluster instead, whose workers must see the files at the same paths.

**A scheduler is trusted code.** Whoever runs it can make this process run code: a
scheduler preload or plugin, and every result it sends back is unpickled here. So a
scheduler address draws a :class:`TrustedSchedulerWarning`, and one that is not on this
machine's loopback is refused unless ``trust_scheduler=True`` (``--trust-scheduler``).
``tls://`` addresses work with the certificates named in Dask's configuration
(``distributed.comm.tls.*``, e.g. ``DASK_DISTRIBUTED__COMM__TLS__CA_FILE``).

A task costs about a millisecond of scheduling, several times a warm read, so
``preload`` sends the files in batches of ``batch_size`` per task; a file asked for
outside a pre-load is one task of its own. Everything else (the cache, the in-flight
map, the blocking path and its timeout) is the shared
:class:`~exifbench.strategies.core.BackgroundLoader`, running on the client's
``concurrent.futures`` executor. :meth:`DaskLoader.figures` reports the scheduler's
overhead per file for the run document.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
import statistics
import threading
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

import psutil

from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors import ExifRead, ExifReader
from exifbench.strategies.cache import DictCache
from exifbench.strategies.core import BLOCKING_TIMEOUT_S, BackgroundLoader
from exifbench.strategies.main_guard import require_main_guard

SCHEDULER_VARIABLE = "EXIFBENCH_DASK_SCHEDULER"
BATCH_SIZE = 8
CONNECT_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 30.0
"""A bound on closing the client and the LocalCluster: past it, what the cluster left running is killed."""
LOOPBACK_ANY_PORT = "127.0.0.1:0"
ROUND_TRIPS = 10
"""Empty tasks timed one after another when the cluster is ready: the scheduler's cost per task."""


def read_batch(reader: ExifReader, paths: list[str]) -> tuple[list[ExifRead], float]:
    """On a worker: every file of one task, in order, and the seconds the reads took there."""
    begin = time.perf_counter()
    reads = [reader(path) for path in paths]
    return reads, time.perf_counter() - begin


def _nothing() -> None:
    """An empty task: what a round trip through the scheduler costs by itself."""


class DaskCloseWarning(UserWarning):
    """The cluster did not close in time and was killed."""


class TrustedSchedulerWarning(UserWarning):
    """A Dask scheduler can run code in this process: use only one you trust."""


def check_scheduler(address: str, trusted: bool) -> None:
    """Warn that ``address`` is trusted code; refuse it unless it is on loopback or ``trusted``."""
    from distributed.comm.addressing import get_address_host

    try:
        host = get_address_host(address)
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
        loopback = bool(found) and all(ipaddress.ip_address(ip.partition("%")[0]).is_loopback for ip in found)
    except (ValueError, OSError):
        loopback = False
    if not loopback and not trusted:
        raise ExifbenchError(f"dask: the scheduler {address!r} is not on this machine's loopback; a scheduler can run code "
                             "in this process (preloads, pickled results): give --trust-scheduler if you trust it")  # fmt: skip
    warnings.warn(f"dask: the scheduler at {address} can run code in this process; use only a scheduler you trust",
                  TrustedSchedulerWarning, stacklevel=3)  # fmt: skip


def _mp_helper(process: psutil.Process) -> bool:
    """Is ``process`` multiprocessing's resource tracker or fork server (this interpreter's, not the cluster's)?"""
    try:
        return any(name in " ".join(process.cmdline()) for name in ("multiprocessing.resource_tracker", "multiprocessing.forkserver"))
    except psutil.Error:
        return True


class Cluster:
    """A client connected to ``scheduler``, or to a LocalCluster of ``workers`` processes started here."""

    def __init__(self, scheduler: str | None, workers: int, trust_scheduler: bool = False) -> None:
        from distributed import Client, LocalCluster  # imported only when the strategy is used

        self.address = scheduler or os.environ.get(SCHEDULER_VARIABLE, "").strip() or None
        self._local: LocalCluster | None = None
        self._processes: list[psutil.Process] = []  # the LocalCluster's, killed if it will not close
        if self.address is not None:
            check_scheduler(self.address, trust_scheduler)
        try:
            if self.address is None:
                require_main_guard("the dask strategy")
                before = {child.pid for child in psutil.Process().children(recursive=True)}
                self._local = LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers, threads_per_worker=1, processes=True,
                    host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                    scheduler_kwargs={"dashboard_address": LOOPBACK_ANY_PORT},  # its health routes: no fixed port
                )  # fmt: skip
                self._processes = [c for c in psutil.Process().children(recursive=True) if c.pid not in before and not _mp_helper(c)]
                self.client = Client(self._local)  # type: ignore[no-untyped-call]
            else:
                self.client = Client(self.address, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
        except ExifbenchError:
            raise
        except Exception as exc:
            self.close()
            where = self.address or "a LocalCluster"
            raise ExifbenchError(f"dask: cannot start or reach {where}: {type(exc).__name__}: {exc}") from None
        self.workers = len(self.client.scheduler_info().get("workers", {}))

    def round_trip_ms(self) -> float:
        """Median time of one empty task through the scheduler and back, in ms."""
        times = []
        for _ in range(ROUND_TRIPS):
            begin = time.perf_counter()
            self.client.submit(_nothing, pure=False).result()
            times.append((time.perf_counter() - begin) * 1000)
        return statistics.median(times)

    def close(self) -> None:
        """Disconnect, and stop the LocalCluster's processes (a remote cluster is left running).

        A close that does not finish within :data:`CLOSE_TIMEOUT_S` (distributed can wait for ever on a worker that
        is already gone) is abandoned with a warning, and the cluster's processes still alive are killed."""
        client = getattr(self, "client", None)
        try:
            if client is not None:
                client.close(timeout=CLOSE_TIMEOUT_S)
            if self._local is not None:
                self._local.close(timeout=CLOSE_TIMEOUT_S)
        except (TimeoutError, asyncio.TimeoutError):
            warnings.warn(f"dask: the LocalCluster did not close within {CLOSE_TIMEOUT_S:g} s; its processes were killed",
                          DaskCloseWarning, stacklevel=2)  # fmt: skip
            for nanny in list(getattr(self._local, "workers", {}).values()):
                with contextlib.suppress(Exception):
                    nanny.close_gracefully()  # distributed's own signal that a worker gone is not to be restarted
            for process in self._processes:
                with contextlib.suppress(psutil.Error):
                    process.kill()


class DaskLoader(BackgroundLoader):
    """Reads on a Dask cluster, ``batch_size`` files per task; a dict cache under a lock, like ``threadpool``."""

    def __init__(
        self,
        reader: ExifReader | None = None,
        workers: int = 2,
        scheduler: str | None = None,
        batch_size: int = BATCH_SIZE,
        timeout_s: float = BLOCKING_TIMEOUT_S,
        trust_scheduler: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ExifbenchError(f"dask: batch_size must be at least 1, got {batch_size}")
        self._cluster = Cluster(scheduler, workers, trust_scheduler)
        self._batch_size = batch_size
        self._batch_lock = threading.Lock()
        self._pending: list[tuple[str, Future[ExifRead]]] = []
        self._preloading = False
        self._tasks = 0
        self._files = 0
        self._worker_s = 0.0
        try:
            self._round_trip_ms = self._cluster.round_trip_ms()
            executor = self._cluster.client.get_executor(pure=False)  # type: ignore[no-untyped-call]
            super().__init__(reader, DictCache(), lambda: executor, timeout_s)
        except BaseException:
            self._cluster.close()
            raise

    @property
    def workers(self) -> int:
        """The cluster's workers (a named cluster's own count, not ``workers``)."""
        return self._cluster.workers

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        """Submit ``paths`` (``priority`` first) in tasks of ``batch_size`` files, in that order."""
        with self._batch_lock:
            self._preloading = True
        try:
            super().preload(paths, priority)
        finally:
            with self._batch_lock:
                self._preloading = False
                batch, self._pending = self._pending, []
            if batch:
                self._send(batch)

    def close(self) -> None:
        """Cancel what is queued, disconnect, and stop every process of the LocalCluster."""
        try:
            self._executor.shutdown(wait=False)
        finally:
            self._cluster.close()

    def figures(self) -> dict[str, Any]:
        """The scheduler's cost for the run document: per task (measured at start) and per file (as batched)."""
        per_task = self._files / self._tasks if self._tasks else 0.0
        return {
            "dask": {
                "scheduler": self._cluster.address or "LocalCluster",
                "workers": self._cluster.workers,
                "batch_size": self._batch_size,
                "tasks": self._tasks,
                "files": self._files,
                "round_trip_ms": round(self._round_trip_ms, 3),
                "overhead_per_file_ms": round(self._round_trip_ms / per_task, 4) if per_task else None,
                "worker_read_ms_per_file": round(self._worker_s * 1000 / self._files, 4) if self._files else None,
            }
        }

    def _start(self, path: str) -> Future[ExifRead]:
        """Queue ``path`` into the current batch during a pre-load; otherwise send it as a task of its own."""
        read: Future[ExifRead] = Future()
        with self._batch_lock:
            self._pending.append((path, read))
            if self._preloading and len(self._pending) < self._batch_size:
                return read
            batch, self._pending = self._pending, []
        self._send(batch)
        return read

    def _send(self, batch: list[tuple[str, Future[ExifRead]]]) -> None:
        """One task reading every file of ``batch``; its result resolves each file's future."""
        task = self._executor.submit(read_batch, self._read, [path for path, _ in batch])
        with self._batch_lock:
            self._tasks += 1
            self._files += len(batch)
        task.add_done_callback(lambda done: self._settle(batch, done))

    def _settle(self, batch: list[tuple[str, Future[ExifRead]]], task: Future[tuple[list[ExifRead], float]]) -> None:
        if task.cancelled():
            for _, read in batch:
                read.cancel()
            return
        error = task.exception()
        if error is not None:  # the worker died or the task could not run: each file says so
            for _, read in batch:
                read.set_exception(error)
            return
        reads, worker_s = task.result()
        with self._batch_lock:
            self._worker_s += worker_s
        for (_, read), result in zip(batch, reads, strict=True):
            read.set_result(result)
