"""The one regression rule every gated metric follows (gate files mode, interleaved mode, history).

A candidate regresses on a metric only if all three hold:

1. its median is over the reference's by more than the **relative threshold**
   (``candidate > reference × (1 + threshold)``);
2. the difference of medians is at least the **minimum absolute effect** (per metric,
   settable; see :mod:`exifbench.reports.analysis.metrics`);
3. a one-sided Mann–Whitney U test finds the candidate greater at ``alpha`` (asv's rule).

Over both limits but not significant (including too few repeats to ever be) is
*inconclusive*; anything else passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from exifbench.reports.statistics import ALPHA, Significance, mann_whitney, median

PASS, INCONCLUSIVE, REGRESSION = "pass", "inconclusive", "regression"


@dataclass(frozen=True)
class Limits:
    """How much worse a metric may get: a relative threshold and a minimum absolute effect."""

    threshold: float
    min_effect: float
    alpha: float = ALPHA

    def to_dict(self) -> dict[str, float]:
        return {"threshold": self.threshold, "min_effect": self.min_effect, "alpha": self.alpha}


@dataclass(frozen=True)
class Change:
    """Candidate against reference values of one metric, and what the rule makes of it."""

    candidate: list[float]
    reference: list[float]
    limits: Limits
    significance: Significance

    @property
    def candidate_median(self) -> float:
        return median(self.candidate)

    @property
    def reference_median(self) -> float:
        return median(self.reference)

    @property
    def ratio(self) -> float:
        """Candidate median over reference median (1.0 when both are 0, ``inf`` from zero)."""
        cand, ref = self.candidate_median, self.reference_median
        if ref == 0:
            return 1.0 if cand == 0 else float("inf")
        return cand / ref

    @property
    def effect(self) -> float:
        """Candidate median minus reference median, in the metric's unit."""
        return self.candidate_median - self.reference_median

    @property
    def over_limits(self) -> bool:
        return self.ratio > 1 + self.limits.threshold and self.effect >= self.limits.min_effect

    @property
    def status(self) -> str:
        if not self.over_limits:
            return PASS
        return REGRESSION if self.significance.significant else INCONCLUSIVE

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "candidate_median": self.candidate_median,
            "reference_median": self.reference_median,
            "ratio": self.ratio if self.ratio != float("inf") else None,
            "effect": self.effect,
            "limits": self.limits.to_dict(),
            "candidate_values": self.candidate,
            "reference_values": self.reference,
            "significance": self.significance.to_dict(),
        }


def judge(candidate: Sequence[float], reference: Sequence[float], limits: Limits) -> Change:
    """Apply the rule to ``candidate`` against ``reference`` (higher is worse)."""
    significance = mann_whitney(candidate, reference, "greater", limits.alpha)
    return Change(list(candidate), list(reference), limits, significance)
