"""The result document: one typed object per run, a JSON round trip, a versioned schema.

Every renderer (tables, plots, HTML, Markdown, the gate) is fed only by these
objects, so ``exifbench report saved.json`` can redraw anything without re-running.
A single run saves as ``exifbench.run/1``; several (strategies × repeats) as
``exifbench.runs/1`` = ``{"schema": ..., "runs": [...]}``. Each field is declared once, in the
records below (:class:`exifbench.fields.Record`): reading, checking and writing derive from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar

from exifbench import fields as f
from exifbench.datasets.folder import Skipped
from exifbench.datasets.storage.io import IoCounts
from exifbench.errors import ExifbenchError
from exifbench.fields import Record
from exifbench.reports.documents.base import Document
from exifbench.reports.documents.equality import EqualitySpec

RUN_SCHEMA = "exifbench.run/1"
RUNS_SCHEMA = "exifbench.runs/1"

MAIN_THREAD_PARTS = ("startup", "preload", "load_exif", "reask", "callbacks", "close")
"""Where a run's main-thread blocking went (``blocking.<part>_ms``; ``total_s`` is their sum): the loader's
constructor, its preload, the pattern's load_exif calls, the view's re-asks, a lazy API's subscriptions, close."""
PER_CALL = ("blocking_ms", "at_ms", "end_ms", "not_ready")
"""Samples with one value per call, in call order."""


@dataclass(frozen=True)
class Mismatch(Record):
    """One tag (or field) of one file that differs from the expected dict (``<missing>`` where absent)."""

    path: str
    tag: str
    expected: str
    actual: str


@dataclass
class Equality(Record):
    """How many files were compared, how many matched, every differing tag, the files never answered and those
    ``load_exif`` raised for (``--on-loader-error file``)."""

    checked: int
    equal: int
    mismatches: list[Mismatch]
    unverified: list[str] = field(default_factory=list)
    raised: list[str] = f.unless([])
    baseline_exif: int | None = f.unless(None)
    """Files checked whose expected dict (cut to the fields compared) holds anything: 0 means nothing was checked
    (``None``: not recorded, in documents from before it was)."""

    @property
    def ok(self) -> bool:
        """Every file checked was equal and none went unverified."""
        return self.checked == self.equal and not self.unverified

    def validate(self, where: str) -> None:
        """What a judgement reads must not contradict itself: no more files equal than checked less those listed
        with a mismatch (``equal == checked`` beside a mismatch would be drawn "all equal")."""
        differing = len({m.path for m in self.mismatches})
        if self.equal > self.checked - differing:
            raise ExifbenchError(f"{where}: {self.equal} of {self.checked} files equal, yet "
                                 f"{differing} file(s) with mismatches: equal must be at most checked less those")  # fmt: skip


@dataclass(frozen=True)
class FileError(Record):
    """A file the loader could not read: it returned ``{}`` for it, or raised (one line)."""

    path: str
    error: str


@dataclass(frozen=True)
class Blocking(Record):
    """The main thread's time inside the loader: the total, per-call percentiles and each part's share."""

    total_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    startup_ms: float | None = f.unless(None)
    preload_ms: float | None = f.unless(None)
    load_exif_ms: float | None = f.unless(None)
    reask_ms: float | None = f.unless(None)
    callbacks_ms: float | None = f.unless(None)
    close_ms: float | None = f.unless(None)
    """The parts (:data:`MAIN_THREAD_PARTS`); ``None`` in documents from before they were recorded."""
    queued_ms: float | None = f.unless(None)
    """Of ``total_s``, the time the main thread waited in the kernel's run queue (another process on the CPU);
    ``None`` where the kernel does not say."""

    def parts_ms(self) -> dict[str, float]:
        """Each part's main-thread time (ms) this run recorded (none in older documents)."""
        return {part: value for part in MAIN_THREAD_PARTS if (value := getattr(self, f"{part}_ms")) is not None}


@dataclass(frozen=True)
class ColdCheck(Record):
    """``--cold``: whether evicting the page cache made first reads measurably slower (sampled)."""

    cold_median_ms: float
    warm_median_ms: float
    files: int
    measurably_slower: bool


@dataclass(frozen=True)
class Resources(Record):
    """Threads and child processes alive after a run that were not before, and peak RSS growth (``decide``'s runs)."""

    leaked_threads: int
    leaked_children: list[str]
    rss_growth_mb: float

    @property
    def leaked(self) -> bool:
        return bool(self.leaked_threads or self.leaked_children)


