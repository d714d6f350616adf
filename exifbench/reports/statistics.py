"""Statistics in one place: percentiles, spread and bootstrap ratios over repeats, significance.

Significance is the one-sided Mann–Whitney U test asv uses to call a change real.

Repeats are few (3–10), so the test is exact when there are no ties. With ``n`` and
``m`` repeats the smallest one-sided p-value it can give is ``1 / C(n+m, n)``: 3 vs 3
repeats can never get below 0.05 (their best is exactly 0.05), so such a comparison is
*unreachable* and reported as such instead of as "not significant".
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

ALPHA = 0.05


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def summarize_blocking(per_call_ms: Sequence[float]) -> dict[str, float]:
    """p50/p99/max (ms) of per-call main-thread blocking."""
    return {
        "p50_ms": percentile(per_call_ms, 50),
        "p99_ms": percentile(per_call_ms, 99),
        "max_ms": max(per_call_ms, default=0.0),
    }

def median_ratio(candidate: Sequence[float], reference: Sequence[float]) -> float:
    """Candidate median over reference median: 1.0 when both are 0, infinite over a zero reference."""
    cand, ref = median(candidate), median(reference)
    if ref == 0:
        return 1.0 if cand == 0 else float("inf")
    return cand / ref


@dataclass(frozen=True)
class Spread:
    """Median and range of one metric over repeats."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(median(values), min(values, default=0.0), max(values, default=0.0))


@dataclass(frozen=True)
class Ratio:
    """``candidate / reference`` of medians, with a 95% bootstrap interval over repeats."""

    value: float
    low: float
    high: float


def bootstrap_ratio(candidate: Sequence[float], reference: Sequence[float], rounds: int = 2000, seed: int = 0) -> Ratio:
    """Ratio of medians; the interval resamples each side's repeats with replacement."""
    ref = median(reference)
    value = median(candidate) / ref if ref else float("inf")
    if len(candidate) < 2 or len(reference) < 2:
        return Ratio(value, value, value)
    rng = random.Random(seed)
    samples = []
    for _ in range(rounds):
        ref_sample = median(rng.choices(reference, k=len(reference)))
        cand_sample = median(rng.choices(candidate, k=len(candidate)))
        samples.append(cand_sample / ref_sample if ref_sample else float("inf"))
    return Ratio(value, percentile(samples, 2.5), percentile(samples, 97.5))


Alternative = Literal["greater", "less"]


EXACT_UP_TO = 1000
"""Above this many repeats in all, :func:`min_p_value` uses log-gamma: ``math.comb`` of a trillion never returns."""


def min_p_value(n_candidate: int, n_reference: int) -> float:
    """The smallest one-sided p-value the exact test can give for these repeat counts."""
    if n_candidate < 1 or n_reference < 1:
        return 1.0
    if n_candidate + n_reference <= EXACT_UP_TO:
        return 1 / math.comb(n_candidate + n_reference, n_candidate)
    log_ways = math.lgamma(n_candidate + n_reference + 1) - math.lgamma(n_candidate + 1) - math.lgamma(n_reference + 1)
    return math.exp(-log_ways)


def repeats_needed(alpha: float = ALPHA) -> int:
    """The fewest repeats per side (equal on both) that can reach ``p < alpha`` (``alpha`` in (0, 1))."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    n = 1
    while min_p_value(n, n) >= alpha:
        n += 1
    return n


@dataclass(frozen=True)
class Significance:
    """Is the candidate ``alternative`` (greater / less) than the reference over the repeats?"""

    alternative: Alternative
    p_value: float
    n_candidate: int
    n_reference: int
    alpha: float = ALPHA

    @property
    def reachable(self) -> bool:
        """Whether these repeat counts can reach ``p < alpha`` at all."""
        return min_p_value(self.n_candidate, self.n_reference) < self.alpha

    @property
    def significant(self) -> bool:
        return self.reachable and self.p_value < self.alpha

    def describe(self) -> str:
        """One phrase: the p-value against alpha, or why no p-value could be small enough."""
        counts = f"{self.n_candidate} vs {self.n_reference} repeats"
        if not self.reachable:
            smallest = min_p_value(self.n_candidate, self.n_reference)
            return (
                f"{counts} cannot reach p<{self.alpha:g} (smallest possible p={smallest:.3f}); "
                f"use at least {repeats_needed(self.alpha)} repeats per side"
            )
        relation = "<" if self.p_value < self.alpha else "≥"
        return f"p={self.p_value:.3g} {relation} {self.alpha:g} (one-sided Mann–Whitney U, {counts})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": "mann-whitney-u",
            "alternative": self.alternative,
            "p_value": self.p_value,
            "alpha": self.alpha,
            "n_candidate": self.n_candidate,
            "n_reference": self.n_reference,
            "reachable": self.reachable,
            "significant": self.significant,
        }


def mann_whitney(
    candidate: Sequence[float], reference: Sequence[float], alternative: Alternative, alpha: float = ALPHA
) -> Significance:
    """One-sided test that ``candidate`` is stochastically ``alternative`` than ``reference``."""
    from scipy.stats import mannwhitneyu  # type: ignore[import-untyped]  # scipy takes ~0.5 s to import: only when a test runs

    if not candidate or not reference:
        p_value = 1.0
    else:
        p_value = float(mannwhitneyu(candidate, reference, alternative=alternative).pvalue)
        if not math.isfinite(p_value):
            p_value = 1.0
    return Significance(alternative, p_value, len(candidate), len(reference), alpha)


CHANGE_PENALTY = 4.0
"""Penalty per change point, in units of ``ln(n)`` on the robustly standardised series."""


def change_points(values: Sequence[float], penalty: float = CHANGE_PENALTY) -> list[int]:
    """Indices where a new level starts in ``values`` (a series over runs), oldest first.

    ruptures' PELT with the L1 cost (medians, robust to outliers) on the series
    standardised by a robust noise estimate: the median absolute step between
    neighbours (÷ 0.6745·√2 for a normal's σ), at least 1% of the series' median so
    that a perfectly flat series does not turn tiny wobbles into changes. Segments
    have at least 2 points; the penalty is ``penalty · ln(n)``.
    """
    import numpy as np
    import ruptures  # type: ignore[import-untyped,import-not-found,unused-ignore]

    if len(values) < 4:
        return []
    series = np.asarray(values, dtype=float)
    center = float(np.median(series))
    steps = np.abs(np.diff(series))
    sigma = max(float(np.median(steps)) / (0.6745 * math.sqrt(2)), 0.01 * abs(center), 1e-12)
    standardised = ((series - center) / sigma).reshape(-1, 1)
    ends = ruptures.Pelt(model="l1", min_size=2, jump=1).fit(standardised).predict(pen=penalty * math.log(len(series)))
    return [int(end) for end in ends[:-1]]
