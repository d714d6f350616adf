"""Rollout judgement: one phase's runs of a candidate and the reference, checked against the policy.

- ``equality``   100% of files equal (``--equality``: the reference's dicts by default) — mandatory, a failure
                 REJECTs; with ``off`` it is not checked, and says so
- ``leaks``      no thread or child process left after ``close()`` — mandatory, REJECT
- ``blocking``   main-thread blocking (every loader call on the main thread: constructor, preload,
                 load_exif, re-asks, callbacks, close) at least X% below the reference's, significantly
                 (one-sided Mann–Whitney U); reduced enough but not significant is
                 *inconclusive* — HOLD
- ``not_ready``  share of calls that showed a placeholder at most the maximum (10%) — HOLD
- ``time_to_exif`` time-to-EXIF p90 (first request → dict shown) at most the maximum — HOLD
- ``long_tasks`` main-thread stretches over 50 ms per replay at most the maximum — HOLD
- ``frozen_frames`` stretches over 700 ms per replay at most the maximum — HOLD
- ``background`` background completion at most Y× the reference's — HOLD
- ``memory``     peak RSS growth (process + children) during a candidate run at most Z MB — HOLD
- ``storage``    the candidate paid the storage model the reference paid (a loader that reads files itself
                 skips the in-process model: without the FUSE mount its figures are not comparable) — HOLD

A phase ENABLEs only if every criterion passes; the decision is the worst phase's
(the phases themselves are run by :mod:`exifbench.harness.rollout`).
"""

from __future__ import annotations

import math

from exifbench.reports.analysis.metrics import baseline_exif, charged, of_which, parts_ms, unique_mismatches
from exifbench.reports.documents.equality import equality_of
from exifbench.reports.documents.policy import Policy
from exifbench.reports.statistics import mann_whitney, median
from exifbench.reports.documents.decision import FAILED, HOLD, INCONCLUSIVE, PASSED, REJECT, Criterion, PhaseVerdict
from exifbench.reports.documents.runs import RunResult, RunSet
from exifbench.errors import ExifbenchError
from exifbench.reports.format import change, count, duration, less_or_more


def judge_phase(name: str, runs: RunSet, candidate: str, reference: str, policy: Policy) -> PhaseVerdict:
    """Every criterion for one phase's runs (each run carrying ``extra["resources"]``); the runs are kept."""
    mine, ref = runs.of(candidate), runs.of(reference)
    if not mine or not ref:
        raise ExifbenchError(f"phase {name}: needs runs of both {candidate} and {reference}")
    calls = max(run.calls for run in mine)
    phase = PhaseVerdict(name, mine[0].images, calls, len(mine), runs=list(runs.runs))
    phase.criteria = [
        _equality(mine),
        _leaks(mine),
        _blocking(mine, ref, reference, policy),
        _not_ready(mine, calls, policy),
        _time_to_exif(mine, ref, reference, policy),
        _busy(mine, ref, reference, "long_tasks", "stretches over 50 ms", policy.max_long_tasks),
        _busy(mine, ref, reference, "frozen_frames", "frozen frames (over 700 ms)", policy.max_frozen_frames),
        _background(mine, ref, reference, policy),
        _memory(mine, ref, reference, policy),
        _storage(mine, ref, reference),
    ]
    return phase


def rejudge(phase: PhaseVerdict, candidate: str, reference: str, policy: Policy) -> PhaseVerdict:
    """A saved phase judged again (e.g. under another policy) from the runs it kept."""
    if phase.not_run:
        return phase
    return judge_phase(phase.name, RunSet(list(phase.runs)), candidate, reference, policy)


def _status(ok: bool) -> str:
    return PASSED if ok else FAILED