@dataclass
class Extra(Record):
    """Figures beside the measurement: ``resources`` (a rollout's runs) and whatever a loader or the UI loop adds."""

    resources: Resources | None = f.unless(None)
    rest: dict[str, Any] = f.rest()

    def get(self, key: str, default: Any = None) -> Any:
        """An open figure by name (a loader's ``figures()``, the UI loop's, the profile's)."""
        return self.rest.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.rest

    def __getitem__(self, key: str) -> Any:
        return self.rest[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.rest[key] = value


EMPTY_MEANS_ABSENT = ("cold_check", "fastpath_fallbacks", "extractors", "skipped", "equality", "storage_model")
"""Settings a document may hold empty (``{}``, ``[]``, ``null``) when they did not apply: read as absent."""


@dataclass
class RunConfig(Record):
    """What the run was set to: dataset, pattern, storage, loader settings; a key it does not name is kept as read."""

    dataset: str | None = f.unless(None)
    dataset_digest: str | None = f.unless(None)
    pattern: str | None = f.unless(None)
    on_not_ready: str | None = f.unless(None)
    workers: int | None = None
    """``--workers`` as given (``None``: each strategy's own)."""
    pool_workers: int | None = None
    """The pool size the loader chose (:class:`~exifbench.strategies.base.Pooled`); ``None``: no pool."""
    options: dict[str, Any] = field(default_factory=dict)
    extractor: str | None = f.unless(None)
    extractors: list[str] = field(default_factory=list)
    storage: str | None = f.unless(None)
    """The storage model in words."""
    storage_model: dict[str, Any] | None = f.unless(None)
    """The model itself (:meth:`~exifbench.datasets.storage.model.StorageModel.to_dict`)."""
    storage_via: str | None = f.unless(None)
    """How reads paid for the model: ``fuse`` (a mount), ``in-process`` (the shared reader) or ``none``."""
    storage_charged: bool = True
    """Whether this loader's reads paid the model (in-process, a loader reading files itself does not)."""
    io_latency_ms: float | None = f.unless(None)
    io_jitter_ms: float | None = f.unless(None)
    cold: bool = False
    cold_check: ColdCheck | None = f.unless(None)
    repeats: int | None = f.unless(None)
    ui: str | None = f.unless(None)
    equality: EqualitySpec | None = f.unless(None)
    """``None``: documents from before it was recorded, all judged by ``pillow``."""
    skipped: list[Skipped] = field(default_factory=list)
    calls_s: float | None = f.unless(None)
    on_loader_error: str | None = f.unless(None)
    none_means: str | None = f.unless(None)
    fastpath_fallbacks: dict[str, int] | None = f.unless(None)
    """The fast path's reads handed back to Pillow, by reason (``files``: how many files it read)."""
    launch: int | None = f.unless(None)
    """``run --launches``: the app launch (from 1) this run was, in a fresh process."""
    rest: dict[str, Any] = f.rest()

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in data.items() if not (key in EMPTY_MEANS_ABSENT and value in ({}, [], None))}


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


@dataclass
class Responsiveness(Record):
    """What the UI loop measured of the main thread: its ticks' lag, frames missed, long tasks, frozen frames, and the
    UI workload's stretch; ``None`` where a document from before a figure was recorded lacks it. Other figures a UI
    loop adds are kept (numbers)."""

    ui: str | None = f.unless(None)
    """Which loop measured them: ``probe``, ``qt``, ``asyncio``."""
    ticks: float | None = f.unless(None)
    tick_ms: float | None = f.unless(None)
    lag_p50_ms: float | None = f.unless(None)
    lag_p99_ms: float | None = f.unless(None)
    lag_max_ms: float | None = f.unless(None)
    frames_missed: float | None = f.unless(None)
    long_tasks: float | None = f.unless(None)
    frozen_frames: float | None = f.unless(None)
    ui_work_stretch: float | None = f.unless(None)
    ui_work_quiet_ms: float | None = f.unless(None)
    rest: dict[str, Any] = f.rest()

    def figure(self, name: str, default: float = 0.0) -> float:
        """A declared figure by name (``frames_missed``, ``long_tasks``...), ``default`` when not recorded."""
        value = getattr(self, name)
        return default if value is None else float(value)

    def validate(self, where: str) -> None:
        for key, item in self.rest.items():
            f.number(item, f"{where}.{key}")


@dataclass(frozen=True)
class TimeToExif(Record):
    """From an image's first request to its EXIF in hand: p50, p90 and max over the requested images (ms), how many
    were requested and how many never showed; ``None`` in documents from before a figure was recorded."""

    p50_ms: float | None = f.unless(None)
    p90_ms: float | None = f.unless(None)
    max_ms: float | None = f.unless(None)
    requested: int | None = f.unless(None)
    never_shown: int | None = f.unless(None)


def _io(value: Any, where: str) -> IoCounts | None:
    """The storage daemon's counts; ``{}`` when the run was not mounted."""
    return IoCounts.from_dict(value, where) if value != {} else None


