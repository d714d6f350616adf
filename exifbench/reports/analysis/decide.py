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
(the phases themselves are run by :mod:`exifbench.harness.rollout`). Each criterion carries numbers only —
its value, its limit and the figures behind it (``facts``); :mod:`exifbench.reports.renderers.criteria`
writes the words. ``not_ready`` also carries the floor (:func:`exifbench.reports.analysis.floor.not_ready_floor`):
the share no loader answering without blocking can go under on a first launch here.
"""

from __future__ import annotations

from exifbench.reports.analysis.floor import not_ready_floor
from exifbench.reports.analysis.metrics import baseline_exif, charged, parts_ms, unique_mismatches
from exifbench.reports.documents.equality import equality_of
from exifbench.reports.documents.policy import Policy
from exifbench.reports.statistics import mann_whitney, median
from exifbench.reports.documents.decision import FAILED, HOLD, INCONCLUSIVE, PASSED, REJECT, Criterion, PhaseVerdict
from exifbench.reports.documents.runs import RunResult, RunSet
from exifbench.errors import ExifbenchError


def judge_phase(name: str, runs: RunSet, candidate: str, reference: str, policy: Policy) -> PhaseVerdict:
    """Every criterion for one phase's runs (each run carrying ``extra.resources``); the runs are kept."""
    mine, ref = runs.of(candidate), runs.of(reference)
    if not mine or not ref:
        raise ExifbenchError(f"phase {name}: needs runs of both {candidate} and {reference}")
    phase = PhaseVerdict(name, mine[0].images, max(run.calls for run in mine), len(mine), runs=list(runs.runs))
    phase.criteria = criteria(mine, ref, reference, policy)
    return phase


