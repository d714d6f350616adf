"""Rollout decision: a candidate against the reference (``sync``) on a small phase, then the whole folder.

Each phase runs both strategies interleaved and checks every criterion:

- ``equality``   100% of files equal to the original loader — mandatory, a failure REJECTs
- ``leaks``      no thread or child process left after ``close()`` — mandatory, REJECT
- ``blocking``   main-thread blocking at least X% below the reference's, significantly
                 (one-sided Mann–Whitney U); reduced enough but not significant is
                 *inconclusive* — HOLD
- ``not_ready``  share of calls answered "not ready" at most the maximum — HOLD
- ``background`` background completion at most Y× the reference's — HOLD
- ``memory``     peak RSS growth (process + children) during a candidate run at most Z MB — HOLD

A phase ENABLEs only if every criterion passes; the decision is the worst phase's.
A REJECTed small phase stops the rollout before the full folder.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from exifbench.config import percent, positive
from exifbench.dataset.folder import Folder
from exifbench.dataset.storage import StorageModel
from exifbench.errors import ExifbenchError
from exifbench.replay.bench import BenchConfig, iter_runs, storage_mount
from exifbench.replay.leaks import Watch
from exifbench.pattern.pattern import Pattern, startup_pattern
from exifbench.documents.runs import RunResult, RunSet
from exifbench.analysis.statistics import mann_whitney
from exifbench.analysis.statistics import median

SCHEMA = "exifbench.decision/1"
ENABLE, HOLD, REJECT = "ENABLE", "HOLD", "REJECT"
RANK = (ENABLE, HOLD, REJECT)
RULES = (
    "REJECT: EXIF equality below 100% or a thread/child process left after close() (mandatory criteria). "
    "HOLD: a soft criterion (blocking reduction, not-ready share, background completion, memory) failed, "
    "or the blocking reduction is not significant (inconclusive). ENABLE: every criterion met in every phase."
)
PASSED, FAILED, INCONCLUSIVE = "pass", "fail", "inconclusive"

PhaseProgress = Callable[[str, str, int, int], None]
"""Called as ``progress(phase, strategy, repeat, calls_done)``."""


@dataclass(frozen=True)
class Policy:
    """Thresholds and phase sizes; percentages are stored as fractions."""

    min_blocking_reduction: float = 0.50
    max_not_ready: float = 1.0
    max_background_ratio: float = 1.5
    max_rss_growth_mb: float = 200.0
    small_images: int = 48
    repeat_small: int = 4
    repeat_full: int = 4

    def updated(self, values: Mapping[str, Any], where: Callable[[str], str]) -> Policy:
        """A copy with ``values`` (raw: ``"50%"``, ``50``, ``1.5``...) validated; ``None`` values are skipped."""
        parsed: dict[str, Any] = {key: _parse(key, value, where(key)) for key, value in values.items() if value is not None}
        return replace(self, **parsed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


POLICY_KEYS = tuple(Policy.__dataclass_fields__)


def _parse(key: str, value: Any, where: str) -> float | int:
    if key in ("min_blocking_reduction", "max_not_ready"):
        fraction = percent(value, where)
        if fraction > 1:
            raise ExifbenchError(f"{where}: at most 100%, got {value!r}")
        return fraction
    if key in ("small_images", "repeat_small", "repeat_full"):
        count = int(positive(value, where, integer=True))
        if key == "small_images" and count >= 100:
            raise ExifbenchError(f"{where}: the small phase must have fewer than 100 images, got {count}")
        return count
    return float(positive(value, where))


@dataclass(frozen=True)
class Criterion:
    """One check: what is required, what was measured, and what a failure means."""

    name: str
    requirement: str
    measured: str
    value: float | None
    status: str
    on_failure: str

    @property
    def outcome(self) -> str:
        return ENABLE if self.status == PASSED else self.on_failure

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "outcome": self.outcome}


@dataclass
class PhaseVerdict:
    """One rollout phase: its size and every criterion (none if it was not run)."""

    name: str
    images: int
    calls: int
    repeats: int
    criteria: list[Criterion] = field(default_factory=list)
    not_run: str = ""

    @property
    def decision(self) -> str:
        if self.not_run:
            return "NOT RUN"
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
        }


@dataclass
class Decision:
    """The rollout verdict: every phase, and overall the worst phase's decision."""

    candidate: str
    reference: str
    dataset: str
    storage: str
    policy: Policy
    phases: list[PhaseVerdict] = field(default_factory=list)

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
            "decision": self.decision,
            "rules": RULES,
            "policy": self.policy.to_dict(),
            "phases": [phase.to_dict() for phase in self.phases],
        }


