"""The sweep document (``exifbench.sweep/1``): a matrix of configurations, each with its runs.

A configuration is one value of every dimension the sweep varied (``strategy``, ``workers``,
``extractor``, ``storage``, ``pattern``...) and the runs measured with it, interleaved across
repeats. ``sync`` runs on every storage as the reference that ``blocking`` ratios are taken
against. The Pareto front and the recommendation are computed from this document
(:mod:`exifbench.reports.analysis.sweep`), never stored, so ``exifbench report sweep.json`` redraws them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from exifbench import fields as f
from exifbench.fields import Record
from exifbench.reports.documents.base import Document
from exifbench.reports.documents.runs import RunResult, StrategyFailure, pool_workers

SCHEMA = "exifbench.sweep/1"

MAX_NOT_READY = 0.10
"""Default threshold: at most this share of calls may get a placeholder."""
MAX_BLOCKING_RATIO = 0.01
"""Default threshold: main-thread blocking at most this share of ``sync``'s on the same storage."""


@dataclass(frozen=True)
class Thresholds(Record):
    """What the team requires of a configuration before shipping it."""

    max_not_ready: float = f.required(MAX_NOT_READY)
    max_blocking_ratio: float = f.required(MAX_BLOCKING_RATIO)


def _settings(value: Any, where: str) -> dict[str, Any]:
    """A configuration's settings: ``strategy`` and ``storage`` text, the other dimensions as they were given."""
    data = f.mapping(value, where)
    for key in ("strategy", "storage"):
        f.field(data, key, where, f.text)
    return data


@dataclass
class Configuration(Record):
    """One point of the matrix: its settings (``strategy``, ``workers``, ``storage``...) and its runs."""

    settings: Annotated[dict[str, Any], _settings]
    runs: list[RunResult] = f.required([])
    reference: bool = False
    """Added by the sweep as the storage's ``sync`` reference (not asked for in the matrix)."""
    failed: StrategyFailure | None = None

    @property
    def strategy(self) -> str:
        return str(self.settings["strategy"])

    @property
    def storage(self) -> str:
        return str(self.settings["storage"])

    def label(self, varied: list[str]) -> str:
        """``threadpool ×16 fastpath``: the strategy, its workers, then the value of every other varied dimension.

        Workers are named by the pool size the runs recorded, when the sweep varied them and also when the
        strategy chose its own (so ``viewport ×64`` says what it ran with); a reference ``sync`` has none."""
        parts = [self.strategy]
        given, pool = self.settings.get("workers"), pool_workers(self.runs)
        if not self.reference and (pool is not None or ("workers" in varied and given is not None)):
            parts.append(f"×{pool if pool is not None else given}")
        parts += [str(self.settings[key]) for key in varied if key not in ("strategy", "workers") and key in self.settings]
        return " ".join(parts)


@dataclass
class SweepResults(Document):
    """Every configuration of one sweep, the dimensions it varied, and the thresholds it was judged by."""

    SCHEMA: ClassVar[str | None] = SCHEMA
    WHAT: ClassVar[str] = "sweep document"

    configurations: list[Configuration]
    varied: list[str]
    thresholds: Thresholds = f.required(Thresholds())
    repeats: int = f.required(1)
    complete: bool = True
    context: dict[str, Any] = field(default_factory=dict)
    """The settings every configuration shared (dataset, pattern...)."""

    @classmethod
    def from_dict(cls, data: Any, where: str = "sweep") -> SweepResults:
        """Validate every field the analysis and renderers use; a bad nested field is one line naming it."""
        return super().from_dict(data, where)
