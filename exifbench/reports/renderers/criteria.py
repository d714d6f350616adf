"""decide's criteria in words: what each requires, what was measured, and for a failed one what would pass.

The analysis (:mod:`exifbench.reports.analysis.decide`) gives numbers (``value``, ``limit``, ``facts``); every
sentence about them is written here, for the console, Markdown, JSON and the recommendation of ``run`` alike.
A fact missing or of the wrong type (a hand-edited document) reads as ``n/a``, never as a crash.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from exifbench.reports.analysis.metrics import PART_NAMES, of_which
from exifbench.reports.documents.decision import PASSED, Criterion
from exifbench.reports.format import change, count, duration, less_or_more, number
from exifbench.reports.statistics import Significance

LEGACY = ("requirement", "measured")
"""The words a decision saved before ``facts`` kept instead of figures."""


def _num(facts: Mapping[str, Any], key: str) -> float:
    value = facts.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


def _text(facts: Mapping[str, Any], key: str, default: str = "the reference") -> str:
    value = facts.get(key)
    return value if isinstance(value, str) else default


def _share(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.1%}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:g}%"


def _whole_percent(value: float) -> str:
    return f"{value:.0%}" if math.isfinite(value) else "n/a"


def _ms(value: float) -> str:
    return duration(value / 1000) if math.isfinite(value) else "n/a"


def _s(value: float) -> str:
    return duration(value) if math.isfinite(value) else "n/a"


def _significance(facts: Mapping[str, Any]) -> str:
    raw = facts.get("significance")
    if not isinstance(raw, Mapping):
        return "significance n/a"
    try:
        return Significance(raw["alternative"], float(raw["p_value"]), int(raw["n_candidate"]), int(raw["n_reference"]),
                            float(raw.get("alpha", 0.05))).describe()  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return "significance n/a"


def floor_of(c: Criterion) -> Mapping[str, Any] | None:
    """The not-ready floor a ``not_ready`` criterion carries (``calls``, ``of``, ``latency_ms``, ``share``), if any."""
    floor = c.facts.get("floor")
    return floor if isinstance(floor, Mapping) and isinstance(floor.get("share"), int | float) else None


def floor_text(floor: Mapping[str, Any]) -> str:
    """``floor 17.2% here: the 102 calls asked within 23 ms of the start, before any read can finish``."""
    return (f"floor {_share(_num(floor, 'share'))} here: the {number(_num(floor, 'calls'))} of {number(_num(floor, 'of'))} "
            f"calls asked within {_ms(_num(floor, 'latency_ms'))} of the start, before any read can finish")  # fmt: skip


def _not_ready_requirement(c: Criterion) -> str:
    over = c.facts.get("over_floor")
    if isinstance(over, int | float):
        return f"≤ floor + {_percent(over)} ({_share(c.limit)}) of calls show a placeholder"
    text = f"≤ {_percent(c.limit)} of calls show a placeholder"
    return text + (" (placeholders accepted)" if c.facts.get("accepted") is True else "")


def _not_ready_measured(c: Criterion) -> str:
    text = f"{_share(c.value)} of calls showed a placeholder (median {number(_num(c.facts, 'count'))} of {number(_num(c.facts, 'calls'))})"
    floor = floor_of(c)
    return text + (f"; {floor_text(floor)}" if floor is not None else "")


def _equality_requirement(c: Criterion) -> str:
    if c.facts.get("off") is True:
        return "none: --equality off"
    if "compared_with" not in c.facts:  # decided before --equality existed
        return "100% of files equal (mandatory)"
    return f"100% of files equal to {_text(c.facts, 'compared_with')} (mandatory; --equality {_text(c.facts, 'equality')})"


def _equality_measured(c: Criterion) -> str:
    if c.facts.get("off") is True:
        return "NOT CHECKED: no EXIF was compared (--equality off)"
    first = c.facts.get("first")
    if isinstance(first, Mapping):
        unit = _text(c.facts, "unit", "tag")
        return (f"{count(int(_num(c.facts, 'tags')), unit)} in {count(int(_num(c.facts, 'files')), 'file')} differ, e.g. "
                f"{first.get('path')} {first.get('tag')}: expected {first.get('expected')}, got {first.get('actual')}")  # fmt: skip
    checked = number(_num(c.facts, "checked"))
    if c.facts.get("reference_empty") is True:
        return (f"{checked}/{checked} files equal, but the reference loader reads no EXIF from these files: "
                "equality checks nothing here")  # fmt: skip
    return f"{checked}/{checked} files equal in all {number(_num(c.facts, 'runs'))} runs"


def _leaks_measured(c: Criterion) -> str:
    children = c.facts.get("children")
    names = [str(child) for child in children] if isinstance(children, list) else []
    text = (f"{number(_num(c.facts, 'threads'))} thread(s), {len(names)} child process(es) left after close() "
            f"(worst of {number(_num(c.facts, 'runs'))} runs)")  # fmt: skip
    return text + (f": {', '.join(names[:3])}" if names else "")


def _blocking_measured(c: Criterion) -> str:
    cand, base = _num(c.facts, "candidate_s"), _num(c.facts, "reference_s")
    ratio = cand / base if base else math.nan
    raw = c.facts.get("parts_ms")
    parts = {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float)} if isinstance(raw, Mapping) else {}
    where = of_which({k: v for k, v in parts.items() if k in PART_NAMES}, cand) if math.isfinite(cand) else ""
    return f"{less_or_more(ratio)} ({change(ratio)}: {_s(cand)}{where} vs {_s(base)} median); {_significance(c.facts)}"


def _storage_measured(c: Criterion) -> str:
    if c.status == PASSED:
        return "charged to both"
    return (f"charged to {_text(c.facts, 'reference')} only: the candidate reads files itself and the model ran "
            "in-process (no FUSE mount); install fuse3 to measure it")  # fmt: skip


def _time_to_exif_measured(c: Criterion) -> str:
    value = c.value if c.value is not None else math.nan
    return (f"p90 {_ms(value)} ({_text(c.facts, 'reference')}: {_ms(_num(c.facts, 'reference_ms'))}); first page "
            f"{_whole_percent(_num(c.facts, 'first_page_ready'))} ready at first look, complete after "
            f"{_ms(_num(c.facts, 'first_page_complete_ms'))} (medians)")  # fmt: skip


def _busy_measured(what: str) -> Callable[[Criterion], str]:
    def measured(c: Criterion) -> str:
        value = c.value if c.value is not None else math.nan
        return f"{number(value)} {what} per replay ({_text(c.facts, 'reference')}: {number(_num(c.facts, 'reference_count'))}; medians)"

    return measured


def _background_measured(c: Criterion) -> str:
    cand, base = _num(c.facts, "candidate_s"), _num(c.facts, "reference_s")
    value = c.value if c.value is not None else math.nan
    return f"{value:.2f}× {_text(c.facts, 'reference')} ({_s(cand)} vs {_s(base)} median)"


def _memory_measured(c: Criterion) -> str:
    value = c.value if c.value is not None else math.nan
    return f"{value:.1f} MB peak RSS growth, worst run ({_text(c.facts, 'reference')}: {_num(c.facts, 'reference_mb'):.1f} MB)"


_REQUIREMENTS: dict[str, Callable[[Criterion], str]] = {
    "equality": _equality_requirement,
    "leaks": lambda c: "no thread or child process left after close() (mandatory)",
    "blocking": lambda c: f"≥ {_percent(c.limit)} less than {_text(c.facts, 'reference')}, significant",
    "not_ready": _not_ready_requirement,
    "time_to_exif": lambda c: f"time-to-EXIF p90 ≤ {_ms(c.limit if c.limit is not None else math.nan)}",
    "long_tasks": lambda c: f"≤ {number(c.limit if c.limit is not None else math.nan)} per replay",
    "frozen_frames": lambda c: f"≤ {number(c.limit if c.limit is not None else math.nan)} per replay",
    "background": lambda c: f"≤ {number(c.limit if c.limit is not None else math.nan)}× {_text(c.facts, 'reference')}",
    "memory": lambda c: f"≤ {number(c.limit if c.limit is not None else math.nan)} MB",
    "storage": lambda c: f"the storage model charged as to {_text(c.facts, 'reference')}",
}
_MEASURED: dict[str, Callable[[Criterion], str]] = {
    "equality": _equality_measured,
    "leaks": _leaks_measured,
    "blocking": _blocking_measured,
    "not_ready": _not_ready_measured,
    "time_to_exif": _time_to_exif_measured,
    "long_tasks": _busy_measured("stretches over 50 ms"),
    "frozen_frames": _busy_measured("frozen frames (over 700 ms)"),
    "background": _background_measured,
    "memory": _memory_measured,
    "storage": _storage_measured,
}


def requirement(c: Criterion) -> str:
    """What the criterion requires, in words."""
    if isinstance(c.facts.get("requirement"), str):
        return str(c.facts["requirement"])
    return _REQUIREMENTS[c.name](c) if c.name in _REQUIREMENTS else f"≤ {number(c.limit if c.limit is not None else math.nan)}"


def measured(c: Criterion) -> str:
    """What was measured, in words."""
    if isinstance(c.facts.get("measured"), str):
        return str(c.facts["measured"])
    return _MEASURED[c.name](c) if c.name in _MEASURED else number(c.value if c.value is not None else math.nan)


def way_forward(c: Criterion) -> str:
    """For a failed ``not_ready``: the best achievable here beside the limit, and the setting that would pass;
    empty for any other criterion or a passed one."""
    floor = floor_of(c)
    if c.name != "not_ready" or c.status == PASSED or floor is None or c.value is None:
        return ""
    best, limit = _num(floor, "share"), c.limit if c.limit is not None else math.nan
    margin = math.ceil(round(max(0.0, c.value - best) * 100, 6))
    text = f"best achievable on a first launch here: {_share(best)} (the floor) against ≤ {_share(limit)} required"
    if best > limit:
        text += "; no loader answering without blocking can pass on a first launch"
    text += f"; --max-not-ready floor+{margin}% would pass this candidate"
    return text + "; a relaunch with persistent answers from its cache (exifbench run -s persistent --launches 2)"
