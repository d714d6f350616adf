"""The result document: one typed object per run, a JSON round trip, a versioned schema.

Every renderer (tables, plots, HTML, Markdown, the gate) is fed only by these
objects, so ``exifbench report saved.json`` can redraw anything without re-running.
A single run saves as ``exifbench.run/1``; several (strategies × repeats) as
``exifbench.runs/1`` = ``{"schema": ..., "runs": [...]}``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from exifbench.dataset.io import IoCounts
from exifbench.errors import ExifbenchError
from exifbench.files import read_json, write_atomic

RUN_SCHEMA = "exifbench.run/1"
RUNS_SCHEMA = "exifbench.runs/1"

REQUIRED_KEYS = (
    "strategy", "calls", "images", "files_touched", "blocking", "not_ready",
    "background_s", "equality", "errors", "environment",
)  # fmt: skip
BLOCKING_KEYS = ("total_s", "p50_ms", "p99_ms", "max_ms")
EQUALITY_KEYS = ("checked", "equal", "mismatches")


@dataclass
class RunResult:
    """What one strategy measured in one repeat of one pattern on one dataset."""

    strategy: str
    calls: int
    images: int
    files_touched: int
    blocking: dict[str, float]
    not_ready: int
    background_s: float
    equality: dict[str, Any]
    errors: list[dict[str, str]]
    environment: dict[str, Any]
    repeat: int = 0
    deferred: int = 0
    preload_ms: float = 0.0
    startup_ms: float = 0.0
    """Creating the loader: its pools started (process workers spawned), before the replay began."""
    config: dict[str, Any] = field(default_factory=dict)
    samples: dict[str, list[Any]] = field(default_factory=dict)
    responsiveness: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    complete: bool = True
    io: dict[str, Any] = field(default_factory=dict)
    """What the storage daemon counted during the run (:class:`~exifbench.dataset.io.IoCounts`); empty unless mounted."""

    @property
    def equal(self) -> bool:
        return bool(self.equality["checked"] == self.equality["equal"])

    def to_dict(self) -> dict[str, Any]:
        return {"schema": RUN_SCHEMA, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "run") -> RunResult:
        """Validate one run's fields; errors name the bad field."""
        if not isinstance(data, dict):
            raise ExifbenchError(f"{where}: a run must be a JSON object")
        for key in REQUIRED_KEYS:
            if key not in data:
                raise ExifbenchError(f"{where}: missing field {key!r}")
        _check_numbers(data["blocking"], BLOCKING_KEYS, f"{where}.blocking")
        _check_numbers(data, ("calls", "images", "files_touched", "not_ready", "background_s"), where)
        if not isinstance(data["equality"], dict) or any(k not in data["equality"] for k in EQUALITY_KEYS):
            raise ExifbenchError(f"{where}.equality: must have {', '.join(EQUALITY_KEYS)}")
        if not isinstance(data["errors"], list):
            raise ExifbenchError(f"{where}.errors: must be a list")
        if data.get("io"):
            IoCounts.from_dict(data["io"], f"{where}.io")
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def _check_numbers(data: Any, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(data, dict):
        raise ExifbenchError(f"{where}: must be an object")
    for key in keys:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ExifbenchError(f"{where}.{key}: must be a finite number, got {value!r}")


@dataclass(frozen=True)
class StrategyFailure:
    """A strategy whose loader raised: which repeat, and one line naming the call and the exception.

    It is not run again; its earlier repeats, if any, are kept; the run set is not complete.
    """

    strategy: str
    repeat: int
    error: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, where: str) -> StrategyFailure:
        if not isinstance(data, dict):
            raise ExifbenchError(f"{where}: must be an object with strategy, repeat and error")
        for key, kind in (("strategy", str), ("repeat", int), ("error", str)):
            if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
                raise ExifbenchError(f"{where}.{key}: must be a {kind.__name__}, got {data.get(key)!r}")
        return cls(data["strategy"], data["repeat"], data["error"])


@dataclass
class RunSet:
    """All runs of one invocation, in the order they ran (interleaved across repeats), and the strategies that failed."""

    runs: list[RunResult] = field(default_factory=list)
    complete: bool = True
    failed: list[StrategyFailure] = field(default_factory=list)

    @property
    def strategies(self) -> list[str]:
        return list(dict.fromkeys(run.strategy for run in self.runs))

    def of(self, strategy: str) -> list[RunResult]:
        return [run for run in self.runs if run.strategy == strategy]

    def to_dict(self) -> dict[str, Any]:
        if len(self.runs) == 1 and self.complete and not self.failed:
            return self.runs[0].to_dict()
        return {
            "schema": RUNS_SCHEMA,
            "complete": self.complete,
            "failed": [failure.to_dict() for failure in self.failed],
            "runs": [run.to_dict() for run in self.runs],
        }

    def save(self, path: str | Path, force: bool = True) -> Path:
        return write_atomic(path, json.dumps(self.to_dict(), indent=1, default=str), force=force)

    @classmethod
    def from_dict(cls, data: Any, where: str = "results") -> RunSet:
        if not isinstance(data, dict):
            raise ExifbenchError(f"{where}: not a result document (expected a JSON object)")
        schema = data.get("schema")
        if schema == RUN_SCHEMA:
            run = RunResult.from_dict(data, where)
            return cls([run], complete=run.complete)
        if schema == RUNS_SCHEMA:
            runs = data.get("runs")
            if not isinstance(runs, list):
                raise ExifbenchError(f"{where}: field 'runs' must be a list")
            parsed = [RunResult.from_dict(run, f"{where}: runs[{i}]") for i, run in enumerate(runs)]
            failed = data.get("failed", [])
            if not isinstance(failed, list):
                raise ExifbenchError(f"{where}: field 'failed' must be a list")
            failures = [StrategyFailure.from_dict(one, f"{where}: failed[{i}]") for i, one in enumerate(failed)]
            return cls(parsed, complete=bool(data.get("complete", True)), failed=failures)
        raise ExifbenchError(f"{where}: field 'schema' must be {RUN_SCHEMA!r} or {RUNS_SCHEMA!r}, got {schema!r}")

    @classmethod
    def load(cls, path: str | Path) -> RunSet:
        """Read a saved result document (JSON only, validated)."""
        return cls.from_dict(read_json(path, "result document"), str(path))
