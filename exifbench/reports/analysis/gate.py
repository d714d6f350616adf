"""The regression gate's judgement: result documents in, a :class:`GateVerdict` document out.

Every gated metric (:data:`~exifbench.reports.analysis.metrics.GATED`: blocking, not-ready,
time-to-EXIF, frames, lag, background, memory) is judged the same way, by the rule in
:mod:`exifbench.reports.analysis.regression`: a regression must pass the relative threshold
AND the metric's minimum absolute effect AND be significant. Over both limits but not
significant is **inconclusive** (fails unless allowed). Any EXIF **mismatch** or
unverified file fails whatever the speed.

A candidate is gated against **its own** baseline:

- files mode: each strategy of the current run against the same strategy in the
  baseline document; documents whose fingerprints differ (machine, Python, Pillow,
  exifbench, dataset, storage, pattern, workers, extractor) are refused, naming the
  fields; a baseline strategy missing from the current run fails the gate;
- history mode: the newest saved run against the last stable segment of its series;
- interleaved mode: a candidate and a reference replayed here A B A B …; the reference
  should be the candidate's own previous version (e.g. the base branch's code
  checked out beside). Against a different strategy (``sync``) it only shows "not
  slower than that", and the verdict says so.

Exit codes: 0 pass, 1 fail, 2 bad input (incomparable documents).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from exifbench.reports.analysis.history import judge_newest, strategies
from exifbench.reports.analysis.metrics import METRICS, UNITS, baseline_exif, charged, unique_mismatches, values
from exifbench.reports.documents.equality import equality_of
from exifbench.reports.analysis.regression import Change, Limits, judge
from exifbench.reports.documents.fingerprint import differences, fingerprint_of
from exifbench.reports.documents.gate import MISMATCH, Comparison, ComparisonEquality, GateVerdict
from exifbench.reports.documents.history import Series
from exifbench.reports.documents.runs import Mismatch, RunResult, RunSet
from exifbench.reports.format import measured
from exifbench.reports.statistics import ALPHA, median, repeats_needed
from exifbench.errors import ExifbenchError

EXAMPLES = 5
"""Mismatch examples kept per comparison."""


def limits_for(metric: str, threshold: float, min_effects: Mapping[str, float] | None = None,
               alpha: float = ALPHA) -> Limits:  # fmt: skip
    """The threshold and ``metric``'s minimum effect (its default unless ``min_effects`` sets it), at ``alpha``."""
    return Limits(threshold, (min_effects or {}).get(metric, METRICS[metric].min_effect), alpha)


def sequential_alpha(most: int) -> tuple[float, int]:
    """The significance level of each look when pairs are added until the comparisons are decided (``--repeat
    auto``, up to ``most`` pairs), and the fewest pairs that can reach it: 0.05 shared among the looks
    (Bonferroni), so testing again after every added pair does not raise the chance of a false alarm above 0.05."""
    least = repeats_needed()
    while True:
        alpha = ALPHA / max(1, most - least + 1)
        needed = repeats_needed(alpha)
        if needed <= least:
            return alpha, least
        least = needed


def failures(runs: Sequence[RunResult]) -> list[Mismatch]:
    """Every mismatched tag once, then every unverified file once, as mismatch examples."""
    unverified = dict.fromkeys(path for run in runs for path in run.equality.unverified)
    return unique_mismatches(runs) + [
        Mismatch(path, "<unverified>", "the loader's real answer", "none before the deadline") for path in unverified
    ]


def comparison(
    change: Change, labels: tuple[str, str], metric: str, checked: int, wrong: list[Mismatch],
    with_exif: int | None = None,
) -> Comparison:
    """A :class:`Comparison` document for one judged change (``wrong``: mismatches found on either side;
    ``with_exif``: files whose expected dict held anything)."""
    return Comparison(
        candidate=labels[0],
        reference=labels[1],
        metric=metric,
        candidate_values=change.candidate,
        reference_values=change.reference,
        threshold=change.limits.threshold,
        significance=change.significance,
        status=MISMATCH if wrong else change.status,
        equality=ComparisonEquality(checked, len(wrong), wrong[:EXAMPLES], with_exif),
        min_effect=change.limits.min_effect,
    )


