"""The rollout decision document (``exifbench.decision/1``): every phase's criteria and its runs.

Each phase keeps the runs it was judged on (with their resource usage), so a saved
decision can be re-rendered — and re-judged under another policy — without re-running.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from exifbench import fields as f
from exifbench.errors import ExifbenchError
from exifbench.fields import Record
from exifbench.reports.documents.base import Document
from exifbench.reports.documents.equality import EqualitySpec
from exifbench.reports.documents.policy import Policy
from exifbench.reports.documents.runs import RunResult

SCHEMA = "exifbench.decision/1"
ENABLE, HOLD, REJECT = "ENABLE", "HOLD", "REJECT"
RANK = (ENABLE, HOLD, REJECT)
"""Outcomes, mildest first."""
NOT_RUN = "NOT RUN"
PASSED, FAILED, INCONCLUSIVE = "pass", "fail", "inconclusive"

def _policy(value: Any, where: str) -> Policy:
    return Policy.from_dict(f.mapping(value, where), where)


@dataclass(frozen=True)
class Criterion(Record):
    """One check in numbers: what was measured (``value``), the limit it was held to, and what a failure means.

    ``facts`` holds the figures behind it (medians, counts, the reference's, the not-ready floor); the words are
    the renderers' (:mod:`exifbench.reports.renderers.criteria`). Decisions saved before ``facts`` carried the
    words instead: they come back as ``facts = {"requirement": ..., "measured": ...}`` and are shown as saved.
    """

    DERIVED: ClassVar[tuple[str, ...]] = ("outcome",)

    name: str
    value: float | None
    limit: float | None
    status: Annotated[str, f.one_of(PASSED, FAILED, INCONCLUSIVE)]
    on_failure: Annotated[str, f.one_of(HOLD, REJECT)]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        return ENABLE if self.status == PASSED else self.on_failure

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        data = {"value": None, "limit": None, **data}  # older criteria left out what they did not measure
        if data.get("facts") is None:  # saved before the words moved to the renderers
            return {**data, "facts": {key: data.get(key) for key in ("requirement", "measured")}}
        return data

    def validate(self, where: str) -> None:
        if set(self.facts) == {"requirement", "measured"}:
            for key in ("requirement", "measured"):
                f.text(self.facts[key], f"{where}.{key}")

    def to_dict(self) -> dict[str, Any]:
        """``value`` is ``null`` when not finite (a ratio over a zero reference): JSON has no infinity."""
        finite = self.value is not None and math.isfinite(self.value)
        return {**super().to_dict(), "value": self.value if finite else None}


@dataclass
class PhaseVerdict(Record):
    """One rollout phase: its size, every criterion and the runs judged (none if it was not run).

    Each run carries its resource usage (``extra.resources``, :class:`~exifbench.reports.documents.runs.Resources`)."""

    DERIVED: ClassVar[tuple[str, ...]] = ("decision",)

    name: str
    images: int
    calls: int
    repeats: int
    criteria: list[Criterion] = field(default_factory=list)
    not_run: str = ""
    runs: list[RunResult] = field(default_factory=list)

    @property
    def decision(self) -> str:
        if self.not_run:
            return NOT_RUN
        return max((c.outcome for c in self.criteria), key=RANK.index, default=ENABLE)

    def validate(self, where: str) -> None:
        for i, run in enumerate(self.runs):
            if run.extra.resources is None:
                raise ExifbenchError(f"{where}.runs[{i}].extra: missing field 'resources'")


@dataclass
class Decision(Document):
    """The rollout verdict: every phase, and overall the worst phase's decision."""

    SCHEMA: ClassVar[str | None] = SCHEMA
    WHAT: ClassVar[str] = "decision"
    DERIVED: ClassVar[tuple[str, ...]] = ("decision",)

    candidate: str
    reference: str
    dataset: str
    storage: str
    policy: Annotated[Policy, _policy]
    phases: list[PhaseVerdict] = field(default_factory=list)
    pattern: str = "startup-593"
    """The access pattern every phase replayed (a built-in's name or a pattern file): a verdict is per pattern.
    Documents from before it was recorded were all ``startup-593``."""
    equality: EqualitySpec = field(default_factory=EqualitySpec)
    """What "equal" meant (decisions from before it was recorded: ``pillow``)."""

    @property
    def decision(self) -> str:
        ran = [phase.decision for phase in self.phases if not phase.not_run]
        return max(ran, key=RANK.index, default=HOLD)

    @property
    def exit_code(self) -> int:
        return 0 if self.decision == ENABLE else 1

    @classmethod
    def from_dict(cls, data: Any, where: str = "decision") -> Decision:
        """Validate every field, the phases' runs included; the decisions themselves are recomputed."""
        return super().from_dict(data, where)
