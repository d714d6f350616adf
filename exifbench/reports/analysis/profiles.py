"""Profiled runs: which files each left, and what the profiler cost against the unprofiled repeats."""

from __future__ import annotations

import re
from dataclasses import dataclass

from exifbench.reports.statistics import Spread
from exifbench.reports.documents.runs import RunSet
from exifbench.reports.format import duration

PROFILE_FILE = re.compile(r"profile-[A-Za-z0-9_.-]+\.(html|txt)")
"""Profile file names a result document may name; anything else (a path, ``..``) is ignored."""


@dataclass(frozen=True)
class ProfileSummary:
    """One strategy's profiled repeat: its files, headline, and the profiler's wall-time overhead."""

    strategy: str
    repeat: int
    files: list[str]
    headline: str
    profiled_s: float
    unprofiled: Spread | None

    @property
    def overhead(self) -> float | None:
        """``profiled / unprofiled median - 1`` of the replay's wall time; ``None`` without an unprofiled repeat."""
        if self.unprofiled is None or not self.unprofiled.median:
            return None
        return self.profiled_s / self.unprofiled.median - 1

    def overhead_text(self) -> str:
        """The overhead in one sentence, saying when it is not measurable."""
        if self.overhead is None or self.unprofiled is None:
            return "profiler overhead could not be measured: no unprofiled repeat to compare with (use --repeat 2+)"
        spread = self.unprofiled
        text = (
            f"profiler overhead {self.overhead:+.1%} of replay wall time ({duration(self.profiled_s)} profiled vs "
            f"{duration(spread.median)} unprofiled median, range {duration(spread.low)}–{duration(spread.high)})"
        )
        if self.profiled_s <= spread.high:
            text += "; not above the unprofiled range, so not measurable here"
        return text


def profiles(runs: RunSet) -> list[ProfileSummary]:
    """Every profiled run (``extra["profile"]``), compared with the unprofiled repeats of its strategy."""
    found = []
    for run in runs.runs:
        info = run.extra.get("profile")
        if not isinstance(info, dict):
            continue
        others = [o.background_s for o in runs.of(run.strategy) if "profile" not in o.extra and o.complete]
        files = info.get("files")
        names = files.values() if isinstance(files, dict) else []
        found.append(
            ProfileSummary(
                strategy=run.strategy,
                repeat=run.repeat,
                files=[n for n in names if isinstance(n, str) and PROFILE_FILE.fullmatch(n)],
                headline=str(info.get("headline", "")),
                profiled_s=run.background_s,
                unprofiled=Spread.of(others) if others else None,
            )
        )
    return found