def judge_phase(name: str, runs: RunSet, candidate: str, reference: str, policy: Policy) -> PhaseVerdict:
    """Every criterion for one phase's runs (each run carrying ``extra["resources"]``)."""
    mine, ref = runs.of(candidate), runs.of(reference)
    if not mine or not ref:
        raise ExifbenchError(f"phase {name}: needs runs of both {candidate} and {reference}")
    calls = max(run.calls for run in mine)
    phase = PhaseVerdict(name, mine[0].images, calls, len(mine))
    phase.criteria = [
        _equality(mine),
        _leaks(mine),
        _blocking(mine, ref, reference, policy),
        _not_ready(mine, calls, policy),
        _background(mine, ref, reference, policy),
        _memory(mine, ref, reference, policy),
    ]
    return phase


def _seconds(value: float) -> str:
    return f"{value:.3f} s" if value >= 1 else f"{value * 1000:.3g} ms"


def _status(ok: bool) -> str:
    return PASSED if ok else FAILED


def _equality(mine: list[RunResult]) -> Criterion:
    checked = max(run.equality["checked"] for run in mine)
    share = min(run.equality["equal"] / run.equality["checked"] if run.equality["checked"] else 1.0 for run in mine)
    every = [m for run in mine for m in run.equality["mismatches"]]
    unique = list({(m["path"], m["tag"]): m for m in every}.values())
    if unique:
        first = unique[0]
        files = len({m["path"] for m in unique})
        measured = (f"{len(unique)} tag(s) in {files} file(s) differ, e.g. {first['path']} {first['tag']}: "
                    f"expected {first['expected']}, got {first['actual']}")  # fmt: skip
    else:
        measured = f"{checked}/{checked} files equal in all {len(mine)} runs"
    return Criterion("equality", "100% of files equal (mandatory)", measured, share, _status(not unique), REJECT)


def _leaks(mine: list[RunResult]) -> Criterion:
    usage = [run.extra["resources"] for run in mine]
    threads = max(u["leaked_threads"] for u in usage)
    children = sorted({child for u in usage for child in u["leaked_children"]})
    measured = f"{threads} thread(s), {len(children)} child process(es) left after close() (worst of {len(mine)} runs)"
    if children:
        measured += f": {', '.join(children[:3])}"
    ok = threads == 0 and not children
    return Criterion("leaks", "no thread or child process left after close() (mandatory)", measured,
                     float(threads + len(children)), _status(ok), REJECT)  # fmt: skip


