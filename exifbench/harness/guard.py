"""A loader that raises fails its own strategy, in one line, and nothing else.

The harness talks to every loader through :class:`GuardedLoader`: an exception from
``load_exif``, ``preload``, ``close`` (or ``__enter__``/``__exit__``) comes out as one
:class:`LoaderFailure` naming the call and the exception, which the orchestration turns
into a failed strategy while the other strategies' measurements are kept.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import Any, Self, TypeVar

from exifbench.strategies.extractors import describe_error
from exifbench.strategies.base import Exif, ExifLoader
from exifbench.strategies.exits import LOADER_EXITS

Result = TypeVar("Result")


class LoaderFailure(Exception):
    """A loader raised from one of its protocol calls; ``str()`` is one line: the call, then the exception."""

    @classmethod
    def of(cls, call: str, exc: BaseException) -> LoaderFailure:
        return cls(f"{call} raised {describe_error(exc)}")


def guarded(call: str, method: Callable[..., Result], *args: object, **kwargs: object) -> Result:
    """``method(*args, **kwargs)``, with any exception it raises turned into a :class:`LoaderFailure` naming ``call``."""
    try:
        return method(*args, **kwargs)
    except LoaderFailure:
        raise
    except (Exception, *LOADER_EXITS) as exc:
        raise LoaderFailure.of(call, exc) from exc


ON_LOADER_ERROR = ("file", "strategy")
"""What an exception from ``load_exif`` is: that file's error (the app's own failure on one file; the run goes on
and the file answers ``{}``), or the end of the strategy (a :class:`LoaderFailure`)."""
NONE_MEANS = ("not-ready", "empty")
"""What a ``None`` from a *blocking* ``load_exif`` means: the protocol's "not ready", or an app's "no EXIF" (``{}``)."""

FileError = Callable[[str, str], None]
"""Told ``(path, one-line error)`` for each file whose ``load_exif`` raised."""


class GuardedLoader:
    """Wraps a loader: the same calls, each exception a :class:`LoaderFailure` (one frame more per call, counted
    in the harness overhead). With ``file_error``, an exception from ``load_exif`` is instead that file's error,
    told to ``file_error`` and answered ``{}``; with ``none_is_empty``, a blocking call's ``None`` is ``{}``."""

    def __init__(self, loader: ExifLoader, file_error: FileError | None = None, none_is_empty: bool = False) -> None:
        self._loader = loader
        self._file_error = file_error
        self._none_is_empty = none_is_empty

    def __getattr__(self, name: str) -> Any:
        """Anything else the loader offers (``wait_idle``...), its methods guarded alike."""
        attribute = getattr(self._loader, name)
        return functools.partial(guarded, f"{name}()", attribute) if callable(attribute) else attribute

    def load_exif(self, path: str, blocking: bool = False) -> Exif | None:
        try:
            exif = self._loader.load_exif(path, blocking=blocking)
        except LOADER_EXITS as exc:  # leaving the process is never one file's error
            raise LoaderFailure.of(f"load_exif({path!r}{', blocking=True' if blocking else ''})", exc) from exc
        except Exception as exc:
            if self._file_error is None:
                raise LoaderFailure.of(f"load_exif({path!r}{', blocking=True' if blocking else ''})", exc) from exc
            self._file_error(path, f"load_exif raised {describe_error(exc)}")
            return {}
        return {} if exif is None and blocking and self._none_is_empty else exif

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        guarded(f"preload({len(paths)} paths)", self._loader.preload, paths, priority)

    def close(self) -> None:
        guarded("close()", self._loader.close)

    def __enter__(self) -> Self:
        self._loader = guarded("__enter__()", self._loader.__enter__)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None, /) -> None:
        """Exit the loader's own context; if that raises too, the first failure is kept and the second added to it."""
        try:
            guarded("__exit__()", self._loader.__exit__, exc_type, exc, tb)
        except LoaderFailure as late:
            if isinstance(exc, LoaderFailure):
                raise LoaderFailure(f"{exc}; then {late}") from None
            raise


@contextmanager
def working_directory_kept() -> Iterator[None]:
    """The process's working directory is again what it was when the block ends, whatever a loader (or its
    module's import) did to it with ``os.chdir``: the relative paths the user gave (``--json results.json``,
    ``--out``) still name what they named, not a file in the loader's folder."""
    try:
        before = os.getcwd()
    except OSError:  # already gone: nothing to go back to
        yield
        return
    try:
        yield
    finally:
        with suppress(OSError):
            if os.getcwd() != before:
                os.chdir(before)
