"""Extraction functions: path -> EXIF dict, and the reader every strategy shares.

An *extractor* is a plain function ``(path) -> dict`` that may raise; raising
:class:`~exifbench.strategies.extractors.fallback.Fallback` hands the file to the original
loader (Pillow), and the read says why (``ExifRead.fallback``). The
:class:`ExifReader` wraps one with the storage model and the original loader's
error semantics (``{}`` on any failure) and is picklable, so thread and process
pools run exactly the same code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from exifbench.datasets.storage.model import StorageModel
from exifbench.errors import ExifbenchError
from exifbench.strategies.extractors.error_log import ErrorCollector
from exifbench.strategies.extractors.fallback import Fallback
from exifbench.strategies.extractors.fastpath import header_exif
from exifbench.strategies.extractors.pillow import pillow_exif

Extractor = Callable[[str], dict[str, Any]]

log = logging.getLogger("exifbench.loader")
log.addHandler(logging.NullHandler())  # shown only where the host configures logging, never by the last-resort handler

ORIGINAL = "pillow"
"""The original loader's extractor, which every other falls back to."""

EXTRACTORS: dict[str, Extractor] = {ORIGINAL: pillow_exif, "fastpath": header_exif}


POOL_DEFAULT = "fastpath"
"""What a built-in pool reads with when it is given no reader: the fast path. Its dicts are the original's (verified
file by file on every corpus, Pillow 13.0), and it hands Pillow every file it cannot vouch for -- every file under a
Pillow release it was not verified against. ``sync``, the original loader and the reference, keeps Pillow."""


def get_extractor(name: str) -> Extractor:
    """Look an extractor up by name; unknown names are a user error."""
    try:
        return EXTRACTORS[name]
    except KeyError:
        raise ExifbenchError(f"unknown extractor {name!r}: choose from {', '.join(EXTRACTORS)}") from None


class ExifRead(NamedTuple):
    """One read from storage: the dict (``{}`` on failure), the one-line reason it failed, and why the
    extractor handed the file to the original loader (``None``: it answered itself)."""

    exif: dict[str, Any]
    error: str | None = None
    fallback: str | None = None


def describe_error(exc: BaseException) -> str:
    """One line naming the exception type and its message."""
    text = " ".join(str(exc).split()) or "no message"
    return f"{type(exc).__name__}: {text}"


@dataclass(frozen=True)
class ExifReader:
    """Reads one file's EXIF from storage: storage cost, then the extractor, never raises."""

    extractor: str = "pillow"
    storage: StorageModel = field(default_factory=StorageModel)
    log: ErrorCollector | None = field(default=None, compare=False, repr=False)
    """Where the failed and fallen-back reads reported through this reader go (see :meth:`report`): the run's own
    log; none, only ``logging``. It stays in its process: a pickled reader (a process pool's) has none, and the
    reads its workers send back are reported here."""

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "log": None}

    def __call__(self, path: str) -> ExifRead:
        fallback = None
        try:
            self.storage.charge(path)
            try:
                return ExifRead(get_extractor(self.extractor)(path))
            except Fallback as exc:
                fallback = exc.reason
            return ExifRead(pillow_exif(path), fallback=fallback)
        except Exception as exc:  # the original loader catches everything and returns {}
            return ExifRead({}, describe_error(exc), fallback)

    @property
    def may_fall_back(self) -> bool:
        """Whether this reader's extractor can hand files to the original loader (any extractor but the original)."""
        return self.extractor != ORIGINAL

    def load(self, path: str) -> dict[str, Any]:
        """Read ``path`` and log a warning on failure, like the original loader."""
        return self.report(path, self(path))

    def report(self, path: str, read: ExifRead) -> dict[str, Any]:
        """:func:`report` ``read`` to this reader's :attr:`log`."""
        return report(path, read, self.log)


def pool_reader() -> ExifReader:
    """The reader a built-in pool uses when given none (:data:`POOL_DEFAULT`, local storage)."""
    return ExifReader(POOL_DEFAULT)


def report(path: str, read: ExifRead, into: ErrorCollector | None) -> dict[str, Any]:
    """Record ``read``'s error (if any) in ``into``, log it as the original loader's warning; return its dict.

    The harness collects errors from its run's log, never from ``logging``: a host's logging set-up cannot hide them.
    A fall-back reason goes to the log too, so a run counts them from its own reads.
    """
    if into is not None and read.fallback is not None:
        into.add_fallback(path, read.fallback)
    if read.error is not None:
        if into is not None:
            into.add(path, read.error)
        log.warning("%s: %s", path, read.error, extra={"exif_path": path, "exif_error": read.error})
    return read.exif
