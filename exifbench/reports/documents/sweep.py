"""The sweep document (``exifbench.sweep/1``): a matrix of configurations, each with its runs.

A configuration is one value of every dimension the sweep varied (``strategy``, ``workers``,
``extractor``, ``storage``, ``pattern``...) and the runs measured with it, interleaved across
repeats. ``sync`` runs on every storage as the reference that ``blocking`` ratios are taken
against. The Pareto front and the recommendation are computed from this document
(:mod:`exifbench.reports.analysis.sweep`), never stored, so ``exifbench report sweep.json`` redraws them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exifbench import fields as f
from exifbench.reports.documents.runs import RunResult, StrategyFailure, pool_workers
from exifbench.files import read_json, save_document

SCHEMA = "exifbench.sweep/1"

MAX_NOT_READY = 0.10
"""Default threshold: at most this share of calls may get a placeholder."""
MAX_BLOCKING_RATIO = 0.01
"""Default threshold: main-thread blocking at most this share of ``sync``'s on the same storage."""


@dataclass(frozen=True)
class Thresholds:
    """What the team requires of a configuration before shipping it."""

    max_not_ready: float = MAX_NOT_READY
    max_blocking_ratio: float = MAX_BLOCKING_RATIO

    def to_dict(self) -> dict[str, float]:
        return {"max_not_ready": self.max_not_ready, "max_blocking_ratio": self.max_blocking_ratio}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Thresholds:
        data = f.mapping(data, where)
        return cls(f.field(data, "max_not_ready", where, f.number), f.field(data, "max_blocking_ratio", where, f.number))


@dataclass
class Configuration:
    """One point of the matrix: its settings (``strategy``, ``workers``, ``storage``...) and its runs."""

    settings: dict[str, Any]
    runs: list[RunResult] = field(default_factory=list)
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": dict(self.settings),
            "reference": self.reference,
            "failed": self.failed.to_dict() if self.failed else None,
            "runs": [run.to_dict() for run in self.runs],
        }

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Configuration:
        data = f.mapping(data, where)
        settings = f.field(data, "settings", where, f.mapping)
        for key in ("strategy", "storage"):
            f.field(settings, key, f"{where}.settings", f.text)
        failed = data.get("failed")
        return cls(
            settings=settings,
            runs=[RunResult.from_dict(run, f"{where}.runs[{i}]") for i, run in enumerate(f.field(data, "runs", where, f.array))],
            reference=f.field(data, "reference", where, f.flag, False),
            failed=None if failed is None else StrategyFailure.from_dict(failed, f"{where}.failed"),
        )


@dataclass
class SweepResults:
    """Every configuration of one sweep, the dimensions it varied, and the thresholds it was judged by."""

    configurations: list[Configuration]
    varied: list[str]
    thresholds: Thresholds = field(default_factory=Thresholds)
    repeats: int = 1
    complete: bool = True
    context: dict[str, Any] = field(default_factory=dict)
    """The settings every configuration shared (dataset, pattern...)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "varied": list(self.varied),
            "thresholds": self.thresholds.to_dict(),
            "repeats": self.repeats,
            "complete": self.complete,
            "context": self.context,
            "configurations": [one.to_dict() for one in self.configurations],
        }

    def save(self, path: str | Path, force: bool = True) -> Path:
        """Write the document to ``path`` (an existing file only with ``force``; elsewhere if it cannot be written)."""
        return save_document(path, json.dumps(self.to_dict(), indent=1, default=str), force)

    @classmethod
    def from_dict(cls, data: Any, where: str = "sweep") -> SweepResults:
        """Validate every field the analysis and renderers use; a bad nested field is one line naming it."""
        data = f.document(data, SCHEMA, where)
        configurations = f.field(data, "configurations", where, f.array)
        return cls(
            configurations=[Configuration.from_dict(one, f"{where}: configurations[{i}]") for i, one in enumerate(configurations)],
            varied=f.field(data, "varied", where, f.list_of(f.text)),
            thresholds=Thresholds.from_dict(f.field(data, "thresholds", where, f.mapping), f"{where}.thresholds"),
            repeats=f.field(data, "repeats", where, f.count),
            complete=f.field(data, "complete", where, f.flag, True),
            context=f.field(data, "context", where, f.mapping, {}),
        )

    @classmethod
    def load(cls, path: str | Path) -> SweepResults:
        return cls.from_dict(read_json(path, "sweep document"), str(path))
