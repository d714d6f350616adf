"""A run set analysed once: what every run-set renderer (table, plots, HTML, Markdown) receives.

Like pyinstrument's processors, the statistics run once before rendering — the
bootstrap ratios in :func:`summarize` are not recomputed per table, plot or page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exifbench.reports.analysis.advice import Advice, advise
from exifbench.reports.analysis.metrics import StrategySummary, median_run, summarize
from exifbench.reports.analysis.profiles import ProfileSummary, profiles
from exifbench.reports.documents.runs import RunResult, RunSet


@dataclass(frozen=True)
class RunReport:
    """A run set with its per-strategy summaries, median repeats and profiles."""

    runs: RunSet
    summaries: list[StrategySummary]
    profiles: list[ProfileSummary]
    reference: str = "sync"
    median_runs: dict[str, RunResult] = field(default_factory=dict)
    advice: Advice | None = None
    """What to ship by decide's criteria (default policy) against the reference; ``None`` without a reference run."""

    def median_run(self, strategy: str) -> RunResult:
        """The repeat of ``strategy`` drawn in per-call plots (see :func:`median_run`)."""
        return self.median_runs[strategy]


def analyze(runs: RunSet, reference: str = "sync") -> RunReport:
    """Every statistic the renderers show, computed once."""
    medians = {name: median_run(runs, name) for name in runs.strategies}
    return RunReport(runs, summarize(runs, reference), profiles(runs), reference, medians, advise(runs, reference=reference))