def criteria(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> list[Criterion]:
    """decide's criteria for a candidate's runs against the reference's; ``leaks`` and ``memory`` only when every
    run carries ``extra.resources`` (a rollout's runs do, a plain ``run``'s do not)."""
    resources = all(run.extra.resources is not None for run in [*mine, *ref])
    calls = max(run.calls for run in mine)
    return [
        _equality(mine),
        *([_leaks(mine)] if resources else []),
        _blocking(mine, ref, reference, policy),
        _not_ready(mine, calls, policy),
        _time_to_exif(mine, ref, reference, policy),
        _busy(mine, ref, reference, "long_tasks", policy.max_long_tasks),
        _busy(mine, ref, reference, "frozen_frames", policy.max_frozen_frames),
        _background(mine, ref, reference, policy),
        *([_memory(mine, ref, reference, policy)] if resources else []),
        _storage(mine, ref, reference),
    ]


def rejudge(phase: PhaseVerdict, candidate: str, reference: str, policy: Policy) -> PhaseVerdict:
    """A saved phase judged again (e.g. under another policy) from the runs it kept."""
    if phase.not_run:
        return phase
    return judge_phase(phase.name, RunSet(list(phase.runs)), candidate, reference, policy)


def _status(ok: bool) -> str:
    return PASSED if ok else FAILED


def _equality(mine: list[RunResult]) -> Criterion:
    spec = equality_of(run.config.equality for run in mine)
    checked = max(run.equality.checked for run in mine)
    share = min(run.equality.equal / run.equality.checked if run.equality.checked else 1.0 for run in mine)
    unique = unique_mismatches(mine)
    facts: dict[str, object] = {"checked": checked, "runs": len(mine), "tags": len(unique), "unit": spec.unit,
                                "files": len({m.path for m in unique}), "equality": spec.name,
                                "compared_with": spec.describe(), "reference_empty": bool(checked and baseline_exif(mine) == 0)}  # fmt: skip
    if spec.off:
        return Criterion("equality", None, 1.0, PASSED, REJECT, {**facts, "off": True})
    if unique:
        facts["first"] = unique[0].to_dict()
    return Criterion("equality", share, 1.0, _status(not unique and all(run.equal for run in mine)), REJECT, facts)


def _leaks(mine: list[RunResult]) -> Criterion:
    usage = [run.extra.resources for run in mine if run.extra.resources is not None]
    threads = max(u.leaked_threads for u in usage)
    children = sorted({child for u in usage for child in u.leaked_children})
    ok = threads == 0 and not children
    facts = {"threads": threads, "children": children, "runs": len(mine)}
    return Criterion("leaks", float(threads + len(children)), 0.0, _status(ok), REJECT, facts)


def _blocking(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    cand_values = [run.blocking.total_s for run in mine]
    ref_values = [run.blocking.total_s for run in ref]
    cand, base = median(cand_values), median(ref_values)
    reduction = 1 - cand / base if base else 0.0
    significance = mann_whitney(cand_values, ref_values, "less")
    if reduction < policy.min_blocking_reduction:
        status = FAILED
    else:
        status = PASSED if significance.significant else INCONCLUSIVE
    facts = {"reference": reference, "candidate_s": cand, "reference_s": base, "significance": significance.to_dict(),
             "parts_ms": parts_ms(mine)}  # fmt: skip
    return Criterion("blocking", reduction, policy.min_blocking_reduction, status, HOLD, facts)


def _not_ready(mine: list[RunResult], calls: int, policy: Policy) -> Criterion:
    count = median([float(run.not_ready) for run in mine])
    share = count / calls if calls else 0.0
    floor = not_ready_floor(mine)
    limit = policy.not_ready_limit(floor.share if floor is not None else None)
    facts: dict[str, object] = {"count": count, "calls": calls, "accepted": limit >= 1}
    if floor is not None:
        facts["floor"] = floor.to_dict()
    if policy.max_not_ready_over_floor is not None:
        facts["over_floor"] = policy.max_not_ready_over_floor
    return Criterion("not_ready", share, limit, _status(share <= limit + 1e-9), HOLD, facts)  # floor + margin in floats


def _background(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    cand, base = median([run.background_s for run in mine]), median([run.background_s for run in ref])
    ratio = cand / base if base else float("inf")
    facts = {"reference": reference, "candidate_s": cand, "reference_s": base}
    return Criterion("background", ratio, policy.max_background_ratio, _status(ratio <= policy.max_background_ratio), HOLD, facts)


def _memory(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    growth = max(run.extra.resources.rss_growth_mb for run in mine if run.extra.resources is not None)
    ref_growth = max(run.extra.resources.rss_growth_mb for run in ref if run.extra.resources is not None)
    facts = {"reference": reference, "reference_mb": ref_growth}
    return Criterion("memory", growth, policy.max_rss_growth_mb, _status(growth <= policy.max_rss_growth_mb), HOLD, facts)


def _storage(mine: list[RunResult], ref: list[RunResult], reference: str) -> Criterion:
    ok = charged(mine) or not charged(ref)
    return Criterion("storage", float(ok), 1.0, _status(ok), HOLD, {"reference": reference})


def _time_to_exif(mine: list[RunResult], ref: list[RunResult], reference: str, policy: Policy) -> Criterion:
    p90 = median([run.time_to_exif.p90_ms or 0.0 for run in mine])
    facts = {"reference": reference, "reference_ms": median([run.time_to_exif.p90_ms or 0.0 for run in ref]),
             "first_page_ready": median([run.first_page_ready_share for run in mine]),
             "first_page_complete_ms": median([run.first_page_complete_ms for run in mine])}  # fmt: skip
    return Criterion("time_to_exif", p90, policy.max_time_to_exif_ms, _status(p90 <= policy.max_time_to_exif_ms), HOLD, facts)


def _busy(mine: list[RunResult], ref: list[RunResult], reference: str, field: str, limit: int) -> Criterion:
    count = median([run.responsiveness.figure(field) for run in mine])
    facts = {"reference": reference, "reference_count": median([run.responsiveness.figure(field) for run in ref])}
    return Criterion(field, count, float(limit), _status(count <= limit), HOLD, facts)