def _loader_output(value: Any, where: str) -> dict[str, Any]:
    return f.record({"lines": f.count, "first": f.list_of(f.text)})(value, where) if value else f.mapping(value, where)


@dataclass
class RunResult(Record):
    """What one strategy measured in one repeat of one pattern on one dataset."""

    SCHEMA: ClassVar[str | None] = RUN_SCHEMA

    strategy: str
    calls: int
    images: int
    files_touched: int
    blocking: Blocking
    not_ready: int
    background_s: float
    equality: Equality
    errors: list[FileError]
    environment: dict[str, Any]
    repeat: int = 0
    deferred: int = 0
    preload_ms: float = 0.0
    startup_ms: float = 0.0
    """Creating the loader: its pools started (process workers spawned), before the replay began."""
    config: RunConfig = field(default_factory=RunConfig)
    samples: Annotated[dict[str, list[Any]], _samples] = field(default_factory=dict)
    responsiveness: Responsiveness = field(default_factory=Responsiveness)
    time_to_exif: TimeToExif = field(default_factory=TimeToExif)
    first_page_ready_share: float = 1.0
    first_page_complete_ms: float = 0.0
    extra: Extra = field(default_factory=Extra)
    complete: bool = True
    io: Annotated[IoCounts | None, _io] = None
    """What the storage daemon counted during the run; ``None`` (saved as ``{}``) unless mounted."""
    loader_output: Annotated[dict[str, Any], _loader_output] = field(default_factory=dict)
    """What the loader logged and wrote to stdout/stderr during the run: ``lines`` (how many) and ``first`` (the
    first lines); empty when it wrote nothing."""

    def blocking_parts_ms(self) -> dict[str, float]:
        """Each :data:`MAIN_THREAD_PARTS` part's main-thread time (ms) this run recorded (none in older documents)."""
        return self.blocking.parts_ms()

    @property
    def equal(self) -> bool:
        """Every file checked was equal, none went unverified and ``load_exif`` raised for none (``equality.raised``)."""
        return self.equality.ok and not self.equality.raised

    @classmethod
    def from_dict(cls, data: Any, where: str = "run") -> RunResult:
        """Validate every field a renderer or a judgement reads, nested ones included; errors name the field."""
        if not isinstance(data, dict):
            raise ExifbenchError(f"{where}: a run must be a JSON object")
        if "schema" not in data:  # a run inside a run set may leave its schema to the set's
            data = {"schema": RUN_SCHEMA, **data}
        return super().from_dict(data, where)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["io"] = out["io"] if self.io is not None else {}
        return out


def pool_workers(runs: list[RunResult]) -> int | None:
    """The pool size ``runs`` recorded (``config.pool_workers``), if they all agree on one (``None``: no pool)."""
    sizes = {run.config.pool_workers for run in runs}
    return sizes.pop() if len(sizes) == 1 else None


@dataclass(frozen=True)
class StrategyFailure(Record):
    """A strategy whose loader raised: which repeat, and one line naming the call and the exception.

    It is not run again; its earlier repeats, if any, are kept; the run set is not complete.
    """

    strategy: str
    repeat: int
    error: str


@dataclass
class RunSet(Document):
    """All runs of one invocation, in the order they ran (interleaved across repeats), and the strategies that failed."""

    SCHEMA: ClassVar[str | None] = RUNS_SCHEMA
    WHAT: ClassVar[str] = "result document"

    runs: list[RunResult] = f.required([])
    complete: bool = True
    failed: list[StrategyFailure] = field(default_factory=list)

    @property
    def strategies(self) -> list[str]:
        return list(dict.fromkeys(run.strategy for run in self.runs))

    def of(self, strategy: str) -> list[RunResult]:
        return [run for run in self.runs if run.strategy == strategy]

    def to_dict(self) -> dict[str, Any]:
        """One complete run with no failure saves as that run (``exifbench.run/1``), anything else as the set."""
        if len(self.runs) == 1 and self.complete and not self.failed:
            return self.runs[0].to_dict()
        return super().to_dict()

    @classmethod
    def from_dict(cls, data: Any, where: str = "results") -> RunSet:
        if not isinstance(data, dict):
            raise ExifbenchError(f"{where}: not a result document (expected a JSON object)")
        schema = data.get("schema")
        if schema == RUN_SCHEMA:
            run = RunResult.from_dict(data, where)
            return cls([run], complete=run.complete)
        if schema != RUNS_SCHEMA:
            raise ExifbenchError(f"{where}: field 'schema' must be {RUN_SCHEMA!r} or {RUNS_SCHEMA!r}, got {f.brief(schema)}")
        if "runs" in data and not isinstance(data["runs"], list):
            raise ExifbenchError(f"{where}: field 'runs' must be a list")
        return super().from_dict(data, where)