def compare(
    candidate: Sequence[RunResult],
    reference: Sequence[RunResult],
    metrics: Sequence[str],
    threshold: float,
    labels: tuple[str, str],
    min_effects: Mapping[str, float] | None = None,
    alpha: float = ALPHA,
) -> list[Comparison]:
    """Two groups of runs on every metric both measured; mismatches (either side) go on the first comparison."""
    wrong = failures([*candidate, *reference])
    checked = max((run.equality.checked for run in candidate), default=0)
    found: list[Comparison] = []
    for metric in metrics:
        cand, ref = values(list(candidate), metric), values(list(reference), metric)
        if cand and ref:
            change = judge(cand, ref, limits_for(metric, threshold, min_effects, alpha))
            found.append(comparison(change, labels, metric, checked, [] if found else wrong, baseline_exif(list(candidate))))
    if not found:
        why = "; ".join(f"{metric}: {METRICS[metric].unmeasured}" for metric in metrics)
        raise ExifbenchError(f"{labels[0]} vs {labels[1]}: nothing to compare on both sides ({why})")
    return found


def unjudged(runs: Sequence[RunResult], metrics: Sequence[str]) -> dict[str, str]:
    """Each of ``metrics`` that some of ``runs`` did not measure, with why (e.g. no I/O counts on local storage)."""
    return {metric: METRICS[metric].unmeasured for metric in metrics if len(values(list(runs), metric)) < len(runs)}


def baseline_noise(runs: Sequence[RunResult], metric: str, limits: Limits) -> str | None:
    """Why a saved baseline cannot judge ``metric``: its repeats spread wider than the smallest change the rule
    could flag (``threshold`` × median, at least the minimum effect), or one repeat shows no spread at all."""
    found = values(list(runs), metric)
    if not found:
        return None
    unit = UNITS[metric]
    if len(found) < 2:
        return f"{metric}: 1 repeat, its noise cannot be measured (save the baseline with --repeat 5)"
    allowance = max(limits.threshold * median(found), limits.min_effect)
    noise = max(found) - min(found)
    if noise <= allowance:
        return None
    return (f"{metric}: its {len(found)} repeats spread over {measured(noise, unit)}, more than the "
            f"{measured(allowance, unit)} a regression must exceed")  # fmt: skip


OVERLOADED_LOAD = 1.5
"""A 1-minute load average above this many per CPU, before or after a run, is an overloaded machine."""
OVERLOADED_STEAL = 0.10
"""So is a hypervisor stealing more than this share of the CPU time."""


def overloaded(blocks: Sequence[Mapping[str, Any]]) -> str | None:
    """A caution when any of the environment ``load`` blocks shows an overloaded machine (``None``: none does)."""
    loads = [(max(b["load_1m_before"], b["load_1m_after"]), b.get("cpu_count") or 1, b.get("steal_share", 0.0))
             for b in blocks if "load_1m_before" in b]  # fmt: skip
    worst = max(loads, default=None, key=lambda one: one[0] / one[1])
    steal = max((one[2] for one in loads), default=0.0)
    if worst is None or (worst[0] <= OVERLOADED_LOAD * worst[1] and steal <= OVERLOADED_STEAL):
        return None
    return (f"taken on an overloaded machine (load average up to {worst[0]:g} on {worst[1]} CPUs, up to {steal:.0%} "
            "of CPU time stolen): wall-clock figures are unreliable; exact counts are not affected")  # fmt: skip


def run_loads(runs: Sequence[RunResult]) -> list[Mapping[str, Any]]:
    """Every run's environment ``load`` block (runs older than it have none)."""
    return [load for run in runs if isinstance(load := run.environment.get("load"), dict)]


def note_load(verdict: GateVerdict, runs: Sequence[RunResult]) -> None:
    """Put the overload caution (:func:`overloaded`) in ``verdict``'s context when the runs show one."""
    if (caution := overloaded(run_loads(runs))) is not None:
        verdict.context["overloaded"] = caution


def gate_interleaved(
    runs: RunSet,
    candidate: str,
    reference: str,
    metrics: Sequence[str],
    threshold: float,
    allow_inconclusive: bool = False,
    min_effects: Mapping[str, float] | None = None,
    alpha: float = ALPHA,
) -> GateVerdict:
    """Gate ``candidate`` against ``reference`` measured interleaved in one run set (each test at ``alpha``)."""
    _check(runs, "measurements")
    if charged(runs.of(reference)) and not charged(runs.of(candidate)):
        raise ExifbenchError(f"{candidate} vs {reference}: not comparable — {candidate} reads files itself and the "
                             "storage model ran in-process (no FUSE mount), so it paid none of it; install fuse3")  # fmt: skip
    found = compare(runs.of(candidate), runs.of(reference), metrics, threshold, (candidate, reference), min_effects, alpha)
    verdict = GateVerdict("interleaved", ",".join(metrics), threshold, found, allow_inconclusive,
                          equality=equality_of(run.config.equality for run in runs.runs),
                          skipped=unjudged([*runs.of(candidate), *runs.of(reference)], metrics))  # fmt: skip
    note_load(verdict, runs.runs)
    return verdict


