"""The loader protocol every strategy implements, and a context-manager mixin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

Exif = dict[str, Any]


@runtime_checkable
class ExifLoader(Protocol):
    """What the harness needs of a loader; it never asks which one it has."""

    def load_exif(self, path: str, blocking: bool = False) -> Exif | None:
        """The cached dict if ready; ``None`` if not ready and not ``blocking``.

        With ``blocking=True`` always a dict: wait for an in-flight load or load now.
        """
        ...

    def preload(self, paths: Sequence[str], priority: Sequence[str] | None = None) -> None:
        """Schedule background loads of ``paths``, ``priority`` paths first."""
        ...

    def close(self) -> None:
        """Stop every thread and process this loader started."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...


@runtime_checkable
class BackgroundWork(Protocol):
    """A loader that can say when its background reads are done (optional; the built-in pools have it).

    A harness waits with ``wait_idle()`` before collecting results with ``load_exif(blocking=True)``,
    so a slow read is waited for in full instead of being cut at the app-facing timeout.
    """

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no background read is in flight; ``False`` if ``timeout`` passed first."""
        ...


@runtime_checkable
class TimesReads(Protocol):
    """A loader that knows when each file's dict was ready (optional; the built-in pools have it).

    The harness measures background completion to the last of these (``perf_counter_ns``), not to when it got
    round to asking; for a loader without it, to when its answers were first in hand.
    """

    def ready_ns(self, path: str) -> int | None:
        """When the dict of ``path`` was read or found (``time.perf_counter_ns()``); ``None`` if it was not yet."""
        ...


ExifCallback = Callable[[str, Exif], None]


@runtime_checkable
class Subscribes(Protocol):
    """A loader that calls back when a file's EXIF is loaded (optional; ``lazy`` has it): a real UI loop fills a
    placeholder from the callback instead of asking again on the next frame."""

    def get_exif_lazy(self, path: str, callback: ExifCallback | None = None) -> None:
        """Load ``path`` in the background and call ``callback(path, exif)`` when it is loaded (at once if cached)."""
        ...


@runtime_checkable
class ReportsFigures(Protocol):
    """A loader with figures of its own for the run document (optional; e.g. ``dask``'s scheduler overhead)."""

    def figures(self) -> dict[str, Any]:
        """Figures to keep in the run's ``extra``, read after the replay (and after ``close``).

        Under :data:`SUMMARY`, one line the loader says of its run in words (e.g. what its cache answered):
        every output shows it after the table, escaped, as ``<strategy>: <summary>``. Renderers read no other key.
        """
        ...


SUMMARY = "summary"
"""The key of a loader's own one-line account of its run in :meth:`ReportsFigures.figures`."""


@runtime_checkable
class Pooled(Protocol):
    """A loader with a pool of background workers (optional; the built-in pools have it): its size, as chosen
    (``workers`` given, or the loader's own default), is shown beside its results."""

    @property
    def workers(self) -> int:
        """How many reads the pool runs at once."""
        ...


@runtime_checkable
class Normalizes(Protocol):
    """A loader whose dicts have a shape of their own (optional): ``normalize`` maps one to the field names
    ``--equality`` compares (e.g. ``{'Exif.Image.Make': ('Make', 'Canon')}`` to ``{'Make': 'Canon'}``)."""

    def normalize(self, path: str, exif: Exif) -> Exif:
        """``exif``, as this loader returned it for ``path``, in the compared shape."""
        ...


class ClosingLoader:
    """Context-manager use for loaders: ``with Loader() as loader: ...`` closes on exit."""

    def close(self) -> None:
        """Nothing to release by default."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None, /) -> None:
        self.close()


def priority_order(paths: Sequence[str], priority: Sequence[str] | None) -> list[str]:
    """``priority`` paths first, then the rest of ``paths``, each path once."""
    return list(dict.fromkeys([*(priority or ()), *paths]))
