"""The exact tier's judgement: counts that repeat on any runner, gated on any change beyond a tiny tolerance.

Each side is measured (at least) twice. If a side's measurements differ from each other by more
than the tolerance, the count is not exact here and the comparison is *inconclusive* (it fails
unless allowed) — the gate never guesses. Otherwise the candidate regresses when its median is
over the reference's by more than the tolerance; any growth of an I/O count (tolerance 0 by
default) is a regression.
"""

from __future__ import annotations

from collections.abc import Sequence

from exifbench.reports.documents.gate import Comparison, ComparisonEquality, INCONCLUSIVE, PASS, REGRESSION
from exifbench.reports.statistics import mann_whitney, median

CPU_TOLERANCE = 0.005
"""0.5%: instruction counts of unchanged code repeat within ~0.1% (docs/gate.md); a 1% regression is over it."""
IO_TOLERANCE = 0.0
"""The mount's counts repeat exactly: any extra open, request or byte counts."""


def spread(values: Sequence[float]) -> float:
    """``(max − min) / median`` of one side's measurements (0 when they are equal)."""
    middle = median(values)
    if max(values) == min(values):
        return 0.0
    return (max(values) - min(values)) / middle if middle else float("inf")


def exact_status(candidate: Sequence[float], reference: Sequence[float], tolerance: float) -> str:
    """``pass``, ``regression``, or ``inconclusive`` when a side varies by more than ``tolerance``."""
    if max(spread(candidate), spread(reference)) > tolerance:
        return INCONCLUSIVE
    cand, ref = median(candidate), median(reference)
    grown = cand > ref if ref == 0 else cand / ref - 1 > tolerance
    return REGRESSION if grown else PASS


def exact_comparison(
    metric: str, candidate: Sequence[float], reference: Sequence[float], tolerance: float, labels: tuple[str, str]
) -> Comparison:
    """A :class:`Comparison` of the exact tier (its significance is kept for the record, not used)."""
    return Comparison(
        candidate=labels[0],
        reference=labels[1],
        metric=metric,
        candidate_values=list(candidate),
        reference_values=list(reference),
        threshold=tolerance,
        significance=mann_whitney(candidate, reference, "greater"),
        status=exact_status(candidate, reference, tolerance),
        equality=ComparisonEquality(0, 0),
        tier="exact",
    )