def _equality(mine: list[RunResult]) -> Criterion:
    spec = equality_of(run.config for run in mine)
    checked = max(run.equality["checked"] for run in mine)
    share = min(run.equality["equal"] / run.equality["checked"] if run.equality["checked"] else 1.0 for run in mine)
    unique = unique_mismatches(mine)
    requirement = f"100% of files equal to {spec.describe()} (mandatory; --equality {spec.name})"
    if spec.off:
        return Criterion("equality", "none: --equality off", "NOT CHECKED: no EXIF was compared (--equality off)", None,
                         PASSED, REJECT)  # fmt: skip
    if unique:
        first = unique[0]
        files = len({m["path"] for m in unique})
        measured = (f"{count(len(unique), spec.unit)} in {count(files, 'file')} differ, e.g. {first['path']} {first['tag']}: "
                    f"expected {first['expected']}, got {first['actual']}")  # fmt: skip
    elif checked and baseline_exif(mine) == 0:
        measured = (f"{checked}/{checked} files equal, but the reference loader reads no EXIF from these files: "
                    "equality checks nothing here")  # fmt: skip
    else:
        measured = f"{checked}/{checked} files equal in all {len(mine)} runs"
    return Criterion("equality", requirement, measured, share, _status(not unique), REJECT)


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
    ratio = cand / base if base else math.nan
    where = of_which(parts_ms(mine), cand)
    measured = (f"{less_or_more(ratio)} ({change(ratio)}: {duration(cand)}{where} vs {duration(base)} median); "
                f"{significance.describe()}")  # fmt: skip
    if reduction < policy.min_blocking_reduction:
        status = FAILED
    else:
        status = PASSED if significance.significant else INCONCLUSIVE
    requirement = f"≥ {policy.min_blocking_reduction * 100:g}% less than {reference}, significant"
    return Criterion("blocking", requirement, measured, reduction, status, HOLD)


def _not_ready(mine: list[RunResult], calls: int, policy: Policy) -> Criterion:
    count = median([float(run.not_ready) for run in mine])
    share = count / calls if calls else 0.0
    requirement = f"≤ {policy.max_not_ready * 100:g}% of calls show a placeholder"
    if policy.max_not_ready >= 1:
        requirement += " (placeholders accepted)"
    measured = f"{share:.1%} of calls showed a placeholder (median {count:g} of {calls})"
    return Criterion("not_ready", requirement, measured, share, _status(share <= policy.max_not_ready), HOLD)


def _background(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    cand, base = median([run.background_s for run in mine]), median([run.background_s for run in ref])
    ratio = cand / base if base else float("inf")
    measured = f"{ratio:.2f}× {reference} ({duration(cand)} vs {duration(base)} median)"
    requirement = f"≤ {policy.max_background_ratio:g}× {reference}"
    return Criterion("background", requirement, measured, ratio, _status(ratio <= policy.max_background_ratio), HOLD)


def _memory(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    growth = max(run.extra["resources"]["rss_growth_mb"] for run in mine)
    ref_growth = max(run.extra["resources"]["rss_growth_mb"] for run in ref)
    measured = f"{growth:.1f} MB peak RSS growth, worst run ({reference}: {ref_growth:.1f} MB)"
    requirement = f"≤ {policy.max_rss_growth_mb:g} MB"
    return Criterion("memory", requirement, measured, growth, _status(growth <= policy.max_rss_growth_mb), HOLD)


def _storage(mine: list[RunResult], ref: list[RunResult], reference: str) -> Criterion:
    ok = charged(mine) or not charged(ref)
    measured = ("charged to both" if ok else f"charged to {reference} only: the candidate reads files itself and the "
                "model ran in-process (no FUSE mount); install fuse3 to measure it")  # fmt: skip
    return Criterion("storage", f"the storage model charged as to {reference}", measured, float(ok), _status(ok), HOLD)


def _time_to_exif(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    p90 = median([run.time_to_exif.get("p90_ms", 0.0) for run in mine])
    ref_p90 = median([run.time_to_exif.get("p90_ms", 0.0) for run in ref])
    share = median([run.first_page_ready_share for run in mine])
    complete = median([run.first_page_complete_ms for run in mine])
    measured = (f"p90 {duration(p90 / 1000)} ({reference}: {duration(ref_p90 / 1000)}); first page {share:.0%} ready "
                f"at first look, complete after {duration(complete / 1000)} (medians)")  # fmt: skip
    requirement = f"time-to-EXIF p90 ≤ {duration(policy.max_time_to_exif_ms / 1000)}"
    return Criterion("time_to_exif", requirement, measured, p90, _status(p90 <= policy.max_time_to_exif_ms), HOLD)


def _busy(mine: list[RunResult], ref: list[RunResult], reference: str, field: str, what: str, limit: int) -> Criterion:
    count = median([float(run.responsiveness.get(field, 0)) for run in mine])
    ref_count = median([float(run.responsiveness.get(field, 0)) for run in ref])
    measured = f"{count:g} {what} per replay ({reference}: {ref_count:g}; medians)"
    return Criterion(field, f"≤ {limit} per replay", measured, count, _status(count <= limit), HOLD)
