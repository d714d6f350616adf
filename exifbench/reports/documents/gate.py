"""The gate verdict document (``exifbench.gate/1``): every comparison, its figures and its judgement.

It keeps each side's per-repeat values and the significance test, so a saved verdict
re-renders (``exifbench report verdict.json``) exactly as it was judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, cast

from exifbench import fields as f
from exifbench.errors import ExifbenchError
from exifbench.fields import Record
from exifbench.reports.documents.base import Document
from exifbench.reports.documents.equality import EqualitySpec
from exifbench.reports.documents.runs import Mismatch
from exifbench.reports.statistics import Alternative, Significance, median, median_ratio

SCHEMA = "exifbench.gate/1"

PASS, INCONCLUSIVE, REGRESSION, MISSING, MISMATCH = "pass", "inconclusive", "regression", "missing", "mismatch"
SEVERITY = (PASS, INCONCLUSIVE, REGRESSION, MISSING, MISMATCH)
"""Comparison outcomes, mildest first."""

MODES = ("interleaved", "files", "history", "revisions")
"""Candidate and reference run here interleaved; two saved documents; the newest run of a history; two git
revisions measured here (``gate --base``), exact counts and interleaved runs."""
TIERS = ("exact", "wall-clock")
"""How a comparison was judged: counts against a tolerance; timings by the significance rule."""


def _threshold(value: Any, where: str) -> float:
    threshold = f.number(value, where)
    if threshold < 0:
        raise ExifbenchError(f"{where}: must be ≥ 0, got {threshold!r}")
    return threshold


def _alpha(value: Any, where: str) -> float:
    """A significance level: above 0 and below 1 (a level of 0 could never be reached)."""
    alpha = f.number(value, where)
    if not 0 < alpha < 1:
        raise ExifbenchError(f"{where}: must be above 0 and below 1, got {alpha!r}")
    return alpha


def _significance(value: Any, where: str) -> Significance:
    data = f.mapping(value, where)
    return Significance(
        alternative=cast(Alternative, f.field(data, "alternative", where, f.one_of("greater", "less"))),
        p_value=f.field(data, "p_value", where, f.number),
        n_candidate=f.field(data, "n_candidate", where, f.count),
        n_reference=f.field(data, "n_reference", where, f.count),
        alpha=f.field(data, "alpha", where, _alpha),
    )


Threshold = Annotated[float, _threshold]


@dataclass(frozen=True)
class ComparisonEquality(Record):
    """A comparison's EXIF check: files checked, tags (or fields) that differ, the first few of them."""

    checked: int
    mismatches: int
    examples: list[Mismatch] = field(default_factory=list)
    with_exif: int | None = None
    """Files whose expected dict held anything (0: equality checked nothing; ``None``: not recorded)."""


@dataclass(frozen=True)
class Comparison(Record):
    """One candidate against one reference on one metric, over their repeats, and how it was judged."""

    DERIVED: ClassVar[tuple[str, ...]] = ("ratio", "candidate_median", "reference_median")

    candidate: str
    reference: str
    metric: str
    candidate_values: list[float]
    reference_values: list[float]
    threshold: Threshold
    significance: Annotated[Significance, _significance]
    status: Annotated[str, f.one_of(*SEVERITY)]
    equality: ComparisonEquality
    min_effect: Threshold = 0.0
    """The smallest difference of medians (in the metric's unit) that could count as a regression."""
    tier: Annotated[str, f.one_of(*TIERS)] = "wall-clock"
    """``exact``: ``threshold`` is the tolerance on a count that repeats exactly; ``wall-clock``: the rule."""

    @property
    def ratio(self) -> float:
        """Candidate median over reference median (1.0 when both are 0)."""
        return median_ratio(self.candidate_values, self.reference_values)

    @property
    def candidate_median(self) -> float:
        return median(self.candidate_values)

    @property
    def reference_median(self) -> float:
        return median(self.reference_values)

    def to_dict(self) -> dict[str, Any]:
        """``ratio`` is ``null`` when infinite (over a zero reference): JSON has no infinity."""
        out = super().to_dict()
        return {**out, "ratio": None if math.isinf(self.ratio) else self.ratio}


@dataclass
class GateVerdict(Document):
    """Every comparison of one gate invocation, and what it means for the exit code."""

    SCHEMA: ClassVar[str | None] = SCHEMA
    WHAT: ClassVar[str] = "gate verdict"
    DERIVED: ClassVar[tuple[str, ...]] = ("status", "passed", "exit_code")

    mode: Annotated[str, f.one_of(*MODES)]
    metric: str
    threshold: Threshold
    comparisons: list[Comparison]
    allow_inconclusive: bool = False
    context: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    """Strategies the baseline has and the current run lacks: a gate cannot pass over them."""
    equality: EqualitySpec = field(default_factory=EqualitySpec)
    """What "equal" meant (verdicts from before it was recorded: ``pillow``)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Metrics asked for and not judged, each with why (e.g. I/O counts on local storage)."""

    @property
    def status(self) -> str:
        """The worst comparison's status (``missing`` when a baseline strategy was not measured)."""
        statuses = [c.status for c in self.comparisons] + [MISSING] * bool(self.missing)
        return max(statuses, key=SEVERITY.index, default=PASS)

    @property
    def passed(self) -> bool:
        return self.status == PASS or (self.status == INCONCLUSIVE and self.allow_inconclusive)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @classmethod
    def from_dict(cls, data: Any, where: str = "gate verdict") -> GateVerdict:
        """Validate every field a renderer uses; derived fields (status, passed, ratios) are recomputed."""
        return super().from_dict(data, where)
