"""Profiling each strategy's replay with pyinstrument (repeat 0 only): a replay hook that writes its files
as soon as the run is made.

pyinstrument samples, so it has no call counts: the headline at the top of each
``profile-<strategy>.txt`` (``load_exif — 13.740 s cumulative, 593 calls``) is
computed from the run's own per-call measurements, then pyinstrument's tree follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer, HTMLRenderer
from pyinstrument.session import Session

from exifbench.reports.documents.runs import RunResult
from exifbench.files import write_atomic
from exifbench.reports.format import duration

INTERVAL_S = 0.001
NOTE = (
    "(the pattern's calls, timed one by one on the main thread by the harness. The tree below is pyinstrument's\n"
    " sampling of the whole replay, which also holds the untimed final wait for background loads:\n"
    " load_exif(blocking=True) once per file after the pattern, not counted as blocking.)"
)


def profile_stem(strategy: str) -> str:
    """``profile-<strategy>``, safe as a file name (``module:Class`` names included)."""
    return "profile-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", strategy)


def headline(run: RunResult) -> str:
    """``load_exif — <time> cumulative, <n> calls``, measured on the main thread during the pattern."""
    calls = run.calls + (run.not_ready if run.config.on_not_ready == "wait" else 0)
    total = duration(run.blocking.total_s)
    return f"load_exif — {total} cumulative, {calls} calls ({run.strategy}, repeat {run.repeat})"


class ReplayProfiler:
    """A :class:`~exifbench.harness.bench.ReplayHook`: profiles repeat 0 of each strategy into ``out_dir``.

    The profiled run's ``extra["profile"]`` names its files and carries the headline.
    """

    def __init__(self, out_dir: Path, interval_s: float = INTERVAL_S) -> None:
        self.out_dir = Path(out_dir)
        self.interval_s = interval_s
        self._sessions: dict[str, Session] = {}
        self.written: list[Path] = []
        """The profile files written so far."""

    def around(self, strategy: str, repeat: int) -> AbstractContextManager[dict[str, Any]]:
        return self._profile(strategy) if repeat == 0 else nullcontext({})

    @contextmanager
    def _profile(self, strategy: str) -> Iterator[dict[str, Any]]:
        stem = profile_stem(strategy)
        extra: dict[str, Any] = {"profile": {"files": {"html": f"{stem}.html", "text": f"{stem}.txt"}}}
        profiler = Profiler(interval=self.interval_s)
        profiler.start()
        try:
            yield extra
        finally:
            self._sessions[strategy] = profiler.stop()

    def measured(self, run: RunResult) -> None:
        """Write ``profile-<strategy>.html`` and ``.txt`` for a profiled run, and store its headline in it."""
        session = self._sessions.pop(run.strategy, None)
        info = run.extra.get("profile")
        if session is None or not isinstance(info, dict):
            return
        info["headline"] = headline(run)
        text = ConsoleRenderer(unicode=True, color=False).render(session)
        self.written.append(write_atomic(self.out_dir / info["files"]["text"], f"{info['headline']}\n{NOTE}\n\n{text}"))
        self.written.append(write_atomic(self.out_dir / info["files"]["html"], HTMLRenderer().render(session)))
