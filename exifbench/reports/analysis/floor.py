"""The not-ready floor: the calls no loader answering without blocking can have EXIF for on a first launch.

The best a loader can do is start every read the instant the view starts asking (a pre-load that costs nothing, at
the first call); each read takes at least the storage's first-read latency (the model's latency less its jitter; a
measured profile's fastest first read), so a call asked sooner than that after the first call cannot find its
file's EXIF read yet: its answer is a placeholder or a wait. Counted from the run's own call times
(``samples.at_ms``, which follow the pattern's page size and frame time) relative to its first call — a loader's own
start-up (its constructor and pre-load on the main thread) delays the calls but is no head start — it is a bound no
strategy can beat here; only a cache kept from an earlier launch (``persistent``) can.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from exifbench.reports.documents.runs import RunResult


@dataclass(frozen=True)
class Floor:
    """``calls`` of the replay's ``of`` were asked within ``latency_ms`` (the first read's least latency) of its first call."""

    calls: int
    of: int
    latency_ms: float

    @property
    def share(self) -> float:
        return self.calls / self.of if self.of else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share": self.share}


def first_read_ms(model: Mapping[str, Any]) -> float:
    """The least time any first read of a file takes under the run's storage model (its ``config.storage_model``):
    a measured profile's fastest first read, else the latency less its jitter; 0 when the OS cache serves reads."""
    if model.get("os_cache"):
        return 0.0
    measured = model.get("first_read_ms")
    if isinstance(measured, list) and measured and all(isinstance(v, int | float) for v in measured):
        return float(min(measured))
    latency, jitter = model.get("latency_ms", 0.0), model.get("jitter_ms", 0.0)
    if not isinstance(latency, int | float) or not isinstance(jitter, int | float):
        return 0.0
    return max(0.0, float(latency) - float(jitter))


def run_floor(run: RunResult) -> Floor | None:
    """One run's floor from its call times; ``None`` when the run kept no call times or no storage model."""
    at_ms = run.samples.get("at_ms")
    model = run.config.storage_model
    if not at_ms or not isinstance(model, Mapping):
        return None
    latency, first = first_read_ms(model), min(at_ms)
    return Floor(sum(1 for at in at_ms if at - first < latency), len(at_ms), latency)


def not_ready_floor(runs: Sequence[RunResult]) -> Floor | None:
    """The (lower) median run's floor over a strategy's repeats (``None`` if no run can tell): each run's not-ready count is at
    least its own floor, so their median is at least this."""
    floors = sorted((floor for floor in map(run_floor, runs) if floor is not None), key=lambda one: one.calls)
    return floors[(len(floors) - 1) // 2] if floors else None
