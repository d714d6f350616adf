"""The regression gate's judgement: result documents in, a :class:`GateVerdict` document out.

A comparison is a **regression** only if the candidate's median is over
``reference × (1 + threshold)`` *and* a one-sided Mann–Whitney U test finds the
candidate greater at ``alpha`` (asv's rule). Over the threshold but not significant —
including too few repeats to ever be significant — is **inconclusive**: the gate fails
on it unless ``allow_inconclusive``. Any EXIF **mismatch** fails the gate whatever
the speed. Exit codes: 0 pass, 1 fail.
"""

from __future__ import annotations

from collections.abc import Sequence

from exifbench.analysis.metrics import METRICS, unique_mismatches
from exifbench.analysis.statistics import ALPHA, Significance, mann_whitney, median_ratio
from exifbench.documents.gate import INCONCLUSIVE, MISMATCH, PASS, REGRESSION, Comparison, GateVerdict
from exifbench.documents.runs import RunResult, RunSet
from exifbench.errors import ExifbenchError

EXAMPLES = 5
"""Mismatch examples kept per comparison."""


def judge(candidate: Sequence[float], reference: Sequence[float], threshold: float, significance: Significance,
          mismatches: int) -> str:  # fmt: skip
    """Mismatch, pass (within the threshold), regression (over it and significant) or inconclusive."""
    if mismatches:
        return MISMATCH
    if median_ratio(candidate, reference) <= 1 + threshold:
        return PASS
    return REGRESSION if significance.significant else INCONCLUSIVE


def compare(
    candidate: Sequence[RunResult],
    reference: Sequence[RunResult],
    metric: str,
    threshold: float,
    labels: tuple[str, str],
    alpha: float = ALPHA,
) -> Comparison:
    """Compare two groups of runs; EXIF mismatches on either side count (each differing tag once)."""
    measure = METRICS[metric]
    cand_values = [measure(run) for run in candidate]
    ref_values = [measure(run) for run in reference]
    mismatched = unique_mismatches([*candidate, *reference])
    significance = mann_whitney(cand_values, ref_values, "greater", alpha)
    return Comparison(
        candidate=labels[0],
        reference=labels[1],
        metric=metric,
        candidate_values=cand_values,
        reference_values=ref_values,
        threshold=threshold,
        significance=significance,
        checked=max((run.equality["checked"] for run in candidate), default=0),
        mismatches=len(mismatched),
        status=judge(cand_values, ref_values, threshold, significance, len(mismatched)),
        examples=mismatched[:EXAMPLES],
    )


def gate_interleaved(
    runs: RunSet, candidate: str, reference: str, metric: str, threshold: float, allow_inconclusive: bool = False
) -> GateVerdict:
    """Gate ``candidate`` against ``reference`` measured interleaved in one run set."""
    _check(runs, "measurements")
    comparison = compare(runs.of(candidate), runs.of(reference), metric, threshold, (candidate, reference))
    return GateVerdict("interleaved", metric, threshold, [comparison], allow_inconclusive)


def gate_files(
    baseline: RunSet, current: RunSet, metric: str, threshold: float, allow_inconclusive: bool = False
) -> GateVerdict:
    """Gate every strategy found in both documents: current against baseline."""
    _check(baseline, "baseline")
    _check(current, "current")
    common = [name for name in current.strategies if name in baseline.strategies]
    if not common:
        raise ExifbenchError(
            f"baseline ({', '.join(baseline.strategies)}) and current ({', '.join(current.strategies)}) "
            "have no strategy in common"
        )
    comparisons = [
        compare(current.of(name), baseline.of(name), metric, threshold, (f"{name} (current)", f"{name} (baseline)"))
        for name in common
    ]
    only = sorted(set(baseline.strategies) ^ set(current.strategies))
    context = {"not_compared": only} if only else {}
    return GateVerdict("files", metric, threshold, comparisons, allow_inconclusive, context)


def _check(runs: RunSet, what: str) -> None:
    for failure in runs.failed:
        raise ExifbenchError(f"{what}: strategy {failure.strategy!r} failed ({failure.error}); gate only complete results")
    if not runs.runs:
        raise ExifbenchError(f"{what}: no runs to compare")
    if not runs.complete:
        raise ExifbenchError(f"{what}: the run was interrupted (complete: false); gate only complete results")
