"""The gate verdict document (``exifbench.gate/1``): every comparison, its figures and its judgement.

It keeps each side's per-repeat values and the significance test, so a saved verdict
re-renders (``exifbench report verdict.json``) exactly as it was judged.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from exifbench.reports.statistics import Alternative, Significance, median, median_ratio
from exifbench import fields as f
from exifbench.reports.documents.equality import EqualitySpec
from exifbench.errors import ExifbenchError
from exifbench.files import read_json, save_document

SCHEMA = "exifbench.gate/1"

PASS, INCONCLUSIVE, REGRESSION, MISSING, MISMATCH = "pass", "inconclusive", "regression", "missing", "mismatch"
SEVERITY = (PASS, INCONCLUSIVE, REGRESSION, MISSING, MISMATCH)
"""Comparison outcomes, mildest first."""

MODES = ("interleaved", "files", "history", "revisions")
"""Candidate and reference run here interleaved; two saved documents; the newest run of a history; two git
revisions measured here (``gate --base``), exact counts and interleaved runs."""
TIERS = ("exact", "wall-clock")
"""How a comparison was judged: counts against a tolerance; timings by the significance rule."""

MISMATCH_EXAMPLE = f.record({key: f.text for key in ("path", "tag", "expected", "actual")})


@dataclass(frozen=True)
class Comparison:
    """One candidate against one reference on one metric, over their repeats, and how it was judged."""

    candidate: str
    reference: str
    metric: str
    candidate_values: list[float]
    reference_values: list[float]
    threshold: float
    significance: Significance
    checked: int
    mismatches: int
    status: str
    examples: list[dict[str, str]] = field(default_factory=list)
    min_effect: float = 0.0
    """The smallest difference of medians (in the metric's unit) that could count as a regression."""
    with_exif: int | None = None
    """Files whose expected dict held anything (0: equality checked nothing; ``None``: not recorded)."""
    tier: str = "wall-clock"
    """``exact``: ``threshold`` is the tolerance on a count that repeats exactly; ``wall-clock``: the rule."""

    @property
    def ratio(self) -> float:
        """Candidate median over reference median (1.0 when both are 0)."""
        return median_ratio(self.candidate_values, self.reference_values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "reference": self.reference,
            "metric": self.metric,
            "tier": self.tier,
            "status": self.status,
            "ratio": self.ratio if not math.isinf(self.ratio) else None,
            "threshold": self.threshold,
            "min_effect": self.min_effect,
            "candidate_median": median(self.candidate_values),
            "reference_median": median(self.reference_values),
            "candidate_values": self.candidate_values,
            "reference_values": self.reference_values,
            "significance": self.significance.to_dict(),
            "equality": {"checked": self.checked, "mismatches": self.mismatches, "examples": self.examples,
                         "with_exif": self.with_exif},
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Comparison:
        data = f.mapping(data, where)
        equality = f.field(data, "equality", where, f.mapping)
        return cls(
            candidate=f.field(data, "candidate", where, f.text),
            reference=f.field(data, "reference", where, f.text),
            metric=f.field(data, "metric", where, f.text),
            candidate_values=f.field(data, "candidate_values", where, f.list_of(f.number)),
            reference_values=f.field(data, "reference_values", where, f.list_of(f.number)),
            threshold=f.field(data, "threshold", where, _threshold),
            significance=f.field(data, "significance", where, _significance),
            checked=f.field(equality, "checked", f"{where}.equality", f.count),
            mismatches=f.field(equality, "mismatches", f"{where}.equality", f.count),
            status=f.field(data, "status", where, f.one_of(*SEVERITY)),
            examples=f.field(equality, "examples", f"{where}.equality", f.list_of(MISMATCH_EXAMPLE), []),
            min_effect=f.field(data, "min_effect", where, _threshold, 0.0),
            with_exif=None if equality.get("with_exif") is None else f.count(equality["with_exif"], f"{where}.equality.with_exif"),
            tier=f.field(data, "tier", where, f.one_of(*TIERS), "wall-clock"),
        )


def _threshold(value: Any, where: str) -> float:
    threshold = f.number(value, where)
    if threshold < 0:
        raise ExifbenchError(f"{where}: must be ≥ 0, got {threshold!r}")
    return threshold


def _significance(value: Any, where: str) -> Significance:
    data = f.mapping(value, where)
    return Significance(
        alternative=cast(Alternative, f.field(data, "alternative", where, f.one_of("greater", "less"))),
        p_value=f.field(data, "p_value", where, f.number),
        n_candidate=f.field(data, "n_candidate", where, f.count),
        n_reference=f.field(data, "n_reference", where, f.count),
        alpha=f.field(data, "alpha", where, _alpha),
    )


def _reasons(value: Any, where: str) -> dict[str, str]:
    data = f.mapping(value, where)
    return {str(key): f.text(reason, f"{where}.{key}") for key, reason in data.items()}


def _alpha(value: Any, where: str) -> float:
    """A significance level: above 0 and below 1 (a level of 0 could never be reached)."""
    alpha = f.number(value, where)
    if not 0 < alpha < 1:
        raise ExifbenchError(f"{where}: must be above 0 and below 1, got {alpha!r}")
    return alpha


@dataclass
class GateVerdict:
    """Every comparison of one gate invocation, and what it means for the exit code."""

    mode: str
    metric: str
    threshold: float
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "mode": self.mode,
            "status": self.status,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "metric": self.metric,
            "threshold": self.threshold,
            "allow_inconclusive": self.allow_inconclusive,
            "context": self.context,
            "missing": self.missing,
            "equality": self.equality.to_dict(),
            "skipped": self.skipped,
            "comparisons": [c.to_dict() for c in self.comparisons],
        }

    def save(self, path: str | Path, force: bool = True) -> Path:
        """Write the document to ``path`` (an existing file only with ``force``; elsewhere if it cannot be written)."""
        return save_document(path, json.dumps(self.to_dict(), indent=1), force)

    @classmethod
    def from_dict(cls, data: Any, where: str = "gate verdict") -> GateVerdict:
        """Validate every field a renderer uses; derived fields (status, passed, ratios) are recomputed."""
        data = f.document(data, SCHEMA, where)
        comparisons = f.field(data, "comparisons", where, f.array)
        return cls(
            mode=f.field(data, "mode", where, f.one_of(*MODES)),
            metric=f.field(data, "metric", where, f.text),
            threshold=f.field(data, "threshold", where, _threshold),
            comparisons=[Comparison.from_dict(c, f"{where}: comparisons[{i}]") for i, c in enumerate(comparisons)],
            allow_inconclusive=f.field(data, "allow_inconclusive", where, f.flag, False),
            context=f.field(data, "context", where, f.mapping, {}),
            missing=f.field(data, "missing", where, f.list_of(f.text), []),
            equality=EqualitySpec.from_dict(data["equality"], f"{where}.equality") if "equality" in data else EqualitySpec(),
            skipped=f.field(data, "skipped", where, _reasons, {}),
        )

    @classmethod
    def load(cls, path: str | Path) -> GateVerdict:
        return cls.from_dict(read_json(path, "gate verdict"), str(path))
