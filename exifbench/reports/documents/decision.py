"""The rollout decision document (``exifbench.decision/1``): every phase's criteria and its runs.

Each phase keeps the runs it was judged on (with their resource usage), so a saved
decision can be re-rendered — and re-judged under another policy — without re-running.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from exifbench.reports.documents.policy import Policy
from exifbench import fields as f
from exifbench.reports.documents.equality import EqualitySpec
from exifbench.reports.documents.runs import RunResult
from exifbench.files import read_json, save_document

SCHEMA = "exifbench.decision/1"
ENABLE, HOLD, REJECT = "ENABLE", "HOLD", "REJECT"
RANK = (ENABLE, HOLD, REJECT)
"""Outcomes, mildest first."""
NOT_RUN = "NOT RUN"
PASSED, FAILED, INCONCLUSIVE = "pass", "fail", "inconclusive"

RESOURCES = f.record({"leaked_threads": f.count, "leaked_children": f.list_of(f.text), "rss_growth_mb": f.number})
"""What a decision's runs must carry in ``extra["resources"]`` (see :class:`exifbench.harness.leaks.Usage`)."""


@dataclass(frozen=True)
class Criterion:
    """One check in numbers: what was measured (``value``), the limit it was held to, and what a failure means.

    ``facts`` holds the figures behind it (medians, counts, the reference's, the not-ready floor); the words are
    the renderers' (:mod:`exifbench.reports.renderers.criteria`). Decisions saved before ``facts`` carried the
    words instead: they come back as ``facts = {"requirement": ..., "measured": ...}`` and are shown as saved.
    """

    name: str
    value: float | None
    limit: float | None
    status: str
    on_failure: str
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        return ENABLE if self.status == PASSED else self.on_failure

    def to_dict(self) -> dict[str, Any]:
        """``value`` is ``null`` when not finite (a ratio over a zero reference): JSON has no infinity."""
        finite = self.value is not None and math.isfinite(self.value)
        return {**asdict(self), "value": self.value if finite else None, "outcome": self.outcome}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Criterion:
        data = f.mapping(data, where)
        value, limit = data.get("value"), data.get("limit")
        facts = data.get("facts")
        if facts is None:  # saved before the words moved to the renderers
            facts = {key: f.field(data, key, where, f.text) for key in ("requirement", "measured")}
        return cls(
            name=f.field(data, "name", where, f.text),
            value=None if value is None else f.number(value, f"{where}.value"),
            limit=None if limit is None else f.number(limit, f"{where}.limit"),
            status=f.field(data, "status", where, f.one_of(PASSED, FAILED, INCONCLUSIVE)),
            on_failure=f.field(data, "on_failure", where, f.one_of(HOLD, REJECT)),
            facts=f.mapping(facts, f"{where}.facts"),
        )


@dataclass
class PhaseVerdict:
    """One rollout phase: its size, every criterion and the runs judged (none if it was not run)."""

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "images": self.images,
            "calls": self.calls,
            "repeats": self.repeats,
            "decision": self.decision,
            "not_run": self.not_run,
            "criteria": [c.to_dict() for c in self.criteria],
            "runs": [run.to_dict() for run in self.runs],
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> PhaseVerdict:
        data = f.mapping(data, where)
        criteria = f.field(data, "criteria", where, f.array)
        runs = f.field(data, "runs", where, f.array, [])
        parsed = [RunResult.from_dict(run, f"{where}.runs[{i}]") for i, run in enumerate(runs)]
        for i, run in enumerate(parsed):
            f.field(run.extra, "resources", f"{where}.runs[{i}].extra", RESOURCES)
        return cls(
            name=f.field(data, "name", where, f.text),
            images=f.field(data, "images", where, f.count),
            calls=f.field(data, "calls", where, f.count),
            repeats=f.field(data, "repeats", where, f.count),
            criteria=[Criterion.from_dict(c, f"{where}.criteria[{i}]") for i, c in enumerate(criteria)],
            not_run=f.field(data, "not_run", where, f.text, ""),
            runs=parsed,
        )


@dataclass
class Decision:
    """The rollout verdict: every phase, and overall the worst phase's decision."""

    candidate: str
    reference: str
    dataset: str
    storage: str
    policy: Policy
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "candidate": self.candidate,
            "reference": self.reference,
            "dataset": self.dataset,
            "storage": self.storage,
            "pattern": self.pattern,
            "equality": self.equality.to_dict(),
            "decision": self.decision,
            "policy": self.policy.to_dict(),
            "phases": [phase.to_dict() for phase in self.phases],
        }

    def save(self, path: str | Path, force: bool = True) -> Path:
        """Write the document to ``path`` (an existing file only with ``force``; elsewhere if it cannot be written)."""
        return save_document(path, json.dumps(self.to_dict(), indent=1, default=str), force)

    @classmethod
    def from_dict(cls, data: Any, where: str = "decision") -> Decision:
        """Validate every field, the phases' runs included; the decisions themselves are recomputed."""
        data = f.document(data, SCHEMA, where)
        phases = f.field(data, "phases", where, f.array)
        return cls(
            candidate=f.field(data, "candidate", where, f.text),
            reference=f.field(data, "reference", where, f.text),
            dataset=f.field(data, "dataset", where, f.text),
            storage=f.field(data, "storage", where, f.text),
            policy=Policy.from_dict(f.field(data, "policy", where, f.mapping), f"{where}.policy"),
            phases=[PhaseVerdict.from_dict(p, f"{where}: phases[{i}]") for i, p in enumerate(phases)],
            pattern=f.field(data, "pattern", where, f.text, "startup-593"),
            equality=EqualitySpec.from_dict(data["equality"], f"{where}.equality") if "equality" in data else EqualitySpec(),
        )

    @classmethod
    def load(cls, path: str | Path) -> Decision:
        return cls.from_dict(read_json(path, "decision"), str(path))
