"""What a run's exit code says, like pytest's: 0 only when complete and correct.

- ``0`` every strategy ran to the end and every file it loaded is equal (``--equality``: Pillow's dicts by
  default; with ``off`` nothing is compared, and the line says so);
- ``1`` a mismatch, a file whose real answer never came (unverified) or one ``load_exif`` raised for
  (``--on-loader-error file``: the file's error, the run goes on), in any strategy, or a
  strategy whose loader raised (``failed``) — whether or not the run was complete: a failure
  found is a failure;
- ``2`` bad input (a one-line error, nothing run) — raised before any measurement;
- ``3`` interrupted (Ctrl-C, SIGTERM) or ``--timeout`` reached, with no failure among what
  was measured: the partial results are still written, marked ``"complete": false``.
"""

from __future__ import annotations

from dataclasses import dataclass

from exifbench.reports.analysis.metrics import mismatch_count
from exifbench.reports.documents.equality import equality_of
from exifbench.reports.documents.runs import RunSet

OK, FAILED, BAD_INPUT, INCOMPLETE = 0, 1, 2, 3


@dataclass(frozen=True)
class Outcome:
    """An exit code and the one line that explains it."""

    code: int
    reason: str


def run_outcome(runs: RunSet) -> Outcome:
    """The exit code of ``exifbench run`` for ``runs``."""
    spec = equality_of(run.config.equality for run in runs.runs)
    crashed = list(dict.fromkeys(failure.strategy for failure in runs.failed))
    wrong = [f"{name} ({failures})" for name in runs.strategies if (failures := _failures(runs, name, spec.unit))]
    if wrong or crashed:
        reasons = [f"not equal to {spec.describe()} (--equality {spec.name}): {', '.join(wrong)}"] * bool(wrong)
        reasons += [f"{len(crashed)} strategy(ies) failed: the loader raised (see above)"] * bool(crashed)
        return Outcome(FAILED, "; ".join(reasons))
    if not runs.complete or not all(run.complete for run in runs.runs):
        return Outcome(INCOMPLETE, "interrupted or timed out: the results are partial")
    if spec.off:
        return Outcome(OK, f"complete; EXIF NOT compared (--equality off) ({len(runs.strategies)} strategies)")
    return Outcome(OK, f"complete; every strategy equal to {spec.describe()} ({len(runs.strategies)} compared)")


def _failures(runs: RunSet, strategy: str, unit: str) -> str:
    """``N mismatched tags, M unverified files`` over the strategy's runs; empty when none."""
    mine = runs.of(strategy)
    tags = mismatch_count(mine)
    unverified = len({path for run in mine for path in run.equality.unverified})
    raised = len({path for run in mine for path in run.equality.raised})
    parts = [f"{tags:,} mismatched {unit}(s)"] * bool(tags) + [f"{unverified} unverified file(s)"] * bool(unverified)
    parts += [f"load_exif raised on {raised} file(s)"] * bool(raised)
    return ", ".join(parts)
