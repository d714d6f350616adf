"""The result document: one typed object per run, a JSON round trip, a versioned schema.

Every renderer (tables, plots, HTML, Markdown, the gate) is fed only by these
objects, so ``exifbench report saved.json`` can redraw anything without re-running.
A single run saves as ``exifbench.run/1``; several (strategies × repeats) as
``exifbench.runs/1`` = ``{"schema": ..., "runs": [...]}``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from exifbench.datasets.storage.io import IoCounts
from exifbench import fields as f
from exifbench.reports.documents.equality import EqualitySpec
from exifbench.errors import ExifbenchError
from exifbench.files import read_json, save_document

RUN_SCHEMA = "exifbench.run/1"
RUNS_SCHEMA = "exifbench.runs/1"

REQUIRED_KEYS = (
    "strategy", "calls", "images", "files_touched", "blocking", "not_ready",
    "background_s", "equality", "errors", "environment",
)  # fmt: skip
BLOCKING_KEYS = ("total_s", "p50_ms", "p99_ms", "max_ms")
MAIN_THREAD_PARTS = ("startup", "preload", "load_exif", "reask", "callbacks", "close")
"""Where a run's main-thread blocking went (``blocking.<part>_ms``; ``total_s`` is their sum): the loader's
constructor, its preload, the pattern's load_exif calls, the view's re-asks, a lazy API's subscriptions, close."""
EQUALITY_KEYS = ("checked", "equal", "mismatches")
PER_CALL = ("blocking_ms", "at_ms", "end_ms", "not_ready")
"""Samples with one value per call, in call order."""


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
    time_to_exif: dict[str, float] = field(default_factory=dict)
    first_page_ready_share: float = 1.0
    first_page_complete_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    complete: bool = True
    io: dict[str, Any] = field(default_factory=dict)
    """What the storage daemon counted during the run (:class:`~exifbench.datasets.storage.io.IoCounts`); empty unless mounted."""
    loader_output: dict[str, Any] = field(default_factory=dict)
    """What the loader logged and wrote to stdout/stderr during the run: ``lines`` (how many) and ``first`` (the
    first lines); empty when it wrote nothing."""

    def blocking_parts_ms(self) -> dict[str, float]:
        """Each :data:`MAIN_THREAD_PARTS` part's main-thread time (ms) this run recorded (none in older documents)."""
        return {part: self.blocking[f"{part}_ms"] for part in MAIN_THREAD_PARTS if f"{part}_ms" in self.blocking}

    @property
    def equal(self) -> bool:
        """Every file checked was equal, none went unverified and ``load_exif`` raised for none (``equality.raised``)."""
        return (self.equality["checked"] == self.equality["equal"] and not self.equality.get("unverified")
                and not self.equality.get("raised"))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"schema": RUN_SCHEMA, **asdict(self)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "run") -> RunResult:
        """Validate every field a renderer or a judgement reads, nested ones included; errors name the field."""
        if not isinstance(data, dict):
            raise ExifbenchError(f"{where}: a run must be a JSON object")
        for key in REQUIRED_KEYS:
            if key not in data:
                raise ExifbenchError(f"{where}: missing field {key!r}")
        for key in BLOCKING_KEYS:
            f.field(f.mapping(data["blocking"], f"{where}.blocking"), key, f"{where}.blocking", f.number)
        for key, check in CHECKS.items():
            if key in data:
                check(data[key], f"{where}.{key}")
        if data.get("io"):
            IoCounts.from_dict(data["io"], f"{where}.io")
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


def _equality(value: Any, where: str) -> dict[str, Any]:
    data = f.mapping(value, where)
    if any(key not in data for key in EQUALITY_KEYS):
        raise ExifbenchError(f"{where}: must have {', '.join(EQUALITY_KEYS)}")
    for key in ("unverified", "raised"):
        if key in data:
            f.list_of(f.text)(data[key], f"{where}.{key}")
    if "baseline_exif" in data:
        f.count(data["baseline_exif"], f"{where}.baseline_exif")
    checked = EQUALITY(data, where)
    differing = len({str(m.get("path")) for m in checked["mismatches"]})
    if checked["equal"] > checked["checked"] - differing:  # what a judgement reads must not contradict itself
        raise ExifbenchError(f"{where}: {checked['equal']} of {checked['checked']} files equal, yet "
                             f"{differing} file(s) with mismatches: equal must be at most checked less those")  # fmt: skip
    return checked


