"""``process``: the thread-pool design with a ``ProcessPoolExecutor`` doing the reads.

Reads run in worker processes (no GIL shared with the caller); dicts come back
pickled, so :mod:`exifbench.harness.equality` checks they survive the trip.
A worker that dies takes the whole pool down (``BrokenProcessPool``): the pool is
rebuilt and every read it took down is retried once; the file's error entry says so
("retried after a worker crash: ...") whether the retry read it or not.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import ForkServerContext
from multiprocessing.synchronize import Barrier as BarrierType

from exifbench.processes import running
from exifbench.strategies.extractors import ExifRead, ExifReader
from exifbench.strategies.cache import DictCache
from exifbench.strategies.main_guard import require_main_guard
from exifbench.strategies.core import BLOCKING_TIMEOUT_S, WARM_UP_S, BackgroundLoader, ExecutorFactory, started

RETRIED = "retried after a worker crash"


def _start_worker(everyone_started: BarrierType, parent: int) -> None:
    """Pool workers ignore the Ctrl-C a terminal sends the whole process group: the parent stops the run.

    Otherwise a worker's ``KeyboardInterrupt`` would come back as the file's result. Each worker ends when
    ``parent`` (the process whose pool it is) ends, however it ended (``kill -9`` included): nothing else
    would end it, and while it lives so do the fork server and the resource tracker. Then each worker waits
    until every worker of its pool has started, so that warming the pool starts them all; a start given
    up (the barrier aborted) is left quietly.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), name="exifbench-parent-watch", daemon=True).start()
    try:
        everyone_started.wait(WARM_UP_S)
    except threading.BrokenBarrierError:
        pass  # the start was given up, or took too long: the parent says which


PARENT_POLL_S = 0.5
"""How often a worker looks whether its parent still runs, where the OS cannot tell it (no ``pidfd_open``)."""


def _exit_with(parent: int) -> None:
    """End this process as soon as process ``parent`` has ended."""
    try:
        watch = os.pidfd_open(parent)  # Linux 5.3+: readable once the process has exited
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        while running(parent):
            time.sleep(PARENT_POLL_S)
        os._exit(1)
    select.select([watch], [], [])
    os._exit(1)


WORKER_IMPORTS = ["exifbench.strategies.extractors"]
"""What the fork server imports once, before it forks any worker: each worker then starts with the reader
(Pillow and its plugins) imported, instead of importing it itself (seconds on a loaded machine)."""


def process_pool(workers: int) -> ExecutorFactory:
    """A factory of started ``workers``-process pools (forkserver: no threads forked, the reader imported once);
    workers leave Ctrl-C to us."""
    require_main_guard()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_IMPORTS)  # read when the server starts, with the first pool
    return lambda: start_pool(context, workers)


def start_pool(context: ForkServerContext, workers: int) -> Executor:
    """A started pool of ``workers`` processes, started on a thread of its own while the caller waits.

    The thread holds SIGINT blocked, so the fork server it may start (and every worker that server forks)
    is born with Ctrl-C held: a Ctrl-C sent to the process group while they import or unpickle their start
    prints no traceback from them. The caller's wait is all a ``KeyboardInterrupt`` can land in: it gives the
    start up at once (workers waiting for the others stop waiting) and the thread shuts the pool down as
    soon as its processes have started, never leaving a fork request half made.
    """
    barrier = context.Barrier(workers)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                               initargs=(barrier, os.getpid()))  # fmt: skip
    outcome: Future[Executor] = Future()
    given_up = threading.Event()

    def start() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            outcome.set_result(started(pool, workers, os.getpid))
        except BaseException as exc:
            barrier.abort()
            outcome.set_exception(exc)
        if given_up.is_set():
            pool.shutdown(wait=True, cancel_futures=True)

    threading.Thread(target=start, name="exifbench-process-pool-start").start()
    try:
        return outcome.result()
    except BaseException:
        given_up.set()
        barrier.abort()
        if outcome.done():
            pool.shutdown(wait=False, cancel_futures=True)
        raise


class ProcessPoolLoader(BackgroundLoader):
    """Same cache, in-flight map and timeouts as ``threadpool``; reads happen in child processes."""

    def __init__(self, reader: ExifReader | None = None, workers: int = 4, timeout_s: float = BLOCKING_TIMEOUT_S) -> None:
        self.workers = workers
        super().__init__(reader, DictCache(), process_pool(workers), timeout_s)
        self._pool_lock = threading.Lock()
        self._retired: list[Executor] = []
        self._closed = False

    def close(self) -> None:
        """Shut the pool down, and join every pool a crash retired."""
        with self._pool_lock:
            self._closed = True
            executors = [*self._retired, self._executor]
        for executor in executors:
            executor.shutdown(wait=True, cancel_futures=True)

    def _start(self, path: str) -> Future[ExifRead]:
        """A future that outlives one pool: a crash resubmits the read once to a fresh pool."""
        outcome: Future[ExifRead] = Future()
        self._attempt(path, outcome, retry=False)
        return outcome

    def _attempt(self, path: str, outcome: Future[ExifRead], retry: bool) -> None:
        executor = self._executor
        try:
            read = executor.submit(self._read, path)
        except BrokenProcessPool:  # broken before its futures' callbacks replaced it
            executor = self._replace(executor)
            read = executor.submit(self._read, path)
        read.add_done_callback(lambda done: self._settle(path, outcome, done, executor, retry))

    def _settle(self, path: str, outcome: Future[ExifRead], read: Future[ExifRead], executor: Executor, retry: bool) -> None:
        """Done-callback of one attempt: pass its result on, or rebuild the pool and retry once."""
        if read.cancelled():
            outcome.cancel()
            return
        error = read.exception()
        if isinstance(error, BrokenProcessPool) and not retry:
            try:
                self._replace(executor)
                self._attempt(path, outcome, retry=True)
            except RuntimeError:  # closed meanwhile: cancelled like the rest of the queue, nothing cached
                outcome.cancel()
        elif isinstance(error, BrokenProcessPool):
            outcome.set_result(ExifRead({}, f"{RETRIED}: the worker crashed again, gave up"))
        elif error is not None:
            outcome.set_exception(error)
        elif retry:
            result = read.result()
            outcome.set_result(result._replace(error=f"{RETRIED}: {result.error or 'read on retry'}"))
        else:
            outcome.set_result(read.result())

    def _replace(self, broken: Executor) -> Executor:
        """The pool to use instead of ``broken``: a new one, made once however many reads it took down."""
        with self._pool_lock:
            if self._closed:
                raise RuntimeError("the loader is closed")
            if self._executor is broken:
                self._retired.append(broken)
                self._executor = self._new_executor()
            return self._executor