def gate_files(
    baseline: RunSet,
    current: RunSet,
    metrics: Sequence[str],
    threshold: float,
    allow_inconclusive: bool = False,
    min_effects: Mapping[str, float] | None = None,
) -> GateVerdict:
    """Gate each strategy of ``current`` against the same strategy in ``baseline``."""
    _check(baseline, "baseline")
    _check(current, "current")
    differ = differences(fingerprint_of(baseline, "baseline"), fingerprint_of(current, "current"))
    equality = equality_of(run.config.equality for run in current.runs)
    if (before := equality_of(run.config.equality for run in baseline.runs)) != equality:
        differ.append(f"equality ({before.name} vs {equality.name})")
    if differ:
        raise ExifbenchError(f"baseline and current are not comparable: they differ in {'; '.join(differ)}")
    common = [name for name in baseline.strategies if name in current.strategies]
    for name in common:
        noisy = [why for metric in metrics if (why := baseline_noise(baseline.of(name), metric,
                                                                     limits_for(metric, threshold, min_effects)))]  # fmt: skip
        if noisy:
            raise ExifbenchError(f"the saved baseline is too noisy to judge {name} here ({noisy[0]}): gate "
                                 "interleaved instead, e.g. exifbench gate --base origin/main -s LOADER")  # fmt: skip
    found = [
        comparison_
        for name in common
        for comparison_ in compare(current.of(name), baseline.of(name), metrics, threshold,
                                   (f"{name} (current)", f"{name} (baseline)"), min_effects)  # fmt: skip
    ]
    missing = [name for name in baseline.strategies if name not in current.strategies]
    verdict = GateVerdict("files", ",".join(metrics), threshold, found, allow_inconclusive, missing=missing,
                          equality=equality, skipped=unjudged([*current.runs, *baseline.runs], metrics))  # fmt: skip
    note_load(verdict, [*baseline.runs, *current.runs])
    new = [name for name in current.strategies if name not in baseline.strategies]
    if new:
        verdict.context["no_baseline"] = new
    return verdict


def gate_history(
    series: Series,
    metrics: Sequence[str],
    threshold: float,
    allow_inconclusive: bool = False,
    min_effects: Mapping[str, float] | None = None,
) -> GateVerdict:
    """Gate the newest run of ``series`` against the last stable segment before it, strategy by strategy."""
    newest, previous = series.entries[-1], series.entries[-2] if len(series.entries) > 1 else None
    if previous is None:
        raise ExifbenchError(f"history series {series.key}: needs at least 2 saved runs to judge the newest")
    found: list[Comparison] = []
    for name in strategies(series):
        wrong = failures(newest.runs.of(name))
        checked = max(run.equality.checked for run in newest.runs.of(name))
        for metric in metrics:
            if not values(newest.runs.of(name), metric):
                continue
            try:
                change, runs = judge_newest(series, name, metric, limits_for(metric, threshold, min_effects))
            except ExifbenchError:
                continue  # a metric the history never measured for this strategy
            labels = (f"{name} ({newest.label})", f"{name} (last {runs} stable run(s))")
            found.append(comparison(change, labels, metric, checked, wrong, baseline_exif(newest.runs.of(name))))
            wrong = []
    missing = [name for name in previous.runs.strategies if name not in newest.runs.strategies]
    verdict = GateVerdict("history", ",".join(metrics), threshold, found, allow_inconclusive, missing=missing,
                          equality=equality_of(run.config.equality for run in newest.runs.runs))  # fmt: skip
    verdict.context.update(series=series.key, newest=str(newest.path))
    note_load(verdict, newest.runs.runs)
    return verdict


def _check(runs: RunSet, what: str) -> None:
    for failure in runs.failed:
        raise ExifbenchError(f"{what}: strategy {failure.strategy!r} failed ({failure.error}); gate only complete results")
    if not runs.runs:
        raise ExifbenchError(f"{what}: no runs to compare")
    if not runs.complete:
        raise ExifbenchError(f"{what}: the run was interrupted (complete: false); gate only complete results")
