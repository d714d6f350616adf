"""The rollout: a candidate against the reference on a small phase, then the whole folder.

Each phase replays both strategies interleaved, with each run's thread, child-process
and memory usage watched, and is judged by :func:`exifbench.reports.analysis.decide.judge_phase`.
A REJECTed phase stops the rollout before the next.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from exifbench.reports.analysis.decide import judge_phase
from exifbench.reports.documents.policy import Policy
from exifbench.datasets.folder import Folder
from exifbench.datasets.storage.model import StorageModel
from exifbench.reports.documents.equality import REFERENCE, EqualitySpec, parse_equality
from exifbench.strategies import ORIGINAL
from exifbench.reports.documents.decision import REJECT, Decision, PhaseVerdict
from exifbench.reports.documents.runs import RunSet
from exifbench.errors import ExifbenchError
from exifbench.datasets.patterns.builtin import BUILTIN_PATTERNS, DEFAULT_PATTERN, load_pattern
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.harness.bench import Bench, BenchConfig, storage_mount
from exifbench.harness.leaks import Watch

PhaseProgress = Callable[[str, str, int, int], None]
"""Called as ``progress(phase, strategy, repeat, calls_done)``."""


@dataclass(frozen=True)
class Phase:
    """One planned phase: the files it replays on, the pattern and the repeats per strategy."""

    name: str
    folder: Folder
    pattern: Pattern
    repeat: int


def plan_phases(folder: Folder, policy: Policy, pattern: str | None = None) -> list[Phase]:
    """``small`` (the first ``small_images`` files) when the folder is larger, then ``full``, each replaying the
    built-in ``pattern`` (default ``startup-593``) sized to its own folder.

    A pattern file (a recorded trace) names its own calls: it is replayed as recorded, in one ``full`` phase.
    """
    if pattern is not None and pattern not in BUILTIN_PATTERNS:
        return [Phase("full", folder, load_pattern(pattern), policy.repeat_full)]
    sizes = []
    if len(folder.files) > policy.small_images:
        sizes.append(("small", Folder(folder.root, folder.files[: policy.small_images]), policy.repeat_small))
    sizes.append(("full", folder, policy.repeat_full))
    return [Phase(name, files, load_pattern(pattern, len(files.files)), repeat) for name, files, repeat in sizes]


def total_calls(phases: list[Phase], strategies: int = 2) -> int:
    """Every call the rollout replays: each phase's pattern × strategies × repeats (for a progress bar)."""
    return sum(len(phase.pattern.calls) * strategies * phase.repeat for phase in phases)


def run_watched(
    config: BenchConfig,
    folder: Folder,
    pattern: Pattern,
    progress: Callable[[str, int, int], None] | None = None,
    stop: threading.Event | None = None,
    dataset: str | None = None,
) -> RunSet:
    """Like :func:`run_bench`, with each run's :class:`Usage` in ``extra.resources``.

    :meth:`Bench.steps` closes each loader before yielding its run, so a watch around each
    step sees exactly what that loader's ``close()`` left behind.
    """
    runs = RunSet()
    with storage_mount(config, folder) as mount:  # the storage daemon outlives every run: not a run's leak
        steps = Bench(config, folder, pattern, progress, stop, dataset, mount).steps()
        while True:
            with Watch() as watch:
                step = next(steps, None)
            if step is None:
                break
            _, measured = step
            for failure in measured.failed:
                raise ExifbenchError(f"strategy {failure.strategy!r} failed: {failure.error}; no decision")
            for run in measured.runs:
                run.extra.resources = watch.usage
                runs.runs.append(run)
    if (stop is not None and stop.is_set()) or not all(run.complete for run in runs.runs):
        raise ExifbenchError("interrupted: no decision without complete measurements")
    return runs


def rollout(
    folder: Folder,
    candidate: str,
    reference: str = ORIGINAL,
    policy: Policy = Policy(),
    storage: StorageModel = StorageModel(),
    workers: int | None = None,
    progress: PhaseProgress | None = None,
    stop: threading.Event | None = None,
    dataset: str | None = None,
    phases: list[Phase] | None = None,
    storage_via: str = "in-process",
    pattern: str | None = None,
    equality: EqualitySpec | None = None,
) -> Decision:
    """Run the phases (default :func:`plan_phases` of ``pattern``) in order and judge each; stop after a REJECTed
    phase. The decision names ``pattern``: a verdict holds for the pattern it was measured on; and ``equality``
    (default: the candidate's dicts against the reference's)."""
    if candidate == reference:
        raise ExifbenchError(f"the candidate and the reference are both {candidate!r}")
    spec = equality or parse_equality(REFERENCE, reference=reference)
    verdict = Decision(candidate, reference, dataset or str(folder.root), storage.describe(), policy,
                       pattern=pattern or DEFAULT_PATTERN, equality=spec)  # fmt: skip
    for phase in phases if phases is not None else plan_phases(folder, policy, pattern):
        if verdict.phases and verdict.decision == REJECT:
            verdict.phases.append(PhaseVerdict(phase.name, len(phase.folder.files), len(phase.pattern.calls), 0,
                                               not_run="an earlier phase was rejected"))  # fmt: skip
            continue
        config = BenchConfig([reference, candidate], workers=workers, repeat=phase.repeat, storage=storage,
                             storage_via=storage_via, equality=spec)  # fmt: skip

        def on_progress(strategy: str, rep: int, calls: int, name: str = phase.name) -> None:
            if progress is not None:
                progress(name, strategy, rep, calls)

        runs = run_watched(config, phase.folder, phase.pattern, on_progress, stop, dataset)
        verdict.phases.append(judge_phase(phase.name, runs, candidate, reference, policy))
    return verdict
