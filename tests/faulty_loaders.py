"""User loaders with a bug in one protocol call, named on the command line as ``tests.faulty_loaders:Class``."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from exifbench.strategies.extractors import ExifReader
from exifbench.strategies.sync import SyncLoader


class LoaderBug(RuntimeError):
    pass


class Faulty(SyncLoader):
    """``sync`` with a bug in the call named by :attr:`fails_in` (on the 5th ``load_exif`` for ``load_exif``)."""

    fails_in = ""

    def __init__(self, reader: ExifReader | None = None) -> None:
        if self.fails_in == "__init__":
            raise LoaderBug("cannot start")
        super().__init__(reader)
        self.calls = 0

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        self.calls += 1
        if self.fails_in == "load_exif" and self.calls == 5:
            raise LoaderBug("corrupt cache\nentry")  # a multi-line message still gives one line
        return super().load_exif(path, blocking)

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        if self.fails_in == "preload":
            raise LoaderBug("no pool")

    def close(self) -> None:
        if self.fails_in == "close":
            raise LoaderBug("leaked worker")


class FailsInInit(Faulty):
    fails_in = "__init__"


class FailsInPreload(Faulty):
    fails_in = "preload"


class FailsInLoad(Faulty):
    fails_in = "load_exif"


class FailsInClose(Faulty):
    fails_in = "close"


class ReturnsText(SyncLoader):
    """Breaks the protocol without raising: ``load_exif`` returns a string, not a dict."""

    def load_exif(self, path: str, blocking: bool = False) -> Any:
        return "not a dict"


class Uncomparable:
    """A value whose ``==``, ``!=`` and ``repr`` raise."""

    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no ==")

    def __ne__(self, other: object) -> bool:
        raise RuntimeError("no !=")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


class OddValues(SyncLoader):
    """Pillow's dicts with what a buggy app puts in them: a numpy array (``==`` answers an array, with no truth value)
    as ``XResolution``, a value whose ``==`` raises as ``Make``, and the dict itself as ``self``."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        import numpy

        exif = dict(super().load_exif(path, blocking))
        odd: dict[str, Any] = {"XResolution": numpy.array([72.0, 72.0]), "Make": Uncomparable()}
        exif.update((tag, value) for tag, value in odd.items() if tag in exif)
        exif["self"] = exif
        return exif


class AnotherFilesFirst(SyncLoader):
    """Answers each file's first call with the previous file's dict (a cache keyed wrongly), every later call right."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__(reader)
        self.answered: set[str] = set()
        self.previous: dict[str, Any] | None = None

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        right = super().load_exif(path, blocking)
        first, wrong = path not in self.answered, self.previous
        self.answered.add(path)
        self.previous = right
        return dict(wrong) if first and wrong is not None else right


class AnswersEmpty(SyncLoader):
    """Answers ``{}`` for every file: right only where the original reads no EXIF."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        return {}


class ChangesDirectory(SyncLoader):
    """Moves the process into ``./elsewhere`` (made if missing) as it starts, as an app that opens its library does."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__(reader)
        os.makedirs("elsewhere", exist_ok=True)
        os.chdir("elsewhere")


READY = "EXIFBENCH_TEST_READY"


class Hangs(SyncLoader):
    """A loader whose third ``load_exif`` never returns (an hour: longer than any test)."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__(reader)
        self.calls = 0

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 3:
            if READY in os.environ:  # tells a test the replay has started
                Path(os.environ[READY]).touch()
            time.sleep(3600)
        return super().load_exif(path, blocking)


class DiesInLoad(Hangs):
    """``Hangs``, but its process dies on the third ``load_exif`` instead (``os._exit``): no exception, nothing flushed."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if self.calls == 2:
            os._exit(7)
        return super().load_exif(path, blocking)


class FillsLater(SyncLoader):
    """Answers ``{}`` at once and fills that same dict 50 ms later: what a caller got was ``{}``."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__(reader)
        self.given: dict[str, dict[str, Any]] = {}
        self.timers: list[threading.Timer] = []

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if path not in self.given:
            self.given[path] = answer = {}
            timer = threading.Timer(0.05, lambda: answer.update(super(FillsLater, self).load_exif(path, True)))
            timer.start()
            self.timers.append(timer)
        return self.given[path]

    def close(self) -> None:
        for timer in self.timers:
            timer.join()


class ExitsZero(SyncLoader):
    """``os._exit(0)`` in its third ``load_exif``: the process would end at once, "successfully", writing nothing."""

    calls = 0

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 3:
            os._exit(0)
        return super().load_exif(path, blocking)


class SysExitZero(ExitsZero):
    """``sys.exit(0)`` (``SystemExit``, which ``except Exception`` does not stop) in its third ``load_exif``."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if self.calls == 2:
            sys.exit(0)
        return super().load_exif(path, blocking)


class RaisesInterrupt(ExitsZero):
    """Raises ``KeyboardInterrupt`` from its third ``load_exif`` (no Ctrl-C anywhere)."""

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        if self.calls == 2:
            raise KeyboardInterrupt
        return super().load_exif(path, blocking)


class LeavesAThread(SyncLoader):
    """Starts a non-daemon thread that never ends (the interpreter would wait for it at exit, for ever)."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__(reader)
        threading.Thread(target=threading.Event().wait, name="never-ends", daemon=False).start()


class LeavesAProcess(SyncLoader):
    """Starts a multiprocessing child (fork) that sleeps for an hour and never stops it."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__(reader)
        multiprocessing.get_context("fork").Process(target=time.sleep, args=(3600,), daemon=False).start()


class InterruptsItsParent(SyncLoader):
    """``sync`` whose third ``load_exif`` sends SIGINT to its parent: a Ctrl-C on ``run --launches`` mid-replay."""

    def __init__(self, reader: ExifReader | None = None) -> None:
        super().__init__(reader)
        self.calls = 0

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 3:
            os.kill(os.getppid(), signal.SIGINT)
        return super().load_exif(path, blocking)


class HoldsTheGil(SyncLoader):
    """Its third ``load_exif`` runs a regular expression that backtracks for ever, inside one C call that never
    gives up the interpreter lock: no Python code (signal handler, watchdog thread) runs again in the process."""

    calls = 0

    def load_exif(self, path: str, blocking: bool = False) -> dict[str, Any]:
        self.calls += 1
        if self.calls == 3:
            if READY in os.environ:
                Path(os.environ[READY]).touch()
            re.match(r"(a+)+$", "a" * 64 + "b")
        return super().load_exif(path, blocking)