def _config(value: Any, where: str) -> dict[str, Any]:
    """The run's settings; the nested ones a renderer reads are checked when present (empty means absent)."""
    data = f.mapping(value, where)
    for key, check in CONFIG_CHECKS.items():
        if data.get(key):
            check(data[key], f"{where}.{key}")
    return data


def _samples(value: Any, where: str) -> dict[str, list[float]]:
    """Lists of numbers; the per-call ones (:data:`PER_CALL`, led by ``blocking_ms``) one value per call each."""
    data = f.values_of(f.list_of(f.number))(value, where)
    lengths = {key: len(data[key]) for key in PER_CALL if key in data}
    if lengths and PER_CALL[0] not in lengths:
        raise ExifbenchError(f"{where}: per-call samples ({', '.join(lengths)}) without {PER_CALL[0]!r}")
    if len(set(lengths.values())) > 1:
        counts = ", ".join(f"{key} {n}" for key, n in lengths.items())
        raise ExifbenchError(f"{where}: per-call samples must have one value per call each, got {counts}")
    return data


def _responsiveness(value: Any, where: str) -> dict[str, Any]:
    """Figures of the UI probe: numbers, except ``ui`` (which UI loop measured them)."""
    data = f.mapping(value, where)
    for key, item in data.items():
        (f.text if key == "ui" else f.number)(item, f"{where}.{key}")
    return data


MISMATCH = f.record({key: f.text for key in ("path", "tag", "expected", "actual")})
EQUALITY = f.record({"checked": f.count, "equal": f.count, "mismatches": f.list_of(MISMATCH)})
LOADER_OUTPUT = f.record({"lines": f.count, "first": f.list_of(f.text)})
CONFIG_CHECKS: dict[str, f.Check[Any]] = {
    "cold_check": f.record({"cold_median_ms": f.number, "warm_median_ms": f.number, "files": f.count,
                            "measurably_slower": f.flag}),  # fmt: skip
    "fastpath_fallbacks": f.values_of(f.count),
    "extractors": f.list_of(f.text),
    "pool_workers": f.count,
    "skipped": f.list_of(f.record({"path": f.text, "reason": f.text})),
    "equality": EqualitySpec.from_dict,
}
CHECKS: dict[str, f.Check[Any]] = {
    "strategy": f.text,
    **{key: f.number for key in ("calls", "images", "files_touched", "not_ready", "background_s", "preload_ms",
                                 "startup_ms", "first_page_ready_share", "first_page_complete_ms")},  # fmt: skip
    "blocking": f.values_of(f.number),
    "equality": _equality,
    "errors": f.list_of(f.record({"path": f.text, "error": f.text})),
    "environment": f.mapping,
    "repeat": f.count,
    "deferred": f.count,
    "config": _config,
    "samples": _samples,
    "responsiveness": _responsiveness,
    "time_to_exif": f.values_of(f.number),
    "extra": f.mapping,
    "complete": f.flag,
    "loader_output": lambda value, where: LOADER_OUTPUT(value, where) if value else f.mapping(value, where),
}
"""Each field's check (required fields are also listed in :data:`REQUIRED_KEYS`)."""


def pool_workers(runs: list[RunResult]) -> int | None:
    """The pool size ``runs`` recorded (``config.pool_workers``), if they all agree on one (``None``: no pool)."""
    sizes = {run.config.get("pool_workers") for run in runs}
    size = sizes.pop() if len(sizes) == 1 else None
    return size if isinstance(size, int) and not isinstance(size, bool) else None


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
        return cls(f.field(data, "strategy", where, f.text), f.field(data, "repeat", where, f.count),
                   f.field(data, "error", where, f.text))  # fmt: skip


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
        """Write the document to ``path`` (an existing file only with ``force``; elsewhere if it cannot be written)."""
        return save_document(path, json.dumps(self.to_dict(), indent=1, default=str), force)

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
            return cls(parsed, complete=f.field(data, "complete", where, f.flag, True), failed=failures)
        raise ExifbenchError(f"{where}: field 'schema' must be {RUN_SCHEMA!r} or {RUNS_SCHEMA!r}, got {f.brief(schema)}")

    @classmethod
    def load(cls, path: str | Path) -> RunSet:
        """Read a saved result document (JSON only, validated)."""
        return cls.from_dict(read_json(path, "result document"), str(path))