def _blocking(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    cand_values = [run.blocking["total_s"] for run in mine]
    ref_values = [run.blocking["total_s"] for run in ref]
    cand, base = median(cand_values), median(ref_values)
    reduction = 1 - cand / base if base else 0.0
    significance = mann_whitney(cand_values, ref_values, "less")
    measured = f"{reduction:.2%} less ({_seconds(cand)} vs {_seconds(base)} median); {significance.describe()}"
    if reduction < policy.min_blocking_reduction:
        status = FAILED
    else:
        status = PASSED if significance.significant else INCONCLUSIVE
    requirement = f"≥ {policy.min_blocking_reduction * 100:g}% less than {reference}, significant"
    return Criterion("blocking", requirement, measured, reduction, status, HOLD)


def _not_ready(mine: list[RunResult], calls: int, policy: Policy) -> Criterion:
    count = median([float(run.not_ready) for run in mine])
    share = count / calls if calls else 0.0
    requirement = f"≤ {policy.max_not_ready * 100:g}% of calls"
    if policy.max_not_ready >= 1:
        requirement += " (informational)"
    measured = f"{share:.1%} of calls (median {count:g} of {calls})"
    return Criterion("not_ready", requirement, measured, share, _status(share <= policy.max_not_ready), HOLD)


def _background(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    cand, base = median([run.background_s for run in mine]), median([run.background_s for run in ref])
    ratio = cand / base if base else float("inf")
    measured = f"{ratio:.2f}× {reference} ({_seconds(cand)} vs {_seconds(base)} median)"
    requirement = f"≤ {policy.max_background_ratio:g}× {reference}"
    return Criterion("background", requirement, measured, ratio, _status(ratio <= policy.max_background_ratio), HOLD)


def _memory(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    growth = max(run.extra["resources"]["rss_growth_mb"] for run in mine)
    ref_growth = max(run.extra["resources"]["rss_growth_mb"] for run in ref)
    measured = f"{growth:.1f} MB peak RSS growth, worst run ({reference}: {ref_growth:.1f} MB)"
    requirement = f"≤ {policy.max_rss_growth_mb:g} MB"
    return Criterion("memory", requirement, measured, growth, _status(growth <= policy.max_rss_growth_mb), HOLD)


def run_watched(
    config: BenchConfig,
    folder: Folder,
    pattern: Pattern,
    progress: Callable[[str, int, int], None] | None = None,
    stop: threading.Event | None = None,
    dataset: str | None = None,
) -> RunSet:
    """Like :func:`run_bench`, with each run's :class:`Usage` in ``extra["resources"]``.

    ``iter_runs`` closes each loader before yielding its run, so a watch around each
    step sees exactly what that loader's ``close()`` left behind.
    """
    runs = RunSet()
    with storage_mount(config, folder) as mount:  # the storage daemon outlives every run: not a run's leak
        steps = iter_runs(config, folder, pattern, progress, stop, dataset, mount)
        while True:
            with Watch() as watch:
                run = next(steps, None)
            if run is None:
                break
            run.extra["resources"] = watch.usage.to_dict()
            runs.runs.append(run)
    if (stop is not None and stop.is_set()) or not all(run.complete for run in runs.runs):
        raise ExifbenchError("interrupted: no decision without complete measurements")
    return runs


def plan_phases(folder: Folder, policy: Policy) -> list[tuple[str, Folder, int]]:
    """``small`` (the first ``small_images`` files) when the folder is larger, then ``full``."""
    phases = []
    if len(folder.files) > policy.small_images:
        small = Folder(folder.root, folder.files[: policy.small_images])
        phases.append(("small", small, policy.repeat_small))
    phases.append(("full", folder, policy.repeat_full))
    return phases


def decide(
    folder: Folder,
    candidate: str,
    reference: str = "sync",
    policy: Policy = Policy(),
    storage: StorageModel = StorageModel(),
    workers: int = 4,
    progress: PhaseProgress | None = None,
    stop: threading.Event | None = None,
    dataset: str | None = None,
    storage_via: str = "in-process",
) -> Decision:
    """Run the phases in order and judge each; stop after a REJECTed phase."""
    if candidate == reference:
        raise ExifbenchError(f"the candidate and the reference are both {candidate!r}")
    verdict = Decision(candidate, reference, dataset or str(folder.root), storage.describe(), policy)
    for name, subset, repeat in plan_phases(folder, policy):
        pattern = startup_pattern(images=len(subset.files))
        if verdict.phases and verdict.decision == REJECT:
            verdict.phases.append(PhaseVerdict(name, len(subset.files), len(pattern.calls), 0,
                                               not_run="an earlier phase was rejected"))  # fmt: skip
            continue
        config = BenchConfig([reference, candidate], workers=workers, repeat=repeat, storage=storage,
                             storage_via=storage_via)  # fmt: skip

        def on_progress(strategy: str, rep: int, calls: int, phase: str = name) -> None:
            if progress is not None:
                progress(phase, strategy, rep, calls)

        runs = run_watched(config, subset, pattern, on_progress, stop, dataset)
        verdict.phases.append(judge_phase(name, runs, candidate, reference, policy))
    return verdict
