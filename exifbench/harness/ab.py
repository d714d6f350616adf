"""Interleaved A/B gating: a candidate and a reference replayed A B A B … on one machine, then judged.

Measuring both sides in one run, interleaved, keeps machine drift out of the comparison —
the robust mode on shared CI runners.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from exifbench.reports.analysis.gate import gate_interleaved
from exifbench.reports.analysis.metrics import GATED
from exifbench.datasets import Dataset
from exifbench.reports.documents.equality import REFERENCE, EqualitySpec, parse_equality
from exifbench.reports.documents.gate import GateVerdict
from exifbench.errors import ExifbenchError
from exifbench.datasets.patterns.pattern import Pattern
from exifbench.harness.bench import BenchConfig, ProgressHook, run_bench
from exifbench.strategies import BUILTIN, resolve

STRATEGIES = 2
"""Candidate and reference."""


def ab_calls(pattern: Pattern, repeat: int) -> int:
    """Every call the A/B run replays (for a progress bar)."""
    return len(pattern.calls) * STRATEGIES * repeat


def gate_ab(
    dataset: Dataset,
    pattern: Pattern,
    candidate: str,
    reference: str,
    metrics: Sequence[str] = GATED,
    threshold: float = 0.10,
    allow_inconclusive: bool = False,
    repeat: int = 5,
    workers: int | None = None,
    progress: ProgressHook | None = None,
    stop: threading.Event | None = None,
    min_effects: Mapping[str, float] | None = None,
    equality: EqualitySpec | None = None,
) -> GateVerdict:
    """Replay ``reference`` and ``candidate`` interleaved ``repeat`` times each and gate the candidate; ``equality``
    (default: the candidate's dicts against the reference's) is what "equal" means."""
    for name in (candidate, reference):
        resolve(name)
    if candidate == reference:
        raise ExifbenchError(f"--candidate and --reference are both {candidate!r}")
    config = BenchConfig([reference, candidate], workers=workers, repeat=repeat, storage=dataset.storage,
                         storage_via=dataset.via, equality=equality or parse_equality(REFERENCE, reference=reference))  # fmt: skip
    runs = run_bench(config, dataset.folder, pattern, progress, stop, dataset.label)
    verdict = gate_interleaved(runs, candidate, reference, metrics, threshold, allow_inconclusive, min_effects)
    verdict.context.update(dataset=dataset.label, storage=dataset.storage.describe(), pattern=pattern.name,
                           repeats=repeat, workers=workers if workers is not None else "each strategy's own")  # fmt: skip
    if reference in BUILTIN and candidate not in BUILTIN:
        verdict.context["caution"] = (
            f"the reference is the built-in {reference}, not the candidate's own previous version: this shows only "
            f"that {candidate} is not slower than {reference}; gate against its own baseline to catch regressions"
        )
    return verdict
